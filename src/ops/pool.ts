// 2-d pooling (NCHW or unbatched CHW, PyTorch semantics): max (with indices), max-unpool,
// average, adaptive average and adaptive max. The loops are backend kernels (backend/js/pool.ts).
// Gradients are ops too: max pooling's backward scatters to the argmax positions with an op
// whose own backward gathers by the same indices; average pooling is linear, so its backward
// is its adjoint kernel and the adjoint's backward is the forward again.

import { Tensor } from "../tensor/tensor.js";
import { allocate, allocateForOverwrite } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import { kernels } from "../backend/backend.js";
import type { PoolGeometry } from "../backend/js/pool.js";
import { record } from "../autograd/node.js";
import { checkFloat, checkInt, checkTensor, pair } from "./util.js";
import { squeeze, unsqueeze } from "./shape.js";
import type { IntPair } from "./conv.js";

export interface MaxPool2dOptions {
  /** Window step; defaults to kernelSize (also when null). */
  stride?: IntPair | null;
  /** Implicit -inf padding on every side; at most half the kernel size. */
  padding?: IntPair;
  dilation?: IntPair;
  /** Round the output size up (the last window must still start inside the input or left padding). */
  ceilMode?: boolean;
}

export interface AvgPool2dOptions {
  stride?: IntPair | null;
  /** Implicit zero padding on every side; at most half the kernel size. */
  padding?: IntPair;
  ceilMode?: boolean;
  /** Count the zero padding in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window's sum by this instead of its size. */
  divisorOverride?: number | null;
}

export interface MaxUnpool2dOptions {
  stride?: IntPair | null;
  padding?: IntPair;
  /** The exact output size ([H, W] or [N, C, H, W]), to undo a floor in the pooling's size. */
  outputSize?: readonly number[] | null;
}

/** An adaptive output size: an int, or [h, w] where null keeps that input dim. */
export type AdaptiveSize = number | null | readonly (number | null)[];

// ---- shared plumbing ----------------------------------------------------------------------------

function checkPoolInput(opName: string, x: Tensor): void {
  checkTensor(opName, x);
  checkFloat(opName, x);
  const ok = (x.ndim === 3 || x.ndim === 4) && x.shape.slice(-3).every((s) => s > 0);
  if (!ok) {
    throw new Error(`${opName}: expected a 3-d (unbatched [C, H, W]) or 4-d (batched [N, C, H, W]) input with non-zero C, H, W, got shape ${fmtShape(x.shape)}`);
  }
}

/** Add a batch dim to an unbatched input, run, and drop it again from every result. */
function batched<R extends Tensor | Record<string, Tensor>>(x: Tensor, run: (x4: Tensor) => R): R {
  if (x.ndim === 4) return run(x);
  const r = run(unsqueeze(x, 0));
  if (r instanceof Tensor) return squeeze(r, 0) as R;
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(r)) out[k] = squeeze(v, 0);
  return out as R;
}

/** PyTorch's pooling output size, including its ceil-mode rule. */
function poolOutSize(inSize: number, k: number, pad: number, stride: number, dil: number, ceilMode: boolean): number {
  const span = inSize + 2 * pad - dil * (k - 1) - 1 + (ceilMode ? stride - 1 : 0);
  let out = Math.floor(span / stride) + 1;
  // With ceilMode the last window must start inside the input or the left padding.
  if (ceilMode && (out - 1) * stride >= inSize + pad) out--;
  return out;
}

