// Creating tensors: from JS values, constant fills, ranges, identity, and random draws.

import { type DType, type TypedArray, allocate, checkDType, dtypeOf, isFloating } from "./dtype.js";
import { checkShape, numel, fmtShape } from "./shape.js";
import { defaultGenerator, type Generator } from "./random.js";
import { Tensor, type NestedArray } from "./tensor.js";

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

function finish(t: Tensor, opts: CreateOptions | undefined): Tensor {
  if (opts?.requiresGrad) t.requiresGrad_(true);
  return t;
}

function dtypeOpt(op: string, opts: CreateOptions | undefined, fallback: DType = "float32"): DType {
  return opts?.dtype === undefined ? fallback : checkDType(op, opts.dtype);
}

function isTypedArray(x: unknown): x is TypedArray | Uint8Array | Uint8ClampedArray | Int8Array | Int16Array | Uint16Array | Uint32Array {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

/**
 * A tensor from nested arrays, a number, or a typed array (which gives a 1-d tensor).
 * dtype defaults to float32, or to the typed array's own type for Float64Array/Int32Array.
 */
export function tensor(values: NestedArray | TypedArray | ArrayLike<number>, opts?: CreateOptions): Tensor {
  if (values instanceof Tensor) throw new Error("tensor: got a Tensor; use x.clone() or x.detach() to copy one");
  if (isTypedArray(values)) {
    const src = values as ArrayLike<number>;
    const natural: DType = values instanceof Float64Array || values instanceof Int32Array ? dtypeOf(values) : "float32";
    const dtype = dtypeOpt("tensor", opts, natural);
    const data = allocate(dtype, src.length);
    data.set(src as ArrayLike<number>);
    return finish(Tensor.fromData(data, [src.length]), opts);
  }
  const shape: number[] = [];
  let probe: unknown = values;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const dtype = dtypeOpt("tensor", opts);
  const data = allocate(dtype, numel(shape));
  let k = 0;
  const walk = (v: unknown, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof v === "boolean") v = v ? 1 : 0;
      if (typeof v !== "number") throw new Error(`tensor: element at ${path || "[]"} is ${JSON.stringify(v) ?? String(v)}, expected a number`);
      if (dtype === "int32" && !Number.isInteger(v)) throw new Error(`tensor: element at ${path || "[]"} is ${v}, but dtype int32 needs integers`);
      data[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      const got = Array.isArray(v) ? `length ${v.length}` : "a scalar";
      throw new Error(`tensor: ragged nested array: at ${path || "[]"} expected length ${shape[dim]} (shape ${fmtShape(shape)}), got ${got}`);
    }
    for (let i = 0; i < v.length; i++) walk(v[i], dim + 1, `${path}[${i}]`);
  };
  walk(values, 0, "");
  return finish(Tensor.fromData(data, shape), opts);
}

/** @internal A 0-d tensor holding one number. */
export function scalar(value: number, dtype: DType = "float32"): Tensor {
  const data = allocate(dtype, 1);
  data[0] = value;
  return Tensor.fromData(data, []);
}

export function full(shape: readonly number[], value: number, opts?: CreateOptions): Tensor {
  const s = checkShape("full", shape);
  const data = allocate(dtypeOpt("full", opts), numel(s));
  if (value !== 0) data.fill(value);
  return finish(Tensor.fromData(data, s), opts);
}

export function zeros(shape: readonly number[], opts?: CreateOptions): Tensor {
  return full(shape, 0, opts);
}

export function ones(shape: readonly number[], opts?: CreateOptions): Tensor {
  return full(shape, 1, opts);
}

/** Uninitialised in PyTorch; zero-filled here (typed arrays always are). */
export function empty(shape: readonly number[], opts?: CreateOptions): Tensor {
  return full(shape, 0, opts);
}

function likeOpts(x: Tensor, opts?: CreateOptions): CreateOptions {
  return { dtype: opts?.dtype ?? x.dtype, requiresGrad: opts?.requiresGrad };
}

export function zerosLike(x: Tensor, opts?: CreateOptions): Tensor { return zeros(x.shape, likeOpts(x, opts)); }
export function onesLike(x: Tensor, opts?: CreateOptions): Tensor { return ones(x.shape, likeOpts(x, opts)); }
export function fullLike(x: Tensor, value: number, opts?: CreateOptions): Tensor { return full(x.shape, value, likeOpts(x, opts)); }
export function emptyLike(x: Tensor, opts?: CreateOptions): Tensor { return zeros(x.shape, likeOpts(x, opts)); }
export function randLike(x: Tensor, opts?: RandomOptions): Tensor { return rand(x.shape, { ...likeOpts(x, opts), generator: opts?.generator }); }
export function randnLike(x: Tensor, opts?: RandomOptions): Tensor { return randn(x.shape, { ...likeOpts(x, opts), generator: opts?.generator }); }
export function randintLike(x: Tensor, low: number, high: number, opts?: RandomOptions): Tensor {
  return randint(low, high, x.shape, { dtype: opts?.dtype ?? x.dtype, generator: opts?.generator });
}

