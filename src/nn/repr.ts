// Python-style formatting for module reprs, so `String(model)` matches PyTorch's `repr(model)`.

/** A number as Python's repr(float) prints it: 0.1, 1.0, 1e-05, 0.0001, 1e+20. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  // Shortest round-trip digits and decimal exponent, then Python's layout rule:
  // scientific when the exponent is < -4 or >= 16.
  const [mant, expStr] = Math.abs(x).toExponential().split("e");
  const exp = Number(expStr);
  const digits = mant.replace(".", "");
  const sign = x < 0 ? "-" : "";
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp);
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${e < 10 ? "0" + e : e}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}.${frac || "0"}`;
}

/** A Python bool. */
export function pyBool(b: boolean): string {
  return b ? "True" : "False";
}

/** An int or a tuple of ints (null as None) as Python prints them: 3, (3, 3), (10,). */
export function pyTuple(v: number | null | readonly (number | null)[]): string {
  if (v === null) return "None";
  if (typeof v === "number") return String(v);
  const items = v.map((e) => (e === null ? "None" : String(e)));
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
}

/** PyTorch's _addindent: indent every line but the first. */
export function addIndent(s: string, spaces: number): string {
  const lines = s.split("\n");
  if (lines.length === 1) return s;
  const pad = " ".repeat(spaces);
  return [lines[0], ...lines.slice(1).map((l) => pad + l)].join("\n");
}
