// 2-d convolution and transposed convolution (NCHW, PyTorch semantics), plus the weight
// gradient as an op of its own. Forward is im2col + GEMM per batch element and group (the
// kernels live in backend/js/conv.ts and gemm.ts). The three ops are each other's backward:
//   conv2d:           dx = convTranspose(dy, w)   dw = weightGrad(x, dy)
//   convTranspose2d:  dx = conv(dy, w)            dw = weightGrad(dy, x)
//   weightGrad(x, g): dx = convTranspose(g, dw̄)   dg = conv(x, dw̄)
// so every gradient is itself differentiable (double backward, gradcheck of gradients).

import { Tensor } from "../tensor/tensor.js";
import { allocateForOverwrite } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import { kernels } from "../backend/backend.js";
import type { ConvGeometry } from "../backend/js/conv.js";
import { record } from "../autograd/node.js";
import { checkFloat, checkTensor, pair } from "./util.js";
import { squeeze, unsqueeze } from "./shape.js";
import { sum } from "./reduce.js";

/** An int used for both spatial dims, or an [h, w] pair. */
export type IntPair = number | readonly number[];

export interface Conv2dOptions {
  stride?: IntPair;
  /** Zeros added on every side; "valid" = 0; "same" keeps the size (stride 1 only; odd extra pad goes right/bottom). */
  padding?: IntPair | "valid" | "same";
  dilation?: IntPair;
  groups?: number;
}

export interface ConvTranspose2dOptions {
  stride?: IntPair;
  /** Removes dilation·(k−1)−padding from each side of the full output, as in PyTorch. */
  padding?: IntPair;
  /** Extra rows/columns on the bottom/right of the output; each must be < stride or < dilation. */
  outputPadding?: IntPair;
  groups?: number;
  dilation?: IntPair;
}

/** The geometry of the underlying convolution; padH/padW are the top/left zeros. */
interface Geo {
  sH: number; sW: number;
  pH: number; pW: number;
  dH: number; dW: number;
  groups: number;
}

function kernelGeometry(C: number, H: number, W: number, kH: number, kW: number, g: Geo, outH: number, outW: number): ConvGeometry {
  return { C, H, W, kH, kW, strideH: g.sH, strideW: g.sW, padH: g.pH, padW: g.pW, dilH: g.dH, dilW: g.dW, outH, outW };
}

// ---- raw forwards (typed arrays in, new tensor out; no graph). The loops live in the backend's
// conv2dForward / convTranspose2dForward / conv2dWeightGrad kernels (reference: backend/js/conv.ts).

/** y[N, OC, outH, outW] = conv(x[N, C, H, W], w[OC, C/G, kH, kW]). */
function convRaw(x: Tensor, w: Tensor, b: Tensor | null, g: Geo, outH: number, outW: number): Tensor {
  const [N, C, H, W] = x.shape;
  const [OC, , kH, kW] = w.shape;
  const out = allocateForOverwrite(x.dtype, N * OC * outH * outW);
  const geom = kernelGeometry(C, H, W, kH, kW, g, outH, outW);
  kernels().conv2dForward(geom, N, OC, g.groups, x.dataRowMajor(), w.dataRowMajor(), b ? b.dataRowMajor() : null, out);
  return Tensor.fromData(out, [N, OC, outH, outW]);
}

/** y[N, Cout, outH, outW] = convᵀ(x[N, Cin, H, W], w[Cin, Cout/G, kH, kW]): the adjoint of convRaw mapping outH×outW → H×W. */
function convTransposeRaw(x: Tensor, w: Tensor, b: Tensor | null, g: Geo, outH: number, outW: number): Tensor {
  const [N, Cin, H, W] = x.shape;
  const [, Coutg, kH, kW] = w.shape;
  const Cout = Coutg * g.groups;
  const out = allocateForOverwrite(x.dtype, N * Cout * outH * outW);
  const geom = kernelGeometry(Cout, outH, outW, kH, kW, g, H, W);
  kernels().convTranspose2dForward(geom, N, Cin, g.groups, x.dataRowMajor(), w.dataRowMajor(), b ? b.dataRowMajor() : null, out);
  return Tensor.fromData(out, [N, Cout, outH, outW]);
}