function poolGeometry(opName: string, x4: Tensor, kernelSize: IntPair, opts: { stride?: IntPair | null; padding?: IntPair; dilation?: IntPair; ceilMode?: boolean }): PoolGeometry {
  const [N, C, H, W] = x4.shape;
  const [kH, kW] = pair(opName, "kernelSize", kernelSize, 1);
  const stride = opts.stride == null || (Array.isArray(opts.stride) && opts.stride.length === 0) ? [kH, kW] : opts.stride;
  const [sH, sW] = pair(opName, "stride", stride, 1);
  const [pH, pW] = pair(opName, "padding", opts.padding ?? 0, 0);
  const [dH, dW] = pair(opName, "dilation", opts.dilation ?? 1, 1);
  if (pH > Math.floor(kH / 2) || pW > Math.floor(kW / 2)) {
    throw new Error(`${opName}: padding should be at most half of the kernel size; got padding [${pH}, ${pW}] for kernel [${kH}, ${kW}]`);
  }
  const ceil = opts.ceilMode ?? false;
  const outH = poolOutSize(H, kH, pH, sH, dH, ceil);
  const outW = poolOutSize(W, kW, pW, sW, dW, ceil);
  if (outH < 1 || outW < 1) {
    throw new Error(`${opName}: output size is too small; input ${C}×${H}×${W} gives ${C}×${outH}×${outW}`);
  }
  return { planes: N * C, H, W, outH, outW, kH, kW, strideH: sH, strideW: sW, padH: pH, padW: pW, dilH: dH, dilW: dW };
}

// ---- index scatter / gather: max pooling's gradient, and its gradient --------------------------

/** out[n, c, indices[n, c, j]] (+)= src[n, c, j] into zeros of `dstShape` (a 4-d [N, C, H, W]). */
function planeScatter(opName: string, src: Tensor, indices: Tensor, dstShape: readonly number[], accumulate: boolean): Tensor {
  const [N, C, H, W] = dstShape;
  const srcSize = src.shape[2] * src.shape[3];
  const out = allocate(src.dtype, N * C * H * W);
  const bad = kernels().indexScatter(N * C, srcSize, H * W, src.dataRowMajor(), indices.dataRowMajor() as Int32Array, out, accumulate);
  if (bad !== -1) throw new Error(`${opName}: found an invalid max index ${bad}; output planes are ${H}×${W}, so indices must be in [0, ${H * W})`);
  const y = Tensor.fromData(out, dstShape);
  // Gathering by the same indices is the adjoint (PyTorch uses it for unpooling's gradient too).
  return record("MaxPoolScatterBackward", y, [src], (g) => [planeGather(opName, g, indices)]);
}

/** out[n, c, j] = src[n, c, indices[n, c, j]], shaped like `indices`. */
function planeGather(opName: string, src: Tensor, indices: Tensor): Tensor {
  const [N, C, H, W] = src.shape;
  const out = allocate(src.dtype, indices.size);
  const bad = kernels().indexGather(N * C, indices.shape[2] * indices.shape[3], H * W, src.dataRowMajor(), indices.dataRowMajor() as Int32Array, out);
  if (bad !== -1) throw new Error(`${opName}: found an invalid index ${bad}; input planes are ${H}×${W}`);
  const y = Tensor.fromData(out, indices.shape);
  return record("MaxPoolGatherBackward", y, [src], (g) => [planeScatter(opName, g, indices, src.shape, true)]);
}

// ---- max pooling -------------------------------------------------------------------------------

function maxPoolOp(x4: Tensor, pg: PoolGeometry): { output: Tensor; indices: Tensor } {
  const [N, C] = x4.shape;
  const n = N * C * pg.outH * pg.outW;
  const out = allocateForOverwrite(x4.dtype, n);
  const idx = new Int32Array(n);
  kernels().maxPool2d(pg, x4.dataRowMajor(), out, idx);
  const shape = [N, C, pg.outH, pg.outW];
  const indices = Tensor.fromData(idx, shape);
  const output = record("MaxPool2dBackward", Tensor.fromData(out, shape), [x4], (g) => [
    planeScatter("maxPool2d", g, indices, x4.shape, true),
  ]);
  return { output, indices };
}

/**
 * 2-d max pooling over kernelSize windows of x [N, C, H, W] or [C, H, W]. Ties go to the first
 * maximum; a NaN in a window makes its output NaN.
 *
 * @example
 * F.maxPool2d(randn([1, 3, 8, 8]), 2); // [1, 3, 4, 4]
 */
export function maxPool2d(x: Tensor, kernelSize: IntPair, options: MaxPool2dOptions = {}): Tensor {
  return maxPool2dWithIndices(x, kernelSize, options).output;
}

