// Reference convolution kernels: im2col / col2im (the data rearrangements that turn a
// convolution into GEMMs) and a per-channel bias add. The ops in src/ops/conv.ts orchestrate
// these with the backend GEMM; a faster backend may replace any of them by name.
//
// Geometry, shared by every kernel: an image of C planes H×W, a kernel kH×kW with the given
// stride and dilation, `padH`/`padW` zeros before the first row/column (any padding after the
// last is implied by outH/outW), and an output grid outH×outW. The column matrix is
// [C·kH·kW, outH·outW], row-major, rows ordered (c, ki, kj) like PyTorch's unfold.

import type { TypedArray } from "../../tensor/dtype.js";
import { kernels } from "../backend.js";

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

/** A 1×1, stride-1, unpadded conv whose GEMM can read the image directly (no im2col). */
function isPointwise(g: ConvGeometry): boolean {
  return g.kH === 1 && g.kW === 1 && g.strideH === 1 && g.strideW === 1 && g.padH === 0 && g.padW === 0 && g.outH === g.H && g.outW === g.W;
}

/** A zeroed array of the same element type as `like`. */
function scratch(like: TypedArray, n: number): TypedArray {
  return new (like.constructor as new (n: number) => TypedArray)(n);
}

// The three whole-convolution kernels below are the reference orchestration: im2col/col2im +
// GEMM per batch element and group. They look the other kernels up through kernels() on every
// call, so a backend that supplies only a fast gemm (or im2col) speeds them up too.

/**
 * y[N, OC, outH, outW] = conv(x[N, C, H, W], w[OC, C/groups, kH, kW]) + bias[OC] (bias may be
 * null). All dense row-major; `out` is fully overwritten.
 */
function conv2dForward(g: ConvGeometry, N: number, OC: number, groups: number, x: TypedArray, w: TypedArray, bias: TypedArray | null, out: TypedArray): void {
  const k = kernels();
  const { C, H, W, kH, kW, outH, outW } = g;
  const OCg = OC / groups, K = (C / groups) * kH * kW, L = outH * outW;
  const direct = isPointwise(g);
  const col = direct ? x : scratch(x, C * kH * kW * L);
  for (let n = 0; n < N; n++) {
    if (!direct) k.im2col(g, x, n * C * H * W, col, 0);
    const colBase = direct ? n * C * H * W : 0;
    for (let gr = 0; gr < groups; gr++) {
      k.gemm(false, false, OCg, L, K, w, gr * OCg * K, col, colBase + gr * K * L, out, n * OC * L + gr * OCg * L);
    }
  }
  if (bias) k.channelBiasAdd(out, bias, N, OC, L);
}

/**
 * The transposed convolution, the adjoint of conv2dForward: x[N, Cin, g.outH, g.outW] with
 * w[Cin, Cout/groups, kH, kW] gives out[N, Cout, g.H, g.W] (+ bias[Cout]), where g describes the
 * underlying convolution (g.C = Cout). `out` is fully overwritten.
 */
function convTranspose2dForward(g: ConvGeometry, N: number, Cin: number, groups: number, x: TypedArray, w: TypedArray, bias: TypedArray | null, out: TypedArray): void {
  const k = kernels();
  const { C: Cout, H: outH, W: outW, kH, kW, outH: H, outW: W } = g;
  const Cing = Cin / groups, M = (Cout / groups) * kH * kW, L = H * W, outL = outH * outW;
  const direct = isPointwise(g);
  const col = direct ? out : scratch(x, Cout * kH * kW * L);
  if (!direct) out.fill(0);
  for (let n = 0; n < N; n++) {
    const colBase = direct ? n * Cout * outL : 0;
    for (let gr = 0; gr < groups; gr++) {
      k.gemm(true, false, M, L, Cing, w, gr * Cing * M, x, n * Cin * L + gr * Cing * L, col, colBase + gr * M * L);
    }
    if (!direct) k.col2im(g, col, 0, out, n * Cout * outL);
  }
  if (bias) k.channelBiasAdd(out, bias, N, Cout, outL);
}

/**
 * dw[OC, C/groups, kH, kW] = Σₙ gOutₙ · im2col(xₙ)ᵀ per group: the weight gradient of
 * conv2dForward, for x[N, C, H, W] and gOut[N, OC, outH, outW]. `dw` is fully overwritten.
 */
function conv2dWeightGrad(g: ConvGeometry, N: number, OC: number, groups: number, x: TypedArray, gOut: TypedArray, dw: TypedArray): void {
  const k = kernels();
  const { C, H, W, kH, kW, outH, outW } = g;
  const OCg = OC / groups, K = (C / groups) * kH * kW, L = outH * outW;
  const direct = isPointwise(g);
  const col = direct ? x : scratch(x, C * kH * kW * L);
  if (N === 0) dw.fill(0);
  for (let n = 0; n < N; n++) {
    if (!direct) k.im2col(g, x, n * C * H * W, col, 0);
    const colBase = direct ? n * C * H * W : 0;
    for (let gr = 0; gr < groups; gr++) {
      k.gemm(false, true, OCg, K, L, gOut, n * OC * L + gr * OCg * L, col, colBase + gr * K * L, dw, gr * OCg * K, n === 0 ? 0 : 1);
    }
  }
}

export const convKernels = { im2col, col2im, channelBiasAdd, conv2dForward, convTranspose2dForward, conv2dWeightGrad };
