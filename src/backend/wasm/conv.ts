// wasm convolution kernels. im2col / col2im alone (same results as src/backend/js/conv.ts),
// and the three whole-convolution kernels, which keep everything inside wasm memory: a chunk
// of images is unfolded side by side into ONE wide column matrix [C·kH·kW, nb·L], so each
// group needs a single large GEMM per chunk (big enough to split across threads) instead of
// one small GEMM per image, and the column matrix never travels back to JS.

import type { TypedArray } from "../../tensor/dtype.js";
import { convKernels, type ConvGeometry } from "../js/conv.js";
import { arenaAlloc, arenaReset, type Runtime } from "./runtime.js";
import { gemmArena } from "./gemm.js";

/** Column-matrix floats per chunk (8 MiB): bounds the arena while keeping GEMMs large. */
const COL_FLOATS = 1 << 21;

let rt: Runtime;
export function bindConv(r: Runtime): void {
  rt = r;
}

const f32s = (...a: (TypedArray | null)[]): boolean => a.every((t) => t === null || t instanceof Float32Array);

function unfold(g: ConvGeometry, px: number, pcol: number, ld: number): void {
  rt.exports.im2col(g.C, g.H, g.W, g.kH, g.kW, g.strideH, g.strideW, g.padH, g.padW, g.dilH, g.dilW, g.outH, g.outW, px, pcol, ld);
}

function fold(g: ConvGeometry, pcol: number, px: number, ld: number): void {
  rt.exports.col2im(g.C, g.H, g.W, g.kH, g.kW, g.strideH, g.strideW, g.padH, g.padW, g.dilH, g.dilW, g.outH, g.outW, pcol, px, ld);
}

/** Unfold one image into col (see the reference im2col). */
export function im2col(g: ConvGeometry, x: TypedArray, xOff: number, col: TypedArray, colOff: number): void {
  const xn = g.C * g.H * g.W, L = g.outH * g.outW, cn = g.C * g.kH * g.kW * L;
  if (!f32s(x, col) || cn === 0) return convKernels.im2col(g, x, xOff, col, colOff);
  arenaReset();
  const px = arenaAlloc(xn), pc = arenaAlloc(cn);
  if (px < 0 || pc < 0) return convKernels.im2col(g, x, xOff, col, colOff);
  rt.f32.set(x.subarray(xOff, xOff + xn), px >> 2);
  unfold(g, px, pc, L);
  col.set(rt.f32.subarray(pc >> 2, (pc >> 2) + cn), colOff);
}

/** x += fold(col) (see the reference col2im). */
export function col2im(g: ConvGeometry, col: TypedArray, colOff: number, x: TypedArray, xOff: number): void {
  const xn = g.C * g.H * g.W, L = g.outH * g.outW, cn = g.C * g.kH * g.kW * L;
  if (!f32s(x, col) || cn === 0) return convKernels.col2im(g, col, colOff, x, xOff);
  arenaReset();
  const px = arenaAlloc(xn), pc = arenaAlloc(cn);
  if (px < 0 || pc < 0) return convKernels.col2im(g, col, colOff, x, xOff);
  const f32 = rt.f32;
  f32.set(x.subarray(xOff, xOff + xn), px >> 2);
  f32.set(col.subarray(colOff, colOff + cn), pc >> 2);
  fold(g, pc, px, L);
  x.set(rt.f32.subarray(px >> 2, (px >> 2) + xn), xOff);
}

/** Images per chunk so the column matrix stays under COL_FLOATS. */
function chunk(N: number, colPerImage: number): number {
  return Math.max(1, Math.min(N, Math.floor(COL_FLOATS / Math.max(1, colPerImage))));
}

/** y = conv(x, w) + bias (see the reference conv2dForward). */
export function conv2dForward(g: ConvGeometry, N: number, OC: number, groups: number, x: TypedArray, w: TypedArray, bias: TypedArray | null, out: TypedArray): void {
  const { C, H, W, kH, kW, outH, outW } = g;
  const Kc = C * kH * kW, Kg = Kc / groups, OCg = OC / groups, L = outH * outW, xn = C * H * W;
  if (!f32s(x, w, bias, out) || N * OC * L === 0 || Kc === 0) return convKernels.conv2dForward(g, N, OC, groups, x, w, bias, out);
  const nb = chunk(N, Kc * L);
  arenaReset();
  const pw = arenaAlloc(OC * Kg), px = arenaAlloc(nb * xn), pcol = arenaAlloc(Kc * nb * L), pc = arenaAlloc(OC * nb * L);
  if (pw < 0 || px < 0 || pcol < 0 || pc < 0) return convKernels.conv2dForward(g, N, OC, groups, x, w, bias, out);
  rt.f32.set(w.subarray(0, OC * Kg), pw >> 2);
  for (let n0 = 0; n0 < N; n0 += nb) {
    const m = Math.min(nb, N - n0), ld = m * L;
    rt.f32.set(x.subarray(n0 * xn, (n0 + m) * xn), px >> 2);
    for (let i = 0; i < m; i++) unfold(g, px + i * xn * 4, pcol + i * L * 4, ld);
    for (let gr = 0; gr < groups; gr++) {
      gemmArena(false, false, OCg, ld, Kg, pw + gr * OCg * Kg * 4, pcol + gr * Kg * ld * 4, pc + gr * OCg * ld * 4, 0);
    }
    // [OC, m·L] → out[n0 + i, oc, :]
    const f32 = rt.f32, c0 = pc >> 2;
    for (let oc = 0; oc < OC; oc++) {
      for (let i = 0; i < m; i++) {
        const s = c0 + oc * ld + i * L;
        out.set(f32.subarray(s, s + L), (n0 + i) * OC * L + oc * L);
      }
    }
  }
  if (bias) convKernels.channelBiasAdd(out, bias, N, OC, L);
}