/** maxPool2d that also returns the argmax of each window as int32 flat positions h·W + w within its plane. */
export function maxPool2dWithIndices(x: Tensor, kernelSize: IntPair, options: MaxPool2dOptions = {}): { output: Tensor; indices: Tensor } {
  checkPoolInput("maxPool2d", x);
  return batched(x, (x4) => maxPoolOp(x4, poolGeometry("maxPool2d", x4, kernelSize, options)));
}

/**
 * The partial inverse of maxPool2d: puts each value of x at the position its index names in a
 * zero output of size (H−1)·stride − 2·padding + kernelSize (or `outputSize`).
 */
export function maxUnpool2d(x: Tensor, indices: Tensor, kernelSize: IntPair, options: MaxUnpool2dOptions = {}): Tensor {
  const op = "maxUnpool2d";
  checkPoolInput(op, x);
  checkTensor(op, indices, "indices");
  checkInt(op, indices, "indices");
  if (indices.shape.length !== x.ndim || indices.shape.some((s, i) => s !== x.shape[i])) {
    throw new Error(`${op}: indices must have the input's shape ${fmtShape(x.shape)}, got ${fmtShape(indices.shape)}`);
  }
  const [kH, kW] = pair(op, "kernelSize", kernelSize, 1);
  const stride = options.stride == null ? [kH, kW] : options.stride;
  const [sH, sW] = pair(op, "stride", stride, 1);
  const [pH, pW] = pair(op, "padding", options.padding ?? 0, 0);
  const H = x.shape[x.ndim - 2], W = x.shape[x.ndim - 1];
  const defH = (H - 1) * sH - 2 * pH + kH, defW = (W - 1) * sW - 2 * pW + kW;
  let outH = defH, outW = defW;
  if (options.outputSize != null) {
    const os = options.outputSize;
    if (os.length !== 2 && os.length !== 4) throw new Error(`${op}: outputSize must have 2 or 4 elements, got ${JSON.stringify(os)}`);
    [outH, outW] = os.slice(-2);
    if (!(defH - sH < outH && outH < defH + sH) || !(defW - sW < outW && outW < defW + sW)) {
      throw new Error(`${op}: invalid outputSize ${JSON.stringify(os)}; H must be between ${defH - sH} and ${defH + sH} and W between ${defW - sW} and ${defW + sW} (exclusive)`);
    }
  }
  if (outH < 1 || outW < 1) throw new Error(`${op}: the output would be ${outH}×${outW}; it must be at least 1×1`);
  return batched(x, (x4) => {
    const idx4 = x.ndim === 3 ? unsqueeze(indices, 0) : indices;
    return planeScatter(op, x4, idx4, [x4.shape[0], x4.shape[1], outH, outW], false);
  });
}

// ---- average pooling ---------------------------------------------------------------------------

interface AvgParams { pg: PoolGeometry; countIncludePad: boolean; divisor: number }

/** Average pooling (adjoint=false: input → output) or its adjoint (output-shaped → input-shaped); each is the other's backward. */
function avgPoolOp(t: Tensor, p: AvgParams, adjoint: boolean, inShape: readonly number[], outShape: readonly number[]): Tensor {
  const out = allocate(t.dtype, adjoint ? p.pg.planes * p.pg.H * p.pg.W : p.pg.planes * p.pg.outH * p.pg.outW);
  if (adjoint) kernels().avgPool2dBackward(p.pg, p.countIncludePad, p.divisor, t.dataRowMajor(), out);
  else kernels().avgPool2d(p.pg, p.countIncludePad, p.divisor, t.dataRowMajor(), out);
  const y = Tensor.fromData(out, adjoint ? inShape : outShape);
  return record(adjoint ? "AvgPool2dBackwardBackward" : "AvgPool2dBackward", y, [t], (g) => [avgPoolOp(g, p, !adjoint, inShape, outShape)]);
}

/**
 * 2-d average pooling. With countIncludePad (default) the zero padding counts in each window's
 * divisor; divisorOverride replaces the divisor altogether.
 *
 * @example
 * F.avgPool2d(randn([1, 3, 7, 7]), 3, { stride: 2, padding: 1 }); // [1, 3, 4, 4]
 */
