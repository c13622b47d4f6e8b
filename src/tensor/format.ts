// Tensor printing that matches PyTorch 1.13's repr/str byte for byte (torch/_tensor_str.py with
// its default options: precision 4, threshold 1000, edgeitems 3, linewidth 80).
//
// The structure follows _tensor_str.py so the two can be compared side by side: a _Formatter
// that picks int/fixed/scientific mode and a column width from the (summarised) values, then
// recursive vector/matrix layout, then the suffixes (dtype, requires_grad, grad_fn).
// Numbers are formatted exactly as Python's "{:.4f}" / "{:.4e}" do: correctly rounded with ties
// to even (JS's toFixed/toExponential break ties away from zero, so they are not used).

import type { Tensor } from "./tensor.js";
import type { TypedArray } from "./dtype.js";

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGEITEMS = 3;
const LINEWIDTH = 80;

// ---- exact Python-style number formatting -----------------------------------------------------

/** |x| (finite, non-zero) as num / den with BigInts (den a power of two). */
function exactRatio(x: number): [bigint, bigint] {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(x));
  const hi = buf.getUint32(0), lo = buf.getUint32(4);
  const biasedExp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (biasedExp === 0) e = -1074; // subnormal
  else { mant |= 1n << 52n; e = biasedExp - 1075; }
  return e >= 0 ? [mant << BigInt(e), 1n] : [mant, 1n << BigInt(-e)];
}

/** round(num / den) with ties to even. */
function roundHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && (q & 1n) === 1n)) return q + 1n;
  return q;
}

function isNegative(x: number): boolean {
  return x < 0 || Object.is(x, -0);
}

/** Python's "{:.pf}".format(x). */
export function formatFixed(x: number, p: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const sign = isNegative(x) ? "-" : "";
  if (x === 0) return sign + (p > 0 ? "0." + "0".repeat(p) : "0");
  const [num, den] = exactRatio(x);
  const digits = roundHalfEven(num * 10n ** BigInt(p), den).toString().padStart(p + 1, "0");
  if (p === 0) return sign + digits;
  return `${sign}${digits.slice(0, digits.length - p)}.${digits.slice(digits.length - p)}`;
}