/** The transposed convolution (see the reference convTranspose2dForward; g is the underlying conv). */
export function convTranspose2dForward(g: ConvGeometry, N: number, Cin: number, groups: number, x: TypedArray, w: TypedArray, bias: TypedArray | null, out: TypedArray): void {
  const { C: Cout, kH, kW } = g;
  const Cing = Cin / groups, M = (Cout / groups) * kH * kW, Lx = g.outH * g.outW, outL = g.H * g.W;
  if (!f32s(x, w, bias, out) || N * Cout * outL === 0 || M === 0) return convKernels.convTranspose2dForward(g, N, Cin, groups, x, w, bias, out);
  if (Lx === 0 || Cing === 0) { out.fill(0); if (bias) convKernels.channelBiasAdd(out, bias, N, Cout, outL); return; }
  const nb = chunk(N, groups * M * Lx);
  arenaReset();
  const pw = arenaAlloc(Cin * M), px = arenaAlloc(Cin * nb * Lx), pcol = arenaAlloc(groups * M * nb * Lx), po = arenaAlloc(nb * Cout * outL);
  if (pw < 0 || px < 0 || pcol < 0 || po < 0) return convKernels.convTranspose2dForward(g, N, Cin, groups, x, w, bias, out);
  rt.f32.set(w.subarray(0, Cin * M), pw >> 2);
  for (let n0 = 0; n0 < N; n0 += nb) {
    const m = Math.min(nb, N - n0), ld = m * Lx;
    const f32 = rt.f32, x0 = px >> 2;
    // x[n0 + i, ci, :] → [Cin, m·Lx]
    for (let ci = 0; ci < Cin; ci++) {
      for (let i = 0; i < m; i++) {
        const s = (n0 + i) * Cin * Lx + ci * Lx;
        f32.set(x.subarray(s, s + Lx), x0 + ci * ld + i * Lx);
      }
    }
    for (let gr = 0; gr < groups; gr++) {
      gemmArena(true, false, M, ld, Cing, pw + gr * Cing * M * 4, px + gr * Cing * ld * 4, pcol + gr * M * ld * 4, 0);
    }
    rt.f32.fill(0, po >> 2, (po >> 2) + m * Cout * outL);
    for (let i = 0; i < m; i++) fold(g, pcol + i * Lx * 4, po + i * Cout * outL * 4, ld);
    out.set(rt.f32.subarray(po >> 2, (po >> 2) + m * Cout * outL), n0 * Cout * outL);
  }
  if (bias) convKernels.channelBiasAdd(out, bias, N, Cout, outL);
}

/** dw = Σₙ gOutₙ · im2col(xₙ)ᵀ per group (see the reference conv2dWeightGrad). */
export function conv2dWeightGrad(g: ConvGeometry, N: number, OC: number, groups: number, x: TypedArray, gOut: TypedArray, dw: TypedArray): void {
  const { C, H, W, kH, kW, outH, outW } = g;
  const Kc = C * kH * kW, Kg = Kc / groups, OCg = OC / groups, L = outH * outW, xn = C * H * W;
  if (!f32s(x, gOut, dw) || N * L === 0 || OC * Kc === 0) return convKernels.conv2dWeightGrad(g, N, OC, groups, x, gOut, dw);
  const nb = chunk(N, Kc * L);
  arenaReset();
  const pdw = arenaAlloc(OC * Kg), px = arenaAlloc(nb * xn), pcol = arenaAlloc(Kc * nb * L), pg = arenaAlloc(OC * nb * L);
  if (pdw < 0 || px < 0 || pcol < 0 || pg < 0) return convKernels.conv2dWeightGrad(g, N, OC, groups, x, gOut, dw);
  for (let n0 = 0; n0 < N; n0 += nb) {
    const m = Math.min(nb, N - n0), ld = m * L;
    const f32 = rt.f32, g0 = pg >> 2;
    f32.set(x.subarray(n0 * xn, (n0 + m) * xn), px >> 2);
    for (let oc = 0; oc < OC; oc++) {
      for (let i = 0; i < m; i++) {
        const s = (n0 + i) * OC * L + oc * L;
        f32.set(gOut.subarray(s, s + L), g0 + oc * ld + i * L);
      }
    }
    for (let i = 0; i < m; i++) unfold(g, px + i * xn * 4, pcol + i * L * 4, ld);
    for (let gr = 0; gr < groups; gr++) {
      gemmArena(false, true, OCg, Kg, ld, pg + gr * OCg * ld * 4, pcol + gr * Kg * ld * 4, pdw + gr * OCg * Kg * 4, n0 === 0 ? 0 : 1);
    }
  }
  dw.set(rt.f32.subarray(pdw >> 2, (pdw >> 2) + OC * Kg), 0);
}
