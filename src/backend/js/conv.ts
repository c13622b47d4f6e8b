// Reference convolution kernels: im2col / col2im (the data rearrangements that turn a
// convolution into GEMMs) and a per-channel bias add. The ops in src/ops/conv.ts orchestrate
// these with the backend GEMM; a faster backend may replace any of them by name.
//
// Geometry, shared by every kernel: an image of C planes H×W, a kernel kH×kW with the given
// stride and dilation, `padH`/`padW` zeros before the first row/column (any padding after the
// last is implied by outH/outW), and an output grid outH×outW. The column matrix is
// [C·kH·kW, outH·outW], row-major, rows ordered (c, ki, kj) like PyTorch's unfold.

import type { TypedArray } from "../../tensor/dtype.js";

export interface ConvGeometry {
  C: number; H: number; W: number;
  kH: number; kW: number;
  strideH: number; strideW: number;
  padH: number; padW: number;
  dilH: number; dilW: number;
  outH: number; outW: number;
}

/** Unfold one image (at x[xOff], C×H×W dense) into col[colOff] ([C·kH·kW, outH·outW]); padding reads as 0. */
function im2col(g: ConvGeometry, x: TypedArray, xOff: number, col: TypedArray, colOff: number): void {
  const { C, H, W, kH, kW, strideH, strideW, padH, padW, dilH, dilW, outH, outW } = g;
  const L = outH * outW;
  let r = colOff;
  for (let c = 0; c < C; c++) {
    const plane = xOff + c * H * W;
    for (let ki = 0; ki < kH; ki++) {
      for (let kj = 0; kj < kW; kj++, r += L) {
        let p = r;
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * strideH - padH + ki * dilH;
          if (ih < 0 || ih >= H) {
            for (let ow = 0; ow < outW; ow++) col[p++] = 0;
            continue;
          }
          const row = plane + ih * W;
          let iw = kj * dilW - padW;
          for (let ow = 0; ow < outW; ow++, iw += strideW) col[p++] = iw >= 0 && iw < W ? x[row + iw] : 0;
        }
      }
    }
  }
}

/** The adjoint of im2col: add every column entry back onto the image position it came from (x[xOff] += fold(col)). */
function col2im(g: ConvGeometry, col: TypedArray, colOff: number, x: TypedArray, xOff: number): void {
  const { C, H, W, kH, kW, strideH, strideW, padH, padW, dilH, dilW, outH, outW } = g;
  const L = outH * outW;
  let r = colOff;
  for (let c = 0; c < C; c++) {
    const plane = xOff + c * H * W;
    for (let ki = 0; ki < kH; ki++) {
      for (let kj = 0; kj < kW; kj++, r += L) {
        let p = r;
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * strideH - padH + ki * dilH;
          if (ih < 0 || ih >= H) { p += outW; continue; }
          const row = plane + ih * W;
          let iw = kj * dilW - padW;
          for (let ow = 0; ow < outW; ow++, iw += strideW, p++) if (iw >= 0 && iw < W) x[row + iw] += col[p];
        }
      }
    }
  }
}

/** out[n, c, :] += bias[c] for a dense [N, C, L] block. */
function channelBiasAdd(out: TypedArray, bias: TypedArray, N: number, C: number, L: number): void {
  for (let n = 0, p = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const b = bias[c];
      for (let l = 0; l < L; l++) out[p++] += b;
    }
  }
}

export const convKernels = { im2col, col2im, channelBiasAdd };
