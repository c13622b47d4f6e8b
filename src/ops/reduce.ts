// Reductions over dims (or all elements), with keepdim: sum, mean, var, std, max, min,
// argmax, argmin, logsumexp, norm.

import { Tensor, type Dims } from "../tensor/tensor.js";
import { allocate, isFloating } from "../tensor/dtype.js";
import { fmtShape, normDim, normDims, numel } from "../tensor/shape.js";

import { kernels } from "../backend/backend.js";
import type { ReduceName } from "../backend/js/reduce.js";
import { record } from "../autograd/node.js";
import { checkTensor } from "./util.js";
import { add, div, eq, log, mul, exp, sqrt, square, sub, where, abs, pow } from "./elementwise.js";
import { expand, reshape } from "./shape.js";

interface Plan {
  dims: number[];
  /** Output shape with reduced dims kept as 1. */
  keptShape: number[];
  outShape: number[];
  count: number;
}

function plan(opName: string, x: Tensor, dim: Dims | null | undefined, keepdim: boolean): Plan {
  // A 0-d tensor accepts dim 0 / -1 like PyTorch, and reducing it over that dim is the identity.
  const dims = x.ndim === 0 ? (normDims(opName, dim ?? undefined, 0), []) : normDims(opName, dim ?? undefined, x.ndim);
  const keptShape = x.shape.map((s, i) => (dims.includes(i) ? 1 : s));
  const outShape = keepdim ? keptShape : x.shape.filter((_, i) => !dims.includes(i));
  const count = dims.reduce((c, d) => c * x.shape[d], 1);
  return { dims, keptShape, outShape, count };
}

/** Run a last-axis reduction kernel after moving the reduced dims to the end (no graph). */
function reduceRaw(name: ReduceName, x: Tensor, p: Plan, outDtype = x.dtype): Tensor {
  const keep = x.shape.map((_, i) => i).filter((i) => !p.dims.includes(i));
  const perm = [...keep, ...p.dims];
  const moved = new Tensor(x.storage, perm.map((i) => x.shape[i]), perm.map((i) => x.strides[i]), x.offset);
  const outer = numel(keep.map((i) => x.shape[i]));
  const out = allocate(outDtype, outer);
  if (p.count === 0 && (name === "max" || name === "min" || name === "argmax" || name === "argmin")) {
    throw new Error(`${name}: cannot reduce over a dim of size 0 (shape ${fmtShape(x.shape)}); there is no identity`);
  }
  if (outer > 0) {
    const k0 = keep[0], k1 = keep[keep.length - 1];
    if (name === "sum" && keep.length > 0 && k0 > 0 && k1 - k0 === keep.length - 1 && x.isContiguous()) {
      // The kept dims are one block in the middle of a dense tensor (e.g. sum over [0, 2, 3]
      // of NCHW): reduce in place as [A, B, S] instead of permuting and copying.
      const A = numel(x.shape.slice(0, k0)), S = numel(x.shape.slice(k1 + 1));
      kernels().reduceMiddle("sum", x.storage, x.offset, A, outer, S, out);
    } else {
      kernels().reduceLast(name, moved.dataRowMajor(), outer, p.count, out);
    }
  }
  return Tensor.fromData(out, p.outShape);
}

/** Broadcast a reduced gradient back over the reduced dims. */
function unreduce(g: Tensor, x: Tensor, p: Plan): Tensor {
  return expand(reshape(g, p.keptShape), x.shape);
}

export function sum(x: Tensor, dim?: Dims | null, keepdim = false): Tensor {
  checkTensor("sum", x);
  const p = plan("sum", x, dim, keepdim);
  const out = reduceRaw("sum", x, p);
  return record("SumBackward", out, [x], (g) => [unreduce(g, x, p)]);
}

export function mean(x: Tensor, dim?: Dims | null, keepdim = false): Tensor {
  checkTensor("mean", x);
  if (!isFloating(x.dtype)) throw new Error(`mean: input must be float32 or float64, got ${x.dtype}; convert with .float()`);
  const p = plan("mean", x, dim, keepdim);
  const out = reduceRaw("sum", x, p);
  const d = out.storage;
  for (let i = 0; i < d.length; i++) d[i] /= p.count;
  return record("MeanBackward", out, [x], (g) => [div(unreduce(g, x, p), p.count)]);
}

export interface VarOptions {
  /** Bessel's correction (divide by N-1); default true, like PyTorch. */
  unbiased?: boolean;
  /** Subtracted from N in the divisor; overrides `unbiased`. */
  correction?: number;
  keepdim?: boolean;
}

export function variance(x: Tensor, dim?: Dims | null, options: VarOptions = {}): Tensor {
  checkTensor("var", x);
  if (!isFloating(x.dtype)) throw new Error(`var: input must be float32 or float64, got ${x.dtype}`);
  const keepdim = options.keepdim ?? false;
  const correction = options.correction ?? (options.unbiased === false ? 0 : 1);
  const p = plan("var", x, dim, keepdim);
  const centred = sub(x, mean(x, p.dims, true));
  return div(sum(square(centred), p.dims, keepdim), Math.max(p.count - correction, 0));
}

