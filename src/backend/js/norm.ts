// Reference kernels for normalisation and resampling: per-channel statistics, the fused
// normalise-and-affine pass, the channel-window sum of local response normalisation, and the
// sparse 1-d resampling that padding and interpolation are built from. Dense row-major typed
// arrays in, accumulation in double, no allocation per element.

import type { TypedArray } from "../../tensor/dtype.js";

/**
 * Mean and biased variance of a dense [A, B, S] block for each b, over a and s (batch norm:
 * A = N, B = C, S = spatial; layer/group norm: A = 1, B = rows). Two passes (mean, then the
 * squared deviations) so large means do not cancel away the variance.
 */
function normStats(x: TypedArray, A: number, B: number, S: number, mean: Float64Array, variance: Float64Array): void {
  const n = A * S;
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let a = 0; a < A; a++) {
      const base = (a * B + b) * S;
      for (let i = 0; i < S; i++) s += x[base + i];
    }
    const m = n > 0 ? s / n : NaN;
    let q = 0;
    for (let a = 0; a < A; a++) {
      const base = (a * B + b) * S;
      for (let i = 0; i < S; i++) {
        const d = x[base + i] - m;
        q += d * d;
      }
    }
    mean[b] = m;
    variance[b] = n > 0 ? q / n : NaN;
  }
}

/**
 * out[a,b,s] = (x[a,b,s] − mean[b]) · rstd[b] · weight[b] + bias[b] (weight/bias optional);
 * with `relu`, negative results become 0 (batch norm and ReLU in one pass; NaN stays NaN).
 */
function normApply(
  x: TypedArray, A: number, B: number, S: number, mean: Float64Array, rstd: Float64Array,
  weight: TypedArray | null, bias: TypedArray | null, out: TypedArray, relu = false,
): void {
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < B; b++) {
      const m = mean[b];
      const sc = rstd[b] * (weight ? weight[b] : 1);
      const sh = bias ? bias[b] : 0;
      const base = (a * B + b) * S;
      for (let i = 0; i < S; i++) out[base + i] = (x[base + i] - m) * sc + sh;
      if (relu) for (let i = 0; i < S; i++) if (out[base + i] < 0) out[base + i] = 0;
    }
  }
}

/**
 * Gradients of normApply for a first-order backward (no createGraph). Per b, over (a, s):
 * sumG = Σ g and sumGXhat = Σ g·x̂ (the bias and weight gradients). When gx is given it gets
 * the input gradient: with batch statistics w·rstd·(g − sumG/n − x̂·sumGXhat/n), else g·w·rstd.
 * With `mask` (the output of normApply with relu), g counts only where mask > 0: the
 * gradient of ReLU folded in.
 */
function normBackward(
  x: TypedArray, g: TypedArray, A: number, B: number, S: number, mean: Float64Array, rstd: Float64Array,
  weight: TypedArray | null, batchStats: boolean, gx: TypedArray | null, sumG: Float64Array, sumGXhat: Float64Array,
  mask: TypedArray | null = null,
): void {
  const gAt = (i: number): number => (mask && !(mask[i] > 0) ? 0 : g[i]);
  const n = A * S;
  for (let b = 0; b < B; b++) {
    const m = mean[b];
    const r = rstd[b];
    let sg = 0, sgx = 0;
    for (let a = 0; a < A; a++) {
      const base = (a * B + b) * S;
      for (let i = 0; i < S; i++) {
        const gv = gAt(base + i);
        sg += gv;
        sgx += gv * (x[base + i] - m) * r;
      }
    }
    sumG[b] = sg;
    sumGXhat[b] = sgx;
    if (!gx) continue;
    const sc = r * (weight ? weight[b] : 1);
    const mg = batchStats ? sg / n : 0;
    const mgx = batchStats ? sgx / n : 0;
    for (let a = 0; a < A; a++) {
      const base = (a * B + b) * S;
      for (let i = 0; i < S; i++) {
        const xh = (x[base + i] - m) * r;
        gx[base + i] = sc * (gAt(base + i) - mg - xh * mgx);
      }
    }
  }
}