/** Python's "{:.pe}".format(x): mantissa with p decimals, exponent with a sign and ≥ 2 digits. */
export function formatExp(x: number, p: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const sign = isNegative(x) ? "-" : "";
  let digits: string;
  let e = 0;
  if (x === 0) digits = "0".repeat(p + 1);
  else {
    const [num, den] = exactRatio(x);
    e = Math.floor(Math.log10(Math.abs(x)));
    const lo = 10n ** BigInt(p), hi = 10n ** BigInt(p + 1);
    // log10 can be off by one near powers of ten; adjust until the mantissa has p+1 digits.
    for (;;) {
      const k = p - e;
      const n = k >= 0 ? roundHalfEven(num * 10n ** BigInt(k), den) : roundHalfEven(num, den * 10n ** BigInt(-k));
      if (n >= hi) e++;
      else if (n < lo) e--;
      else { digits = n.toString(); break; }
    }
  }
  const mant = p > 0 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const exp = `${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  return `${sign}${mant}e${exp}`;
}

// ---- the formatter (torch._tensor_str._Formatter) ---------------------------------------------

class Formatter {
  private readonly floating: boolean;
  private intMode = true;
  private sciMode = false;
  maxWidth = 1;

  /** `values` are the elements that will be shown (the summarised data when summarising). */
  constructor(floating: boolean, values: ArrayLike<number>) {
    this.floating = floating;
    if (!floating) {
      for (let i = 0; i < values.length; i++) this.maxWidth = Math.max(this.maxWidth, String(values[i]).length);
      return;
    }
    const vals: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isFinite(v) && v !== 0) vals.push(v);
    }
    if (vals.length === 0) return;
    let min = Infinity, max = 0;
    for (const v of vals) {
      const a = Math.abs(v);
      if (a < min) min = a;
      if (a > max) max = a;
      if (v !== Math.ceil(v)) this.intMode = false;
    }
    if (this.intMode) {
      if (max / min > 1000 || max > 1e8) {
        this.sciMode = true;
        for (const v of vals) this.maxWidth = Math.max(this.maxWidth, formatExp(v, PRECISION).length);
      } else {
        for (const v of vals) this.maxWidth = Math.max(this.maxWidth, formatFixed(v, 0).length + 1);
      }
    } else if (max / min > 1000 || max > 1e8 || min < 1e-4) {
      this.sciMode = true;
      for (const v of vals) this.maxWidth = Math.max(this.maxWidth, formatExp(v, PRECISION).length);
    } else {
      for (const v of vals) this.maxWidth = Math.max(this.maxWidth, formatFixed(v, PRECISION).length);
    }
  }

  format(v: number): string {
    let s: string;
    if (!this.floating) s = String(v);
    else if (this.sciMode) s = formatExp(v, PRECISION);
    else if (this.intMode) {
      s = formatFixed(v, 0);
      if (Number.isFinite(v)) s += ".";
    } else s = formatFixed(v, PRECISION);
    return s.length < this.maxWidth ? " ".repeat(this.maxWidth - s.length) + s : s;
  }
}

// ---- layout -------------------------------------------------------------------------------------

interface Block {
  data: TypedArray;
  shape: readonly number[];
  /** Row-major strides of `shape` within `data`. */
  strides: number[];
}

/** The indices shown along a dim of size n: all, or the first and last EDGEITEMS with a gap (-1). */
function shownIndices(n: number, summarize: boolean): number[] {
  if (summarize && n > 2 * EDGEITEMS) {
    const out: number[] = [];
    for (let i = 0; i < EDGEITEMS; i++) out.push(i);
    out.push(-1);
    for (let i = n - EDGEITEMS; i < n; i++) out.push(i);
    return out;
  }
  return Array.from({ length: n }, (_, i) => i);
}

/** The values the formatter sees (torch's get_summarized_data, flattened). */
function summarizedValues(b: Block, summarize: boolean): number[] {
  const out: number[] = [];
  const walk = (dim: number, base: number): void => {
    if (dim === b.shape.length) { out.push(b.data[base]); return; }
    for (const i of shownIndices(b.shape[dim], summarize)) if (i >= 0) walk(dim + 1, base + i * b.strides[dim]);
  };
  walk(0, 0);
  return out;
}

function vectorStr(b: Block, base: number, indent: number, summarize: boolean, f: Formatter): string {
  const elementLength = f.maxWidth + 2;
  const perLine = Math.max(1, Math.floor((LINEWIDTH - indent) / elementLength));
  const n = b.shape[b.shape.length - 1];
  const stride = b.strides[b.strides.length - 1];
  const data = shownIndices(n, summarize).map((i) => (i < 0 ? " ..." : f.format(b.data[base + i * stride])));
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += perLine) lines.push(data.slice(i, i + perLine).join(", "));
  return "[" + lines.join(",\n" + " ".repeat(indent + 1)) + "]";
}

function tensorStr(b: Block, dim: number, base: number, indent: number, summarize: boolean, f: Formatter): string {
  const nd = b.shape.length - dim;
  if (nd === 0) return f.format(b.data[base]);
  if (nd === 1) return vectorStr(b, base, indent, summarize, f);
  const slices = shownIndices(b.shape[dim], summarize).map((i) =>
    i < 0 ? "..." : tensorStr(b, dim + 1, base + i * b.strides[dim], indent + 1, summarize, f));
  return "[" + slices.join("," + "\n".repeat(nd - 1) + " ".repeat(indent + 1)) + "]";
}

function addSuffixes(str: string, suffixes: string[], indent: number): string {
  const parts = [str];
  let lastLineLen = str.length - str.lastIndexOf("\n") + 1;
  for (const suffix of suffixes) {
    if (lastLineLen + suffix.length + 2 > LINEWIDTH) {
      parts.push(",\n" + " ".repeat(indent) + suffix);
      lastLineLen = indent + suffix.length;
    } else {
      parts.push(", " + suffix);
      lastLineLen += suffix.length + 2;
    }
  }
  parts.push(")");
  return parts.join("");
}

/** PyTorch's graph-node class names carry an overload number (AddBackward0); ours do not. */
function gradFnName(name: string): string {
  return /\d$/.test(name) ? name : name + "0";
}

/** The PyTorch 1.13 repr of a tensor, e.g. `tensor([1.5000, 2.0000], dtype=torch.float64)`. */
export function formatTensor(t: Tensor): string {
  const prefix = "tensor(";
  const indent = prefix.length;
  const suffixes: string[] = [];
  const size = t.size;
  let body: string;
  if (size === 0) {
    if (t.ndim !== 1) suffixes.push(`size=(${t.shape.join(", ")})`); // never 1-d here, so no "(n,)" form
    if (t.dtype !== "float32") suffixes.push(`dtype=torch.${t.dtype}`);
    body = "[]";
  } else {
    if (t.dtype !== "float32") suffixes.push(`dtype=torch.${t.dtype}`);
    const data = t.dataRowMajor();
    const shape = t.shape;
    const strides: number[] = new Array(shape.length);
    for (let i = shape.length - 1, s = 1; i >= 0; i--) { strides[i] = s; s *= shape[i]; }
    const b: Block = { data, shape, strides };
    const summarize = size > THRESHOLD;
    const f = new Formatter(t.dtype !== "int32", summarize ? summarizedValues(b, true) : data);
    body = tensorStr(b, 0, 0, indent, summarize, f);
  }
  if (t.gradFn) suffixes.push(`grad_fn=<${gradFnName(t.gradFn.name)}>`);
  else if (t.requiresGrad) suffixes.push("requires_grad=True");
  return addSuffixes(prefix + body, suffixes, indent);
}