/** dw[OC, C/G, kH, kW] = Σₙ gₙ · im2col(xₙ)ᵀ per group: the weight gradient of convRaw. */
function weightGradRaw(x: Tensor, gOut: Tensor, wShape: readonly number[], g: Geo): Tensor {
  const [N, C, H, W] = x.shape;
  const [, , outH, outW] = gOut.shape;
  const [OC, Cg, kH, kW] = wShape;
  const dw = allocateForOverwrite(x.dtype, OC * Cg * kH * kW);
  const geom = kernelGeometry(C, H, W, kH, kW, g, outH, outW);
  kernels().conv2dWeightGrad(geom, N, OC, g.groups, x.dataRowMajor(), gOut.dataRowMajor(), dw);
  return Tensor.fromData(dw, wShape);
}

// ---- the three differentiable ops (4-d inputs, checked geometry) -----------------------------

function biasGrad(b: Tensor | null, g: Tensor): Tensor | null {
  return b?._requiresGrad ? sum(g, [0, 2, 3]) : null;
}

function convOp(x: Tensor, w: Tensor, b: Tensor | null, g: Geo, outH: number, outW: number): Tensor {
  const out = convRaw(x, w, b, g, outH, outW);
  const [, , H, W] = x.shape;
  return record("Conv2dBackward", out, [x, w, b], (gy) => [
    x._requiresGrad ? convTransposeOp(gy, w, null, g, H, W) : null,
    w._requiresGrad ? weightGradOp(x, gy, w.shape, g) : null,
    biasGrad(b, gy),
  ], { saved: [x, w] });
}

function convTransposeOp(x: Tensor, w: Tensor, b: Tensor | null, g: Geo, outH: number, outW: number): Tensor {
  const out = convTransposeRaw(x, w, b, g, outH, outW);
  const [, , H, W] = x.shape;
  return record("ConvTranspose2dBackward", out, [x, w, b], (gy) => [
    x._requiresGrad ? convOp(gy, w, null, g, H, W) : null,
    w._requiresGrad ? weightGradOp(gy, x, w.shape, g) : null,
    biasGrad(b, gy),
  ], { saved: [x, w] });
}

function weightGradOp(x: Tensor, gOut: Tensor, wShape: readonly number[], g: Geo): Tensor {
  const out = weightGradRaw(x, gOut, wShape, g);
  const [, , H, W] = x.shape;
  const [, , outH, outW] = gOut.shape;
  // dw is bilinear in (x, gOut): ⟨dw, v⟩ = ⟨conv(x, v), gOut⟩.
  return record("Conv2dWeightGradBackward", out, [x, gOut], (v) => [
    x._requiresGrad ? convTransposeOp(gOut, v, null, g, H, W) : null,
    gOut._requiresGrad ? convOp(x, v, null, g, outH, outW) : null,
  ], { saved: [x, gOut] });
}

// ---- argument checks ---------------------------------------------------------------------------

function checkInput(opName: string, x: Tensor, w: Tensor, b: Tensor | null | undefined): void {
  checkTensor(opName, x);
  checkTensor(opName, w, "weight");
  checkFloat(opName, x);
  if (x.ndim !== 3 && x.ndim !== 4) {
    throw new Error(`${opName}: expected a 3-d (unbatched [C, H, W]) or 4-d (batched [N, C, H, W]) input, got shape ${fmtShape(x.shape)}`);
  }
  if (w.ndim !== 4) throw new Error(`${opName}: weight must be 4-d, got shape ${fmtShape(w.shape)}`);
  if (x.dtype !== w.dtype) throw new Error(`${opName}: input is ${x.dtype} but weight is ${w.dtype}; convert one with .to(dtype)`);
  if (b != null) {
    checkTensor(opName, b, "bias");
    if (b.dtype !== x.dtype) throw new Error(`${opName}: input is ${x.dtype} but bias is ${b.dtype}; convert one with .to(dtype)`);
  }
}

function checkGroups(opName: string, groups: number): number {
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`${opName}: groups must be a positive integer, got ${groups}`);
  return groups;
}

function checkBias(opName: string, b: Tensor | null | undefined, channels: number): Tensor | null {
  if (b == null) return null;
  if (b.ndim !== 1 || b.shape[0] !== channels) {
    throw new Error(`${opName}: bias must have shape [${channels}] (one per output channel), got ${fmtShape(b.shape)}`);
  }
  return b;
}

/** Add a batch dim to an unbatched input, run, and drop it again. */
function batched(x: Tensor, run: (x4: Tensor) => Tensor): Tensor {
  return x.ndim === 3 ? squeeze(run(unsqueeze(x, 0)), 0) : run(x);
}

