// Reference pooling kernels over dense [planes, H, W] blocks (planes = N·C), with PyTorch's
// window rules. Indices are flat positions ih·W + iw within a plane (int32), as in PyTorch.
// The ops in src/ops/pool.ts compute output sizes and check options; these only loop.

import type { TypedArray } from "../../tensor/dtype.js";

export interface PoolGeometry {
  planes: number; H: number; W: number;
  outH: number; outW: number;
  kH: number; kW: number;
  strideH: number; strideW: number;
  padH: number; padW: number;
  dilH: number; dilW: number;
}

/**
 * Max over each window. Like PyTorch's CPU kernel: the first maximum wins a tie, a NaN always
 * takes over (so the output is NaN), and a window of only -inf reports its first position.
 */
function maxPool2d(g: PoolGeometry, x: TypedArray, out: TypedArray, indices: Int32Array): void {
  const { planes, H, W, outH, outW, kH, kW, strideH, strideW, padH, padW, dilH, dilW } = g;
  let p = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * H * W;
    for (let oh = 0; oh < outH; oh++) {
      let h0 = oh * strideH - padH;
      const h1 = Math.min(h0 + (kH - 1) * dilH + 1, H);
      while (h0 < 0) h0 += dilH;
      for (let ow = 0; ow < outW; ow++, p++) {
        let w0 = ow * strideW - padW;
        const w1 = Math.min(w0 + (kW - 1) * dilW + 1, W);
        while (w0 < 0) w0 += dilW;
        let best = -Infinity;
        let bi = h0 * W + w0;
        for (let ih = h0; ih < h1; ih += dilH) {
          for (let iw = w0; iw < w1; iw += dilW) {
            const v = x[base + ih * W + iw];
            if (v > best || v !== v) { best = v; bi = ih * W + iw; }
          }
        }
        out[p] = best;
        indices[p] = bi;
      }
    }
  }
}

/**
 * Average over each window (PyTorch's avg_pool2d, no dilation). A window may run into the
 * padding and, with ceilMode, past it; the divisor counts the padded window clipped to
 * input+padding (countIncludePad) or only the real elements, unless divisorOverride is set.
 */
function avgPool2d(g: PoolGeometry, countIncludePad: boolean, divisorOverride: number, x: TypedArray, out: TypedArray): void {
  avgPoolLoop(g, countIncludePad, divisorOverride, x, out, false);
}

/** The adjoint of avgPool2d: each output gradient spread evenly over its window (gradIn += ...). */
function avgPool2dBackward(g: PoolGeometry, countIncludePad: boolean, divisorOverride: number, gradOut: TypedArray, gradIn: TypedArray): void {
  avgPoolLoop(g, countIncludePad, divisorOverride, gradIn, gradOut, true);
}

function avgPoolLoop(g: PoolGeometry, countIncludePad: boolean, divisorOverride: number, x: TypedArray, out: TypedArray, adjoint: boolean): void {
  const { planes, H, W, outH, outW, kH, kW, strideH, strideW, padH, padW } = g;
  let p = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * H * W;
    for (let oh = 0; oh < outH; oh++) {
      let h0 = oh * strideH - padH;
      let h1 = Math.min(h0 + kH, H + padH);
      const hSize = h1 - h0;
      h0 = Math.max(h0, 0);
      h1 = Math.min(h1, H);
      for (let ow = 0; ow < outW; ow++, p++) {
        let w0 = ow * strideW - padW;
        let w1 = Math.min(w0 + kW, W + padW);
        const poolSize = hSize * (w1 - w0);
        w0 = Math.max(w0, 0);
        w1 = Math.min(w1, W);
        if (h0 >= h1 || w0 >= w1) {
          if (!adjoint) out[p] = 0;
          continue;
        }
        const div = divisorOverride ? divisorOverride : countIncludePad ? poolSize : (h1 - h0) * (w1 - w0);
        if (adjoint) {
          const v = out[p] / div;
          for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) x[base + ih * W + iw] += v;
        } else {
          let s = 0;
          for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) s += x[base + ih * W + iw];
          out[p] = s / div;
        }
      }
    }
  }
}