/**
 * Sum over a window of neighbouring channels of a dense [N, C, S] block, zero outside:
 * out[n,c,s] = Σ_{j=c−before}^{c+after} x[n,j,s]. Local response normalisation's denominator.
 */
function channelWindowSum(x: TypedArray, N: number, C: number, S: number, before: number, after: number, out: TypedArray): void {
  const acc = new Float64Array(S);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      acc.fill(0);
      const lo = Math.max(0, c - before);
      const hi = Math.min(C - 1, c + after);
      for (let j = lo; j <= hi; j++) {
        const base = (n * C + j) * S;
        for (let i = 0; i < S; i++) acc[i] += x[base + i];
      }
      const o = (n * C + c) * S;
      for (let i = 0; i < S; i++) out[o + i] = acc[i];
    }
  }
}

/**
 * Sparse 1-d resampling along the middle axis of a dense [outer, inN, inner] block into
 * [outer, outN, inner]: out[o,i,r] = Σ_{t=ptr[i]}^{ptr[i+1]−1} w[t] · x[o, idx[t], r] (w null
 * means all ones). Nearest/linear/area interpolation, reflect/replicate/circular padding and
 * all their gradients (the transposed map) run through this one kernel.
 */
function resampleDim(
  x: TypedArray, outer: number, inN: number, inner: number, outN: number,
  ptr: Int32Array, idx: Int32Array, w: Float64Array | null, out: TypedArray,
): void {
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const xo = o * inN;
    for (let i = 0; i < outN; i++) {
      const dst = (o * outN + i) * inner;
      const t0 = ptr[i];
      const t1 = ptr[i + 1];
      if (t1 - t0 === 1 && (w === null || w[t0] === 1)) {
        // A plain copy (nearest, padding): no accumulator needed.
        const src = (xo + idx[t0]) * inner;
        for (let r = 0; r < inner; r++) out[dst + r] = x[src + r];
        continue;
      }
      acc.fill(0);
      for (let t = t0; t < t1; t++) {
        const wt = w === null ? 1 : w[t];
        const src = (xo + idx[t]) * inner;
        for (let r = 0; r < inner; r++) acc[r] += wt * x[src + r];
      }
      for (let r = 0; r < inner; r++) out[dst + r] = acc[r];
    }
  }
}

/**
 * Constant padding of a dense row-major tensor: out (shape outShape, pre-filled with the pad
 * value) receives x shifted by lo[d] along each dim (lo may be negative: cropping).
 */
function padConstant(x: TypedArray, inShape: readonly number[], outShape: readonly number[], lo: readonly number[], out: TypedArray): void {
  const nd = inShape.length;
  if (nd === 0) { if (out.length) out[0] = x[0]; return; }
  const start: number[] = [];
  const count: number[] = [];
  for (let d = 0; d < nd; d++) {
    const s = Math.max(0, -lo[d]);
    const e = Math.min(inShape[d], outShape[d] - lo[d]);
    if (e <= s) return; // nothing of x survives
    start.push(s);
    count.push(e - s);
  }
  const inStr = new Array<number>(nd);
  const outStr = new Array<number>(nd);
  inStr[nd - 1] = 1;
  outStr[nd - 1] = 1;
  for (let d = nd - 2; d >= 0; d--) {
    inStr[d] = inStr[d + 1] * inShape[d + 1];
    outStr[d] = outStr[d + 1] * outShape[d + 1];
  }
  const pos = new Array<number>(nd).fill(0);
  const last = nd - 1;
  for (;;) {
    let pi = 0, po = 0;
    for (let d = 0; d < last; d++) {
      pi += (start[d] + pos[d]) * inStr[d];
      po += (start[d] + pos[d] + lo[d]) * outStr[d];
    }
    pi += start[last];
    po += start[last] + lo[last];
    for (let i = 0; i < count[last]; i++) out[po + i] = x[pi + i];
    let d = last - 1;
    for (; d >= 0; d--) {
      if (++pos[d] < count[d]) break;
      pos[d] = 0;
    }
    if (d < 0) break;
  }
}

export const normKernels = { normStats, normApply, normBackward, channelWindowSum, resampleDim, padConstant };
