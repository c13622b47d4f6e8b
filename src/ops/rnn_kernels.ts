// Kernels of the fused recurrent layer (ops/rnn.ts): the whole time loop of one layer and one
// direction, forward and backward, over typed arrays (no Tensor, no autograd). Per step they do
// one GEMM (h·W_hhᵀ forward, dA·W_hh backward) through the active backend and the gate
// arithmetic in one pass, so a step costs two kernels instead of a dozen graph nodes. The
// weight gradient is ONE GEMM over all steps at the end (dAᵀ·H_prev with T·B rows).
//
// Layout: xProj [T, B, G·H] (input projections x·W_ihᵀ + b_ih, G gates), W_hh [G·H, H],
// states [B, H]. Gate order is PyTorch's: LSTM i, f, g, o; GRU r, z, n.

import { type TypedArray, allocate } from "../tensor/dtype.js";
import { kernels } from "../backend/backend.js";

export type RecurrentMode = "RNN_TANH" | "RNN_RELU" | "LSTM" | "GRU";

/** Number of gate blocks per mode (rows of W_hh are gates · hidden). */
export function gateCount(mode: RecurrentMode): number {
  return mode === "LSTM" ? 4 : mode === "GRU" ? 3 : 1;
}

export interface LayerDims {
  T: number;
  B: number;
  H: number;
  reverse: boolean;
}

/** What the forward keeps for the backward. */
export interface LayerSaved {
  /** h_t for every t, [T, B, H] (the layer's output), then for LSTM c_N ([T + 1, B, H] in all). */
  out: TypedArray;
  /** LSTM: gate activations i, f, g, o; GRU: r, z, n; [T, B, G·H]. Unused for RNN. */
  act: TypedArray | null;
  /** LSTM: c_t [T, B, H]; GRU: W_hn·h_{t−1} + b_hn [T, B, H]. */
  aux: TypedArray | null;
  /** Final cell state (LSTM), [B, H]: a view of the last row of `out`. */
  cN: TypedArray | null;
}

// 1/(1 + e^−x) is accurate for every x (e^−x overflowing to ∞ gives 0) and costs one exp.
const sigm = (x: number): number => 1 / (1 + Math.exp(-x));

/** Time index of processing step s (reverse directions walk the sequence backwards). */
const timeOf = (d: LayerDims, s: number): number => (d.reverse ? d.T - 1 - s : s);

/** Forward over all steps. h0/c0 are [B, H]; bHh may be null. */
export function recurrentForward(
  mode: RecurrentMode, d: LayerDims, xProj: TypedArray, wHh: TypedArray, bHh: TypedArray | null,
  h0: TypedArray, c0: TypedArray | null,
): LayerSaved {
  const { T, B, H } = d;
  const G = gateCount(mode);
  const GH = G * H;
  const dt = xProj instanceof Float64Array ? "float64" : "float32";
  // LSTM: c_N goes in one more row after h_0 … h_{T−1}, so the op's single output is this array.
  const out = allocate(dt, (mode === "LSTM" ? T + 1 : T) * B * H);
  const act = mode === "LSTM" || mode === "GRU" ? allocate(dt, T * B * GH) : null;
  const aux = mode === "LSTM" || mode === "GRU" ? allocate(dt, T * B * H) : null;
  const cN = mode === "LSTM" ? out.subarray(T * B * H) : null;
  const gh = allocate(dt, B * GH); // h·W_hhᵀ (+ b_hh) for one step
  const k = kernels();
  let hPrev = h0, hOff = 0, cPrev = c0, cOff = 0;
  for (let s = 0; s < T; s++) {
    const t = timeOf(d, s);
    const xo = t * B * GH, ho = t * B * H;
    if (bHh) for (let b = 0; b < B; b++) gh.set(bHh.subarray(0, GH), b * GH);
    k.gemm(false, true, B, GH, H, hPrev, hOff, wHh, 0, gh, 0, bHh ? 1 : 0);
    if (mode === "RNN_TANH" || mode === "RNN_RELU") {
      const relu = mode === "RNN_RELU";
      for (let i = 0; i < B * H; i++) {
        const v = xProj[xo + i] + gh[i];
        out[ho + i] = relu ? (v > 0 ? v : 0) : Math.tanh(v);
      }
    } else if (mode === "LSTM") {
      for (let b = 0; b < B; b++) {
        const r = b * GH, xr = xo + r, ar = xo + r;
        for (let j = 0; j < H; j++) {
          const ig = sigm(xProj[xr + j] + gh[r + j]);
          const fg = sigm(xProj[xr + H + j] + gh[r + H + j]);
          const gg = Math.tanh(xProj[xr + 2 * H + j] + gh[r + 2 * H + j]);
          const og = sigm(xProj[xr + 3 * H + j] + gh[r + 3 * H + j]);
          const c = fg * cPrev![cOff + b * H + j] + ig * gg;
          act![ar + j] = ig; act![ar + H + j] = fg; act![ar + 2 * H + j] = gg; act![ar + 3 * H + j] = og;
          aux![ho + b * H + j] = c;
          out[ho + b * H + j] = og * Math.tanh(c);
        }
      }
      cPrev = aux; cOff = ho;
    } else {
      for (let b = 0; b < B; b++) {
        const r = b * GH, xr = xo + r;
        for (let j = 0; j < H; j++) {
          const rg = sigm(xProj[xr + j] + gh[r + j]);
          const zg = sigm(xProj[xr + H + j] + gh[r + H + j]);
          const hn = gh[r + 2 * H + j];
          const ng = Math.tanh(xProj[xr + 2 * H + j] + rg * hn);
          act![xr + j] = rg; act![xr + H + j] = zg; act![xr + 2 * H + j] = ng;
          aux![ho + b * H + j] = hn;
          out[ho + b * H + j] = (1 - zg) * ng + zg * hPrev[hOff + b * H + j];
        }
      }
    }
    hPrev = out; hOff = ho;
  }
  if (cN) cN.set(cPrev!.subarray(cOff, cOff + B * H));
  return { out, act, aux, cN };
}

