// Reference elementwise kernels over strided views, with NumPy broadcasting (a broadcast dim
// has stride 0). Ops name the function; fast backends may supply the same names.

import type { TypedArray } from "../../tensor/dtype.js";
import type { ArrayView } from "../view.js";

export type UnaryFn = (x: number) => number;
export type BinaryFn = (a: number, b: number) => number;

/** Round half to even, as PyTorch's round() does. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const unaryFns = {
  copy: (x: number) => x,
  neg: (x: number) => -x,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  rsqrt: (x: number) => 1 / Math.sqrt(x),
  square: (x: number) => x * x,
  reciprocal: (x: number) => 1 / x,
  abs: Math.abs,
  sign: (x: number) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN),
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  sigmoid: (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  relu: (x: number) => (x > 0 ? x : x === 0 || x < 0 ? 0 : x),
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
} satisfies Record<string, UnaryFn>;

export type UnaryName = keyof typeof unaryFns;

export const binaryFns = {
  add: (a: number, b: number) => a + b,
  sub: (a: number, b: number) => a - b,
  mul: (a: number, b: number) => a * b,
  div: (a: number, b: number) => a / b,
  pow: (a: number, b: number) => Math.pow(a, b),
  // NaN-propagating like torch.maximum/minimum.
  maximum: (a: number, b: number) => (a !== a || b !== b ? NaN : a > b ? a : b),
  minimum: (a: number, b: number) => (a !== a || b !== b ? NaN : a < b ? a : b),
  eq: (a: number, b: number) => (a === b ? 1 : 0),
  ne: (a: number, b: number) => (a !== b ? 1 : 0),
  lt: (a: number, b: number) => (a < b ? 1 : 0),
  le: (a: number, b: number) => (a <= b ? 1 : 0),
  gt: (a: number, b: number) => (a > b ? 1 : 0),
  ge: (a: number, b: number) => (a >= b ? 1 : 0),
  /** ReLU's gradient: the upstream gradient a where the ReLU output b is positive. */
  reluBackward: (a: number, b: number) => (b > 0 ? a : 0),
  /** relu(a + b) (NaN stays NaN). */
  addRelu: (a: number, b: number) => { const s = a + b; return s < 0 ? 0 : s; },
} satisfies Record<string, BinaryFn>;

export type BinaryName = keyof typeof binaryFns;

/** Visit every index of `shape`, calling `inner(baseA, baseB, count)` per innermost row. */
function forEachRow2(
  shape: readonly number[], sa: readonly number[], oa: number, sb: readonly number[], ob: number,
  inner: (pa: number, pb: number, o: number) => void,
): void {
  const nd = shape.length;
  if (nd === 0) { inner(oa, ob, 0); return; }
  const last = nd - 1;
  const rowLen = shape[last];
  const idx = new Array<number>(nd).fill(0);
  let pa = oa, pb = ob, o = 0;
  for (;;) {
    inner(pa, pb, o);
    o += rowLen;
    let d = last - 1;
    for (; d >= 0; d--) {
      idx[d]++;
      pa += sa[d];
      pb += sb[d];
      if (idx[d] < shape[d]) break;
      pa -= sa[d] * shape[d];
      pb -= sb[d] * shape[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

/** out[i] = f(x[i]) for every element of x (out is dense row-major). */
export function unaryKernel(f: UnaryFn, x: ArrayView, out: TypedArray): void {
  const n = out.length;
  if (n === 0) return;
  const src = x.storage;
  if (isDense(x)) {
    const o = x.offset;
    for (let i = 0; i < n; i++) out[i] = f(src[o + i]);
    return;
  }
  const nd = x.shape.length;
  const innerS = x.strides[nd - 1];
  const rowLen = x.shape[nd - 1];
  forEachRow2(x.shape, x.strides, x.offset, x.strides, 0, (pa, _pb, o) => {
    for (let j = 0; j < rowLen; j++) out[o + j] = f(src[pa + j * innerS]);
  });
}

export function unary(name: UnaryName, x: ArrayView, out: TypedArray): void {
  unaryKernel(unaryFns[name], x, out);
}

/**
 * out = f(a, b) over `shape`; a and b carry strides already broadcast to `shape` (0 on
 * broadcast dims). out is dense row-major.
 */
export function binaryKernel(
  f: BinaryFn, shape: readonly number[],
  a: TypedArray, aOff: number, aStrides: readonly number[],
  b: TypedArray, bOff: number, bStrides: readonly number[],
  out: TypedArray,
): void {
  if (out.length === 0) return;
  const nd = shape.length;
  if (nd === 0) { out[0] = f(a[aOff], b[bOff]); return; }
  const rowLen = shape[nd - 1];
  const isa = aStrides[nd - 1];
  const isb = bStrides[nd - 1];
  forEachRow2(shape, aStrides, aOff, bStrides, bOff, (pa, pb, o) => {
    if (isa === 1 && isb === 1) for (let j = 0; j < rowLen; j++) out[o + j] = f(a[pa + j], b[pb + j]);
    else if (isa === 1 && isb === 0) { const bv = b[pb]; for (let j = 0; j < rowLen; j++) out[o + j] = f(a[pa + j], bv); }
    else for (let j = 0; j < rowLen; j++) out[o + j] = f(a[pa + j * isa], b[pb + j * isb]);
  });
}

export function binary(
  name: BinaryName, shape: readonly number[],
  a: TypedArray, aOff: number, aStrides: readonly number[],
  b: TypedArray, bOff: number, bStrides: readonly number[],
  out: TypedArray,
): void {
  binaryKernel(binaryFns[name], shape, a, aOff, aStrides, b, bOff, bStrides, out);
}

function isDense(x: ArrayView): boolean {
  let expected = 1;
  for (let i = x.shape.length - 1; i >= 0; i--) {
    if (x.shape[i] !== 1 && x.strides[i] !== expected) return false;
    expected *= x.shape[i];
  }
  return true;
}

/** Write `src` (dense row-major, same element count) into the strided view `dst`. */
export function assignKernel(dst: ArrayView, src: TypedArray): void {
  const n = src.length;
  if (n === 0) return;
  const d = dst.storage;
  if (isDense(dst)) {
    if (d.constructor === src.constructor) d.set(src, dst.offset);
    else for (let i = 0; i < n; i++) d[dst.offset + i] = src[i];
    return;
  }
  const nd = dst.shape.length;
  const innerS = dst.strides[nd - 1];
  const rowLen = dst.shape[nd - 1];
  forEachRow2(dst.shape, dst.strides, dst.offset, dst.strides, 0, (pa, _pb, o) => {
    for (let j = 0; j < rowLen; j++) d[pa + j * innerS] = src[o + j];
  });
}