/** Resolve conv2d's options for input spatial size H×W and kernel kH×kW into a geometry and output size. */
function convGeometry(opName: string, H: number, W: number, kH: number, kW: number, groups: number, opts: Conv2dOptions): { g: Geo; outH: number; outW: number } {
  const [sH, sW] = pair(opName, "stride", opts.stride ?? 1, 1);
  const [dH, dW] = pair(opName, "dilation", opts.dilation ?? 1, 1);
  const padding = opts.padding ?? 0;
  let pH: number, pW: number, outH: number, outW: number;
  if (padding === "same") {
    if (sH !== 1 || sW !== 1) throw new Error(`${opName}: padding "same" is not supported for strided convolutions; got stride [${sH}, ${sW}], expected 1`);
    // The total padding dilation·(k−1) is split with the odd extra on the bottom/right, like PyTorch.
    pH = Math.floor((dH * (kH - 1)) / 2);
    pW = Math.floor((dW * (kW - 1)) / 2);
    outH = H;
    outW = W;
  } else {
    if (typeof padding === "string" && padding !== "valid") {
      throw new Error(`${opName}: invalid padding string "${padding}"; expected "valid", "same", an integer or a pair`);
    }
    [pH, pW] = padding === "valid" ? [0, 0] : pair(opName, "padding", padding, 0);
    const effH = dH * (kH - 1) + 1, effW = dW * (kW - 1) + 1;
    if (H + 2 * pH < effH || W + 2 * pW < effW) {
      throw new Error(`${opName}: kernel size can't be greater than the padded input size; padded input is ${H + 2 * pH}×${W + 2 * pW}, (dilated) kernel is ${effH}×${effW}`);
    }
    outH = Math.floor((H + 2 * pH - effH) / sH) + 1;
    outW = Math.floor((W + 2 * pW - effW) / sW) + 1;
  }
  return { g: { sH, sW, pH, pW, dH, dW, groups }, outH, outW };
}

// ---- public ops --------------------------------------------------------------------------------

/**
 * 2-d convolution (cross-correlation, like PyTorch) of x [N, C, H, W] (or unbatched [C, H, W])
 * with weight [OC, C/groups, kH, kW] and optional bias [OC].
 *
 * @example
 * const y = F.conv2d(randn([1, 3, 32, 32]), randn([16, 3, 3, 3]), null, { padding: 1 }); // [1, 16, 32, 32]
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const op = "conv2d";
  checkInput(op, x, weight, bias);
  const groups = checkGroups(op, options.groups ?? 1);
  const [OC, Cg, kH, kW] = weight.shape;
  const C = x.shape[x.ndim - 3];
  if (OC % groups !== 0) throw new Error(`${op}: out channels (${OC}, weight shape ${fmtShape(weight.shape)}) must be divisible by groups (${groups})`);
  if (C !== Cg * groups) {
    const gs = groups === 1 ? "" : `, groups ${groups}`;
    throw new Error(`${op}: input has ${C} channels but weight expects ${Cg * groups} (weight shape ${fmtShape(weight.shape)}${gs})`);
  }
  const b = checkBias(op, bias, OC);
  const { g, outH, outW } = convGeometry(op, x.shape[x.ndim - 2], x.shape[x.ndim - 1], kH, kW, groups, options);
  return batched(x, (x4) => convOp(x4, weight, b, g, outH, outW));
}

/**
 * 2-d transposed convolution ("deconvolution", the gradient of conv2d w.r.t. its input) of x
 * [N, Cin, H, W] (or [Cin, H, W]) with weight [Cin, Cout/groups, kH, kW] (PyTorch's layout) and
 * optional bias [Cout]. Output size: (H−1)·stride − 2·padding + dilation·(kH−1) + outputPadding + 1.
 *
 * @example
 * const y = F.convTranspose2d(randn([1, 8, 4, 4]), randn([8, 3, 4, 4]), null, { stride: 2, padding: 1 }); // [1, 3, 8, 8]
 */