/** PyTorch's adaptive window [floor(i·In/Out), ceil((i+1)·In/Out)) in exact integer arithmetic. */
function adaptiveStart(i: number, outSize: number, inSize: number): number {
  return Math.floor((i * inSize) / outSize);
}
function adaptiveEnd(i: number, outSize: number, inSize: number): number {
  return Math.floor(((i + 1) * inSize + outSize - 1) / outSize);
}

/** Adaptive average pooling (g.k*, stride, pad and dilation unused); adjoint=true is its backward (x += spread(out)). */
function adaptiveAvgLoop(planes: number, H: number, W: number, outH: number, outW: number, x: TypedArray, out: TypedArray, adjoint: boolean): void {
  let p = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * H * W;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = adaptiveStart(oh, outH, H), h1 = adaptiveEnd(oh, outH, H);
      for (let ow = 0; ow < outW; ow++, p++) {
        const w0 = adaptiveStart(ow, outW, W), w1 = adaptiveEnd(ow, outW, W);
        const div = (h1 - h0) * (w1 - w0);
        if (adjoint) {
          const v = out[p] / div;
          for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) x[base + ih * W + iw] += v;
        } else {
          let s = 0;
          for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) s += x[base + ih * W + iw];
          out[p] = s / div;
        }
      }
    }
  }
}

function adaptiveAvgPool2d(planes: number, H: number, W: number, outH: number, outW: number, x: TypedArray, out: TypedArray): void {
  adaptiveAvgLoop(planes, H, W, outH, outW, x, out, false);
}

function adaptiveAvgPool2dBackward(planes: number, H: number, W: number, outH: number, outW: number, gradOut: TypedArray, gradIn: TypedArray): void {
  adaptiveAvgLoop(planes, H, W, outH, outW, gradIn, gradOut, true);
}

/** Adaptive max pooling with the same tie/NaN rules as maxPool2d. */
function adaptiveMaxPool2d(planes: number, H: number, W: number, outH: number, outW: number, x: TypedArray, out: TypedArray, indices: Int32Array): void {
  let p = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * H * W;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = adaptiveStart(oh, outH, H), h1 = adaptiveEnd(oh, outH, H);
      for (let ow = 0; ow < outW; ow++, p++) {
        const w0 = adaptiveStart(ow, outW, W), w1 = adaptiveEnd(ow, outW, W);
        let best = -Infinity;
        let bi = h0 * W + w0;
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const v = x[base + ih * W + iw];
            if (v > best || v !== v) { best = v; bi = ih * W + iw; }
          }
        }
        out[p] = best;
        indices[p] = bi;
      }
    }
  }
}

/**
 * dst[plane, indices[plane, j]] (+)= src[plane, j] for `planes` planes of `srcSize` sources and
 * `dstSize` destinations. accumulate=true sums collisions (max-pool backward); false assigns,
 * the last write winning (max-unpool). Returns the first out-of-range index, or -1 if none.
 */
function indexScatter(planes: number, srcSize: number, dstSize: number, src: TypedArray, indices: Int32Array, dst: TypedArray, accumulate: boolean): number {
  for (let pl = 0, j = 0; pl < planes; pl++) {
    const base = pl * dstSize;
    for (let e = 0; e < srcSize; e++, j++) {
      const i = indices[j];
      if (i < 0 || i >= dstSize) return i;
      if (accumulate) dst[base + i] += src[j];
      else dst[base + i] = src[j];
    }
  }
  return -1;
}

/** dst[plane, j] = src[plane, indices[plane, j]]: the adjoint of an accumulating indexScatter. */
function indexGather(planes: number, dstSize: number, srcSize: number, src: TypedArray, indices: Int32Array, dst: TypedArray): number {
  for (let pl = 0, j = 0; pl < planes; pl++) {
    const base = pl * srcSize;
    for (let e = 0; e < dstSize; e++, j++) {
      const i = indices[j];
      if (i < 0 || i >= srcSize) return i;
      dst[j] = src[base + i];
    }
  }
  return -1;
}

export const poolKernels = {
  maxPool2d, avgPool2d, avgPool2dBackward,
  adaptiveAvgPool2d, adaptiveAvgPool2dBackward, adaptiveMaxPool2d,
  indexScatter, indexGather,
};