export function avgPool2d(x: Tensor, kernelSize: IntPair, options: AvgPool2dOptions = {}): Tensor {
  const op = "avgPool2d";
  checkPoolInput(op, x);
  const d = options.divisorOverride;
  if (d != null && (!Number.isInteger(d) || d === 0)) throw new Error(`${op}: divisorOverride must be a non-zero integer, got ${d}`);
  return batched(x, (x4) => {
    const pg = poolGeometry(op, x4, kernelSize, { stride: options.stride, padding: options.padding, ceilMode: options.ceilMode });
    const p: AvgParams = { pg, countIncludePad: options.countIncludePad ?? true, divisor: d ?? 0 };
    return avgPoolOp(x4, p, false, x4.shape, [x4.shape[0], x4.shape[1], pg.outH, pg.outW]);
  });
}

// ---- adaptive pooling --------------------------------------------------------------------------

function adaptiveSize(opName: string, outputSize: AdaptiveSize, H: number, W: number): [number, number] {
  const raw = outputSize === null || typeof outputSize === "number" ? [outputSize, outputSize] : outputSize;
  if (raw.length !== 2) throw new Error(`${opName}: outputSize must be an int or a pair [h, w], got ${JSON.stringify(outputSize)}`);
  const [h, w] = [raw[0] ?? H, raw[1] ?? W];
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) {
    throw new Error(`${opName}: outputSize must be positive integers (or null to keep a dim), got ${JSON.stringify(outputSize)}`);
  }
  return [h, w];
}

function adaptiveAvgOp(t: Tensor, inShape: readonly number[], outShape: readonly number[], adjoint: boolean): Tensor {
  const [N, C, H, W] = inShape;
  const [, , oH, oW] = outShape;
  const out = allocate(t.dtype, adjoint ? N * C * H * W : N * C * oH * oW);
  if (adjoint) kernels().adaptiveAvgPool2dBackward(N * C, H, W, oH, oW, t.dataRowMajor(), out);
  else kernels().adaptiveAvgPool2d(N * C, H, W, oH, oW, t.dataRowMajor(), out);
  const y = Tensor.fromData(out, adjoint ? inShape : outShape);
  return record(adjoint ? "AdaptiveAvgPool2dBackwardBackward" : "AdaptiveAvgPool2dBackward", y, [t], (g) => [adaptiveAvgOp(g, inShape, outShape, !adjoint)]);
}

/**
 * Average pooling to a fixed output size: output cell i averages input rows
 * floor(i·H/outH) ≤ h < ceil((i+1)·H/outH) (and likewise columns).
 *
 * @example
 * F.adaptiveAvgPool2d(randn([2, 512, 7, 7]), 1); // [2, 512, 1, 1] (global average pooling)
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  const op = "adaptiveAvgPool2d";
  checkPoolInput(op, x);
  const [oH, oW] = adaptiveSize(op, outputSize, x.shape[x.ndim - 2], x.shape[x.ndim - 1]);
  return batched(x, (x4) => adaptiveAvgOp(x4, x4.shape, [x4.shape[0], x4.shape[1], oH, oW], false));
}

/** Max pooling to a fixed output size (windows as in adaptiveAvgPool2d). */
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  return adaptiveMaxPool2dWithIndices(x, outputSize).output;
}

/** adaptiveMaxPool2d that also returns the int32 argmax positions h·W + w within each plane. */
export function adaptiveMaxPool2dWithIndices(x: Tensor, outputSize: AdaptiveSize): { output: Tensor; indices: Tensor } {
  const op = "adaptiveMaxPool2d";
  checkPoolInput(op, x);
  const [oH, oW] = adaptiveSize(op, outputSize, x.shape[x.ndim - 2], x.shape[x.ndim - 1]);
  return batched(x, (x4) => {
    const [N, C, H, W] = x4.shape;
    const out = allocate(x4.dtype, N * C * oH * oW);
    const idx = new Int32Array(N * C * oH * oW);
    kernels().adaptiveMaxPool2d(N * C, H, W, oH, oW, x4.dataRowMajor(), out, idx);
    const shape = [N, C, oH, oW];
    const indices = Tensor.fromData(idx, shape);
    const output = record("AdaptiveMaxPool2dBackward", Tensor.fromData(out, shape), [x4], (g) => [
      planeScatter(op, g, indices, x4.shape, true),
    ]);
    return { output, indices };
  });
}