export interface LayerGrads {
  dxProj: TypedArray;
  dwHh: TypedArray;
  dbHh: TypedArray;
  dh0: TypedArray;
  dc0: TypedArray | null;
}

/**
 * Backpropagation through time. dOut is the gradient of the outputs [T, B, H] (it already
 * includes the gradient of h_N), dcN that of the final cell state (LSTM; zeros if unused).
 */
export function recurrentBackward(
  mode: RecurrentMode, d: LayerDims, saved: LayerSaved, wHh: TypedArray,
  h0: TypedArray, c0: TypedArray | null, dOut: TypedArray, dcN: TypedArray | null,
): LayerGrads {
  const { T, B, H } = d;
  const G = gateCount(mode);
  const GH = G * H;
  const dt = dOut instanceof Float64Array ? "float64" : "float32";
  const { out, act, aux } = saved;
  const dxProj = allocate(dt, T * B * GH);
  // The gradient w.r.t. the hidden pre-activation h·W_hhᵀ + b_hh; differs from dxProj only for GRU.
  const dgh = mode === "GRU" ? allocate(dt, T * B * GH) : dxProj;
  const hPrevAll = allocate(dt, T * B * H); // h_{t−1} for each t, for the weight gradient
  const dh = allocate(dt, B * H);
  dh.fill(0);
  const dc = mode === "LSTM" ? allocate(dt, B * H) : null;
  if (dc) { if (dcN) dc.set(dcN); else dc.fill(0); }
  const k = kernels();
  for (let s = T - 1; s >= 0; s--) {
    const t = timeOf(d, s);
    const tp = d.reverse ? t + 1 : t - 1; // time index of the previous processing step
    const ho = t * B * H, xo = t * B * GH;
    const hPrev = s === 0 ? h0 : out, hpo = s === 0 ? 0 : tp * B * H;
    hPrevAll.set(hPrev.subarray(hpo, hpo + B * H), ho);
    for (let i = 0; i < B * H; i++) dh[i] += dOut[ho + i];
    if (mode === "RNN_TANH") {
      for (let i = 0; i < B * H; i++) { const h = out[ho + i]; dxProj[xo + i] = dh[i] * (1 - h * h); }
    } else if (mode === "RNN_RELU") {
      for (let i = 0; i < B * H; i++) dxProj[xo + i] = out[ho + i] > 0 ? dh[i] : 0;
    } else if (mode === "LSTM") {
      const cPrev = s === 0 ? c0! : aux!, cpo = s === 0 ? 0 : tp * B * H;
      for (let b = 0; b < B; b++) {
        const r = xo + b * GH;
        for (let j = 0; j < H; j++) {
          const q = b * H + j;
          const ig = act![r + j], fg = act![r + H + j], gg = act![r + 2 * H + j], og = act![r + 3 * H + j];
          const tc = Math.tanh(aux![ho + q]);
          const dct = dc![q] + dh[q] * og * (1 - tc * tc);
          dxProj[r + j] = dct * gg * ig * (1 - ig);
          dxProj[r + H + j] = dct * cPrev[cpo + q] * fg * (1 - fg);
          dxProj[r + 2 * H + j] = dct * ig * (1 - gg * gg);
          dxProj[r + 3 * H + j] = dh[q] * tc * og * (1 - og);
          dc![q] = dct * fg;
        }
      }
    } else {
      for (let b = 0; b < B; b++) {
        const r = xo + b * GH;
        for (let j = 0; j < H; j++) {
          const q = b * H + j;
          const rg = act![r + j], zg = act![r + H + j], ng = act![r + 2 * H + j];
          const g = dh[q];
          const dnPre = g * (1 - zg) * (1 - ng * ng);
          const drPre = dnPre * aux![ho + q] * rg * (1 - rg);
          const dzPre = g * (hPrev[hpo + q] - ng) * zg * (1 - zg);
          dxProj[r + j] = drPre; dxProj[r + H + j] = dzPre; dxProj[r + 2 * H + j] = dnPre;
          dgh[r + j] = drPre; dgh[r + H + j] = dzPre; dgh[r + 2 * H + j] = dnPre * rg;
          dh[q] = g * zg; // the direct path h_{t−1} → h_t; the GEMM below adds the rest
        }
      }
    }
    // dh_{t−1} = dgh_t · W_hh (+ the GRU's direct term already in dh).
    k.gemm(false, false, B, H, GH, dgh, xo, wHh, 0, dh, 0, mode === "GRU" ? 1 : 0);
  }
  const dwHh = allocate(dt, GH * H);
  k.gemm(true, false, GH, H, T * B, dgh, 0, hPrevAll, 0, dwHh, 0, 0);
  const acc = new Float64Array(GH); // the bias gradient sums T·B rows: accumulate in double
  for (let i = 0; i < T * B; i++) for (let j = 0; j < GH; j++) acc[j] += dgh[i * GH + j];
  const dbHh = allocate(dt, GH);
  dbHh.set(acc);
  return { dxProj, dwHh, dbHh, dh0: dh, dc0: dc };
}
