// Reference reductions over the last axis of a dense [outer, inner] block. Ops permute the
// reduced dims to the end first. Sums accumulate in double.

import type { TypedArray } from "../../tensor/dtype.js";

export type ReduceName = "sum" | "prod" | "max" | "min" | "argmax" | "argmin";

export function reduceLast(name: ReduceName, x: TypedArray, outer: number, inner: number, out: TypedArray): void {
  for (let o = 0; o < outer; o++) {
    const base = o * inner;
    switch (name) {
      case "sum": {
        let s = 0;
        for (let i = 0; i < inner; i++) s += x[base + i];
        out[o] = s;
        break;
      }
      case "prod": {
        let s = 1;
        for (let i = 0; i < inner; i++) s *= x[base + i];
        out[o] = s;
        break;
      }
      case "max": case "argmax": case "min": case "argmin": {
        const isMax = name === "max" || name === "argmax";
        let best = x[base];
        let bi = 0;
        // NaN wins, like PyTorch (the first NaN's index is returned).
        if (best === best) {
          for (let i = 1; i < inner; i++) {
            const v = x[base + i];
            if (v !== v) { best = v; bi = i; break; }
            if (isMax ? v > best : v < best) { best = v; bi = i; }
          }
        }
        out[o] = name === "max" || name === "min" ? best : bi;
        break;
      }
    }
  }
}

/**
 * Sum over the outer and inner axes of a dense [A, B, S] block: out[b] = Σₐ Σₛ x[(a·B + b)·S + s].
 * This is sum over [0, 2, 3] of NCHW (bias and batch-norm gradients) or over [0] of [N, F],
 * without first permuting and copying the input.
 */
export function reduceMiddle(name: "sum", x: TypedArray, xOff: number, A: number, B: number, S: number, out: TypedArray): void {
  if (name !== "sum") throw new Error(`reduceMiddle: only "sum" is supported, got ${name}`);
  const acc = new Float64Array(B);
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < B; b++) {
      let s = 0;
      const base = xOff + (a * B + b) * S;
      for (let i = 0; i < S; i++) s += x[base + i];
      acc[b] += s;
    }
  }
  for (let b = 0; b < B; b++) out[b] = acc[b];
}