export function convTranspose2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvTranspose2dOptions = {}): Tensor {
  const op = "convTranspose2d";
  checkInput(op, x, weight, bias);
  const groups = checkGroups(op, options.groups ?? 1);
  const [Cin, Coutg, kH, kW] = weight.shape;
  const C = x.shape[x.ndim - 3];
  if (C !== Cin) throw new Error(`${op}: input has ${C} channels but weight expects ${Cin} (weight shape ${fmtShape(weight.shape)}; the layout is [in, out/groups, kH, kW])`);
  if (Cin % groups !== 0) throw new Error(`${op}: in channels (${Cin}, weight shape ${fmtShape(weight.shape)}) must be divisible by groups (${groups})`);
  const b = checkBias(op, bias, Coutg * groups);
  const padOpt = options.padding ?? 0;
  if (typeof padOpt === "string") throw new Error(`${op}: padding must be an integer or a pair, got "${padOpt}" (string padding is only for conv2d)`);
  const [sH, sW] = pair(op, "stride", options.stride ?? 1, 1);
  const [dH, dW] = pair(op, "dilation", options.dilation ?? 1, 1);
  const [pH, pW] = pair(op, "padding", padOpt, 0);
  const [oH, oW] = pair(op, "outputPadding", options.outputPadding ?? 0, 0);
  if (!(oH < sH || oH < dH) || !(oW < sW || oW < dW)) {
    throw new Error(`${op}: outputPadding must be smaller than either stride or dilation; got outputPadding [${oH}, ${oW}], stride [${sH}, ${sW}], dilation [${dH}, ${dW}]`);
  }
  const H = x.shape[x.ndim - 2], W = x.shape[x.ndim - 1];
  const outH = (H - 1) * sH - 2 * pH + dH * (kH - 1) + oH + 1;
  const outW = (W - 1) * sW - 2 * pW + dW * (kW - 1) + oW + 1;
  if (outH < 1 || outW < 1) {
    throw new Error(`${op}: the output would be ${outH}×${outW} for input ${H}×${W} (kernel ${kH}×${kW}, stride [${sH}, ${sW}], padding [${pH}, ${pW}]); it must be at least 1×1`);
  }
  const g: Geo = { sH, sW, pH, pW, dH, dW, groups };
  return batched(x, (x4) => convTransposeOp(x4, weight, b, g, outH, outW));
}

/**
 * The gradient of conv2d with respect to its weight (torch.nn.grad.conv2d_weight): given the
 * conv input x [N, C, H, W] and the output gradient [N, OC, outH, outW], returns a tensor of
 * `weightShape` [OC, C/groups, kH, kW]. Differentiable in both arguments.
 */
export function conv2dWeightGrad(x: Tensor, gradOutput: Tensor, weightShape: readonly number[], options: Conv2dOptions = {}): Tensor {
  const op = "conv2dWeightGrad";
  checkTensor(op, x);
  checkTensor(op, gradOutput, "gradOutput");
  checkFloat(op, x);
  if (x.dtype !== gradOutput.dtype) throw new Error(`${op}: input is ${x.dtype} but gradOutput is ${gradOutput.dtype}; convert one with .to(dtype)`);
  if (!((x.ndim === 4 && gradOutput.ndim === 4) || (x.ndim === 3 && gradOutput.ndim === 3))) {
    throw new Error(`${op}: input and gradOutput must both be 4-d (or both 3-d, unbatched), got shapes ${fmtShape(x.shape)} and ${fmtShape(gradOutput.shape)}`);
  }
  if (weightShape.length !== 4 || !weightShape.every((s) => Number.isInteger(s) && s >= 1)) {
    throw new Error(`${op}: weightShape must be 4 positive integers [OC, C/groups, kH, kW], got ${JSON.stringify(weightShape)}`);
  }
  const groups = checkGroups(op, options.groups ?? 1);
  const [OC, Cg, kH, kW] = weightShape;
  const x4 = x.ndim === 3 ? unsqueeze(x, 0) : x;
  const g4 = gradOutput.ndim === 3 ? unsqueeze(gradOutput, 0) : gradOutput;
  if (OC % groups !== 0 || x4.shape[1] !== Cg * groups) {
    throw new Error(`${op}: weight shape ${fmtShape(weightShape)} with groups ${groups} does not fit an input with ${x4.shape[1]} channels`);
  }
  const { g, outH, outW } = convGeometry(op, x4.shape[2], x4.shape[3], kH, kW, groups, options);
  const expected = [x4.shape[0], OC, outH, outW];
  if (g4.shape.some((s, i) => s !== expected[i])) {
    throw new Error(`${op}: gradOutput has shape ${fmtShape(g4.shape)} but the convolution's output is ${fmtShape(expected)}`);
  }
  return weightGradOp(x4, g4, weightShape, g);
}
