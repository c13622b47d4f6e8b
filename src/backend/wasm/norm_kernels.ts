// wasm normalisation kernels for float32 data: the reference's float64 arithmetic
// (src/backend/js/norm.ts) with SIMD float64 lanes, one wasm call per channel. normApply is
// bit-identical to the reference; the sums only differ in summation order.

import type { TypedArray } from "../../tensor/dtype.js";
import { normKernels } from "../js/norm.js";
import { arenaAlloc, arenaReset, type Runtime } from "./runtime.js";

interface Exports {
  normStatsCh(x: number, A: number, S: number, stride: number, res: number): void;
  normApplyCh(x: number, o: number, A: number, S: number, stride: number, m: number, sc: number, sh: number): void;
  normBackwardCh(x: number, g: number, gx: number, A: number, S: number, stride: number, m: number, r: number, sc: number, batchStats: number, res: number): void;
}

/** Below this many elements the reference loop is as fast as the copies. */
const MIN_ELEMENTS = 4096;

let rt: Runtime;
let k: Exports;
export function bindNormKernels(r: Runtime): void {
  rt = r;
  k = r.exports as unknown as Exports;
}

const f64At = (p: number) => new Float64Array(rt.f32.buffer, p, 2);

/** Per-b mean and biased variance of a dense [A, B, S] block (see the reference normStats). */
export function normStats(x: TypedArray, A: number, B: number, S: number, mean: Float64Array, variance: Float64Array): void {
  const n = A * B * S;
  if (!(x instanceof Float32Array) || n < MIN_ELEMENTS || A * S === 0) return normKernels.normStats(x, A, B, S, mean, variance);
  arenaReset();
  const px = arenaAlloc(n), pr = arenaAlloc(4);
  if (px < 0 || pr < 0) return normKernels.normStats(x, A, B, S, mean, variance);
  rt.f32.set(x.subarray(0, n), px >> 2);
  const res = f64At(pr);
  for (let b = 0; b < B; b++) {
    k.normStatsCh(px + b * S * 4, A, S, B * S * 4, pr);
    mean[b] = res[0];
    variance[b] = res[1];
  }
}

/** out = (x − mean)·rstd·weight + bias per b (see the reference normApply). */
export function normApply(
  x: TypedArray, A: number, B: number, S: number, mean: Float64Array, rstd: Float64Array,
  weight: TypedArray | null, bias: TypedArray | null, out: TypedArray, relu = false,
): void {
  const n = A * B * S;
  if (!(x instanceof Float32Array && out instanceof Float32Array) || n < MIN_ELEMENTS) return normKernels.normApply(x, A, B, S, mean, rstd, weight, bias, out, relu);
  arenaReset();
  const px = arenaAlloc(n), po = arenaAlloc(n);
  if (px < 0 || po < 0) return normKernels.normApply(x, A, B, S, mean, rstd, weight, bias, out, relu);
  rt.f32.set(x.subarray(0, n), px >> 2);
  for (let b = 0; b < B; b++) {
    k.normApplyCh(px + b * S * 4, po + b * S * 4, A, S, B * S * 4, mean[b], rstd[b] * (weight ? weight[b] : 1), bias ? bias[b] : 0);
  }
  out.set(rt.f32.subarray(po >> 2, (po >> 2) + n));
  if (relu) for (let i = 0; i < n; i++) if (out[i] < 0) out[i] = 0;
}

/** Sums for the weight/bias gradients and, when gx is given, the input gradient (see the reference normBackward). */
export function normBackward(
  x: TypedArray, g: TypedArray, A: number, B: number, S: number, mean: Float64Array, rstd: Float64Array,
  weight: TypedArray | null, batchStats: boolean, gx: TypedArray | null, sumG: Float64Array, sumGXhat: Float64Array,
  mask: TypedArray | null = null,
): void {
  const n = A * B * S;
  if (!(x instanceof Float32Array && g instanceof Float32Array && (gx === null || gx instanceof Float32Array)) || n < MIN_ELEMENTS || A * S === 0) {
    return normKernels.normBackward(x, g, A, B, S, mean, rstd, weight, batchStats, gx, sumG, sumGXhat, mask);
  }
  arenaReset();
  const px = arenaAlloc(n), pg = arenaAlloc(n), po = gx ? arenaAlloc(n) : 0, pr = arenaAlloc(4);
  if (px < 0 || pg < 0 || po < 0 || pr < 0) return normKernels.normBackward(x, g, A, B, S, mean, rstd, weight, batchStats, gx, sumG, sumGXhat, mask);
  rt.f32.set(x.subarray(0, n), px >> 2);
  rt.f32.set(g.subarray(0, n), pg >> 2);
  if (mask) { // the ReLU's gradient, on the arena copy
    const f = rt.f32, o = pg >> 2;
    for (let i = 0; i < n; i++) if (!(mask[i] > 0)) f[o + i] = 0;
  }
  const res = f64At(pr);
  for (let b = 0; b < B; b++) {
    const off = b * S * 4;
    k.normBackwardCh(px + off, pg + off, gx ? po + off : 0, A, S, B * S * 4, mean[b], rstd[b], rstd[b] * (weight ? weight[b] : 1), batchStats ? 1 : 0, pr);
    sumG[b] = res[0];
    sumGXhat[b] = res[1];
  }
  if (gx) gx.set(rt.f32.subarray(po >> 2, (po >> 2) + n));
}
