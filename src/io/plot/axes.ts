// Axis arithmetic: "nice" tick positions (1, 2, 5 × 10^k) for linear axes, decades for log axes,
// and short tick labels.

/** Round a span to 1, 2, 5 or 10 × 10^k (rounding to the nearest when `round`, else up). */
function niceNum(x: number, round: boolean): number {
  const e = Math.floor(Math.log10(x));
  const f = x / 10 ** e;
  const nf = round ? (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) : f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nf * 10 ** e;
}

export interface Ticks {
  lo: number;
  hi: number;
  ticks: number[];
  step: number;
}

/** Ticks covering [lo, hi] on a linear axis; the axis range widens to the outer ticks. */
export function linearTicks(lo: number, hi: number, maxTicks = 7): Ticks {
  if (!(hi > lo)) { const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1; lo -= d; hi += d; }
  const step = niceNum(niceNum(hi - lo, false) / (maxTicks - 1), true);
  const nlo = Math.floor(lo / step + 1e-9) * step, nhi = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let k = Math.round(nlo / step); k <= Math.round(nhi / step); k++) ticks.push(k * step);
  return { lo: nlo, hi: nhi, ticks, step };
}

/** Ticks for a log axis over [lo, hi] (both > 0): each decade, plus 2× and 5× when the range is short. */
export function logTicks(lo: number, hi: number): Ticks {
  let a = Math.floor(Math.log10(lo)), b = Math.ceil(Math.log10(hi));
  if (a === b) { a -= 1; b += 1; }
  const ticks: number[] = [];
  for (let k = a; k <= b; k++) {
    ticks.push(Number(`1e${k}`));
    if (b - a <= 2 && k < b) ticks.push(Number(`2e${k}`), Number(`5e${k}`));
  }
  return { lo: Number(`1e${a}`), hi: Number(`1e${b}`), ticks, step: 0 };
}

/** A short label for tick value v (step = tick spacing on a linear axis, 0 on a log axis). */
export function formatTick(v: number, step: number): string {
  if (v === 0) return "0";
  const av = Math.abs(v);
  if (av >= 1e5 || av < 1e-3) {
    const [m, e] = v.toExponential(2).split("e");
    return `${Number(m)}e${Number(e)}`;
  }
  if (step === 0) return String(Number(v.toPrecision(6)));
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}
