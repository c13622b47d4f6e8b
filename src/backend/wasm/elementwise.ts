// wasm elementwise kernels for float32: the SIMD-friendly unary ops and the arithmetic and
// comparison binary ops, with broadcasting. Inputs are copied into the arena (only the storage
// range a view touches), rows computed in wasm, the result copied out: measured ~6× faster
// than the reference loops on 2M elements, copies included. Other dtypes, ops (exp, tanh, …),
// non-dense unary views, small sizes and awkward strides go to the reference kernels.

import type { TypedArray } from "../../tensor/dtype.js";
import type { ArrayView } from "../view.js";
import { unary as jsUnary, binary as jsBinary, type UnaryName, type BinaryName } from "../js/elementwise.js";
import { arenaAlloc, arenaReset, type Runtime } from "./runtime.js";

/** Below this many elements the reference loop wins (copies and the call cost more). */
const MIN_ELEMENTS = 4096;
/** Rows shorter than this cost more in per-row calls than they save. */
const MIN_ROW = 64;

const BINARY_OPS: Partial<Record<BinaryName, number>> = {
  add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5, eq: 6, ne: 7, lt: 8, le: 9, gt: 10, ge: 11, reluBackward: 12, addRelu: 13,
};
const UNARY_OPS: Partial<Record<UnaryName, number>> = {
  neg: 0, abs: 1, sqrt: 2, square: 3, reciprocal: 4, relu: 5, floor: 6, ceil: 7, round: 8,
};

interface Exports {
  binaryRow(op: number, mode: number, a: number, b: number, o: number, n: number): void;
  unaryRow(op: number, x: number, o: number, n: number): void;
}

let rt: Runtime;
let k: Exports;
export function bindElementwise(r: Runtime): void {
  rt = r;
  k = r.exports as unknown as Exports;
}

function isDense(x: ArrayView): boolean {
  let expected = 1;
  for (let i = x.shape.length - 1; i >= 0; i--) {
    if (x.shape[i] !== 1 && x.strides[i] !== expected) return false;
    expected *= x.shape[i];
  }
  return true;
}

/** out = f(x) (see the reference unary). */
export function unary(name: UnaryName, x: ArrayView, out: TypedArray): void {
  const n = out.length;
  const src = x.storage;
  if (!(src instanceof Float32Array && out instanceof Float32Array) || n < MIN_ELEMENTS || !isDense(x)) return jsUnary(name, x, out);
  if (name === "copy") { out.set(src.subarray(x.offset, x.offset + n)); return; }
  const op = UNARY_OPS[name];
  if (op === undefined) return jsUnary(name, x, out);
  arenaReset();
  const px = arenaAlloc(n), po = arenaAlloc(n);
  if (px < 0 || po < 0) return jsUnary(name, x, out);
  rt.f32.set(src.subarray(x.offset, x.offset + n), px >> 2);
  k.unaryRow(op, px, po, n);
  out.set(rt.f32.subarray(po >> 2, (po >> 2) + n));
}

/** out = a ⊙ b over `shape` with broadcast strides (see the reference binary). */
export function binary(
  name: BinaryName, shape: readonly number[],
  a: TypedArray, aOff: number, aStrides: readonly number[],
  b: TypedArray, bOff: number, bStrides: readonly number[],
  out: TypedArray,
): void {
  const op = BINARY_OPS[name];
  const n = out.length;
  if (op === undefined || n < MIN_ELEMENTS || !(a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array)) {
    return jsBinary(name, shape, a, aOff, aStrides, b, bOff, bStrides, out);
  }
  // Drop size-1 dims and merge dims that are contiguous for both operands.
  const sz: number[] = [], sa: number[] = [], sb: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const m = sz.length - 1;
    if (m >= 0 && sa[m] === aStrides[d] * shape[d] && sb[m] === bStrides[d] * shape[d]) {
      sz[m] *= shape[d]; sa[m] = aStrides[d]; sb[m] = bStrides[d];
    } else { sz.push(shape[d]); sa.push(aStrides[d]); sb.push(bStrides[d]); }
  }
  const nd = sz.length, last = nd - 1;
  const rowLen = sz[last], isa = sa[last], isb = sb[last];
  const mode = isa === 1 && isb === 1 ? 0 : isa === 1 && isb === 0 ? 1 : isa === 0 && isb === 1 ? 2 : -1;
  if (nd === 0 || mode < 0 || rowLen < MIN_ROW) return jsBinary(name, shape, a, aOff, aStrides, b, bOff, bStrides, out);
  // The storage range each operand touches.
  let aLo = aOff, aHi = aOff, bLo = bOff, bHi = bOff;
  for (let d = 0; d < nd; d++) {
    const ea = (sz[d] - 1) * sa[d], eb = (sz[d] - 1) * sb[d];
    if (ea < 0) aLo += ea; else aHi += ea;
    if (eb < 0) bLo += eb; else bHi += eb;
  }
  if (aHi - aLo >= 4 * n || bHi - bLo >= 4 * n) return jsBinary(name, shape, a, aOff, aStrides, b, bOff, bStrides, out);
  arenaReset();
  const pa = arenaAlloc(aHi - aLo + 1), pb = arenaAlloc(bHi - bLo + 1), po = arenaAlloc(n);
  if (pa < 0 || pb < 0 || po < 0) return jsBinary(name, shape, a, aOff, aStrides, b, bOff, bStrides, out);
  const f32 = rt.f32;
  f32.set(a.subarray(aLo, aHi + 1), pa >> 2);
  f32.set(b.subarray(bLo, bHi + 1), pb >> 2);
  if (nd === 1) {
    k.binaryRow(op, mode, pa + (aOff - aLo) * 4, pb + (bOff - bLo) * 4, po, n);
  } else {
    // Odometer over the outer dims, one wasm call per row.
    const idx = new Array<number>(nd).fill(0);
    let ia = aOff - aLo, ib = bOff - bLo;
    for (let o = 0; o < n; o += rowLen) {
      k.binaryRow(op, mode, pa + ia * 4, pb + ib * 4, po + o * 4, rowLen);
      for (let d = last - 1; d >= 0; d--) {
        ia += sa[d]; ib += sb[d];
        if (++idx[d] < sz[d]) break;
        ia -= sa[d] * sz[d]; ib -= sb[d] * sz[d]; idx[d] = 0;
      }
    }
  }
  out.set(rt.f32.subarray(po >> 2, (po >> 2) + n));
}