/**
 * arange(end), arange(start, end), arange(start, end, step): values start, start+step, ... < end.
 * dtype defaults to int32 when all arguments are integers (like PyTorch's int64), else float32.
 */
export function arange(start: number, end?: number, step = 1, opts?: CreateOptions): Tensor {
  if (end === undefined) { end = start; start = 0; }
  if (step === 0) throw new Error("arange: step must be non-zero");
  if (![start, end, step].every(Number.isFinite)) throw new Error(`arange: start, end and step must be finite, got ${start}, ${end}, ${step}`);
  if ((end - start) / step < 0) throw new Error(`arange: end (${end}) is not reachable from start (${start}) with step ${step}`);
  const allInt = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
  const dtype = dtypeOpt("arange", opts, allInt ? "int32" : "float32");
  const n = Math.ceil((end - start) / step);
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return finish(Tensor.fromData(data, [n]), opts);
}

/** `num` evenly spaced values from start to stop inclusive (numpy's and PyTorch's linspace). */
export function linspace(start: number, stop: number, num: number, opts?: CreateOptions): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new Error(`linspace: num must be a non-negative integer, got ${num}`);
  const dtype = dtypeOpt("linspace", opts);
  const data = allocate(dtype, num);
  if (num === 1) data[0] = start;
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  // PyTorch fills the first half from start and the second half from stop, so both ends are exact.
  const half = Math.floor(num / 2);
  if (num > 1) for (let i = 0; i < num; i++) data[i] = i < half ? start + step * i : stop - step * (num - 1 - i);
  return finish(Tensor.fromData(data, [num]), opts);
}

/** n×m identity (m defaults to n). */
export function eye(n: number, m: number = n, opts?: CreateOptions): Tensor {
  checkShape("eye", [n, m]);
  const t = zeros([n, m], { dtype: opts?.dtype });
  for (let i = 0; i < Math.min(n, m); i++) t.storage[i * m + i] = 1;
  return finish(t, opts);
}

/** Uniform samples in [0, 1). */
export function rand(shape: readonly number[], opts?: RandomOptions): Tensor {
  const s = checkShape("rand", shape);
  const dtype = dtypeOpt("rand", opts);
  if (!isFloating(dtype)) throw new Error(`rand: dtype must be float32 or float64, got ${dtype}`);
  const g = opts?.generator ?? defaultGenerator;
  const data = allocate(dtype, numel(s));
  for (let i = 0; i < data.length; i++) data[i] = g.random();
  // float32 rounding can turn 0.99999998 into 1; keep the interval half-open.
  if (dtype === "float32") for (let i = 0; i < data.length; i++) if (data[i] >= 1) data[i] = 0.99999994;
  return finish(Tensor.fromData(data, s), opts);
}

/** Standard normal samples. */
export function randn(shape: readonly number[], opts?: RandomOptions): Tensor {
  const s = checkShape("randn", shape);
  const dtype = dtypeOpt("randn", opts);
  if (!isFloating(dtype)) throw new Error(`randn: dtype must be float32 or float64, got ${dtype}`);
  const g = opts?.generator ?? defaultGenerator;
  const data = allocate(dtype, numel(s));
  for (let i = 0; i < data.length; i++) data[i] = g.normal();
  return finish(Tensor.fromData(data, s), opts);
}

/** Uniform integers in [low, high); int32 unless another dtype is asked for. */
export function randint(low: number, high: number, shape: readonly number[], opts?: RandomOptions): Tensor {
  const s = checkShape("randint", shape);
  if (!Number.isInteger(low) || !Number.isInteger(high)) throw new Error(`randint: low and high must be integers, got ${low} and ${high}`);
  if (high <= low) throw new Error(`randint: high (${high}) must be greater than low (${low})`);
  const g = opts?.generator ?? defaultGenerator;
  const data = allocate(dtypeOpt("randint", opts, "int32"), numel(s));
  for (let i = 0; i < data.length; i++) data[i] = g.int(low, high);
  return finish(Tensor.fromData(data, s), opts);
}

/** A random permutation of 0..n-1 (int32). */
export function randperm(n: number, opts?: RandomOptions): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new Error(`randperm: n must be a non-negative integer, got ${n}`);
  const g = opts?.generator ?? defaultGenerator;
  const data = new Int32Array(n);
  for (let i = 0; i < n; i++) data[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = g.int(0, i + 1);
    const t = data[i]; data[i] = data[j]; data[j] = t;
  }
  return Tensor.fromData(data, [n]);
}