export function std(x: Tensor, dim?: Dims | null, options: VarOptions = {}): Tensor {
  return sqrt(variance(x, dim, options));
}

/** Values (and, per dim, indices) of the max or min. */
function extreme(which: "max" | "min", x: Tensor, dim: number | undefined | null, keepdim: boolean): Tensor | { values: Tensor; indices: Tensor } {
  checkTensor(which, x);
  const name = which === "max" ? "MaxBackward" : "MinBackward";
  if (dim === undefined || dim === null) {
    const p = plan(which, x, undefined, false);
    const out = reduceRaw(which, x, p);
    // The gradient is shared evenly between tied extremes (PyTorch's rule for full reductions).
    return record(name, out, [x], (g) => {
      const mask = eq(x, out);
      return [mul(div(mask, sum(mask)), g)];
    }, { saved: [x] });
  }
  const d = normDim(which, dim, x.ndim);
  const p = plan(which, x, d, keepdim);
  const values = reduceRaw(which, x, p);
  const indices = reduceRaw(which === "max" ? "argmax" : "argmin", x, p, "int32");
  record(name, values, [x], (g) => {
    // Route each gradient to the one position its index names.
    const mask = allocate(g.dtype, x.size);
    const inner = numel(x.shape.slice(d + 1));
    const n = x.shape[d] ?? 1; // a 0-d input has one position
    const idx = indices.storage;
    for (let o = 0, k = 0; o < numel(x.shape.slice(0, d)); o++) {
      for (let i = 0; i < inner; i++, k++) mask[(o * n + idx[k]) * inner + i] = 1;
    }
    return [mul(Tensor.fromData(mask, x.shape), unreduce(g, x, p))];
  });
  return { values, indices };
}

export function max(x: Tensor, dim?: number | null, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
  return extreme("max", x, dim, keepdim);
}

export function min(x: Tensor, dim?: number | null, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
  return extreme("min", x, dim, keepdim);
}

/** Index of the max: of the flattened tensor when dim is omitted, else along dim (int32). */
export function argmax(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argExtreme("argmax", x, dim, keepdim);
}

export function argmin(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argExtreme("argmin", x, dim, keepdim);
}

function argExtreme(name: "argmax" | "argmin", x: Tensor, dim: number | null | undefined, keepdim: boolean): Tensor {
  checkTensor(name, x);
  if (dim === undefined || dim === null) {
    const flat = reshape(x.detach(), [x.size]);
    const r = reduceRaw(name, flat, plan(name, flat, 0, false), "int32");
    return keepdim ? reshape(r, x.shape.map(() => 1)) : r;
  }
  return reduceRaw(name, x, plan(name, x, normDim(name, dim, x.ndim), keepdim), "int32");
}

/** log Σ exp(x) over dims, stably (the max is subtracted first). */
export function logsumexp(x: Tensor, dim: Dims, keepdim = false): Tensor {
  checkTensor("logsumexp", x);
  if (!isFloating(x.dtype)) throw new Error(`logsumexp: input must be float32 or float64, got ${x.dtype}`);
  const p = plan("logsumexp", x, dim, true);
  let m = reduceMax(x.detach(), p.dims);
  // All -inf (or +inf) rows: shift by 0 so we return -inf (or inf) rather than NaN.
  m = where(eq(abs(m), Infinity), 0, m);
  const out = add(log(sum(exp(sub(x, m)), p.dims, true)), m);
  return keepdim ? out : reshape(out, x.shape.filter((_, i) => !p.dims.includes(i)));
}

function reduceMax(x: Tensor, dims: number[]): Tensor {
  let m = x;
  for (const d of dims) m = (max(m, d, true) as { values: Tensor }).values;
  return m;
}

/** p-norm over dims (all elements by default). p = 2 has a gradient of 0 at the origin, like PyTorch. */
export function norm(x: Tensor, p = 2, dim?: Dims | null, keepdim = false): Tensor {
  checkTensor("norm", x);
  if (!isFloating(x.dtype)) throw new Error(`norm: input must be float32 or float64, got ${x.dtype}`);
  if (typeof p !== "number" || !(p > 0)) throw new Error(`norm: p must be a positive number or Infinity, got ${p}`);
  if (p === Infinity) return (extremeAll(abs(x), dim, keepdim));
  if (p === 1) return sum(abs(x), dim, keepdim);
  if (p === 2) {
    const pl = plan("norm", x, dim, keepdim);
    const out = sqrt(sum(square(x.detach()), dim, keepdim)).detach();
    return record("NormBackward", out, [x], (g) => {
      const scale = where(eq(out, 0), 0, div(g, out));
      return [mul(x, unreduce(scale, x, pl))];
    }, { saved: [x] });
  }
  return pow(sum(pow(abs(x), p), dim, keepdim), 1 / p);
}

function extremeAll(x: Tensor, dim: Dims | null | undefined, keepdim: boolean): Tensor {
  if (dim === undefined || dim === null) {
    const m = max(x) as Tensor;
    return keepdim ? reshape(m, x.shape.map(() => 1)) : m;
  }
  const dims = normDims("norm", dim, x.ndim);
  let m = reduceMax(x, dims);
  if (!keepdim) m = reshape(m, x.shape.filter((_, i) => !dims.includes(i)));
  return m;
}

