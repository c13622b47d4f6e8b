// Convolution layers: Conv2d and ConvTranspose2d (torch.nn.Conv2d / ConvTranspose2d).

import type { Tensor } from "../tensor/tensor.js";
import type { DType } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import { conv2d, convTranspose2d } from "../ops/conv.js";
import { pad } from "../ops/resize.js";
import { Module } from "./module.js";
import type { Parameter } from "./parameter.js";
import { resetLinearLike } from "./linear.js";
import { floatDtype, intArg, newParam, pairArg } from "./util.js";
import { pyTuple } from "./repr.js";

export type PaddingMode = "zeros" | "reflect" | "replicate" | "circular";

export interface Conv2dOptions {
  stride?: number | readonly number[];
  /** Zeros (or paddingMode values) on each side: an int, a pair, "valid" (0) or "same" (stride 1 only). */
  padding?: number | readonly number[] | "valid" | "same";
  dilation?: number | readonly number[];
  /** Split channels into groups convolved separately (in and out channels divisible by it). */
  groups?: number;
  bias?: boolean;
  /** How the border is padded: "zeros" (default), "reflect", "replicate" or "circular". */
  paddingMode?: PaddingMode;
  dtype?: DType;
}

const PADDING_MODES: readonly string[] = ["zeros", "reflect", "replicate", "circular"];

/** Shared Conv2d/ConvTranspose2d state and the repr PyTorch's _ConvNd prints. */
abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | "valid" | "same";
  readonly dilation: [number, number];
  readonly outputPadding: [number, number];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  weight: Parameter;
  bias: Parameter | null;

  constructor(layer: string, transposed: boolean, inChannels: number, outChannels: number, kernelSize: number | readonly number[],
    o: Conv2dOptions & { outputPadding?: number | readonly number[] }) {
    super();
    this.inChannels = intArg(layer, "inChannels", inChannels, 1);
    this.outChannels = intArg(layer, "outChannels", outChannels, 1);
    this.kernelSize = pairArg(layer, "kernelSize", kernelSize, 1);
    this.stride = pairArg(layer, "stride", o.stride ?? 1, 1);
    this.dilation = pairArg(layer, "dilation", o.dilation ?? 1, 1);
    this.outputPadding = pairArg(layer, "outputPadding", o.outputPadding ?? 0);
    this.groups = intArg(layer, "groups", o.groups ?? 1, 1);
    if (inChannels % this.groups !== 0) throw new Error(`${layer}: inChannels (${inChannels}) must be divisible by groups (${this.groups})`);
    if (outChannels % this.groups !== 0) throw new Error(`${layer}: outChannels (${outChannels}) must be divisible by groups (${this.groups})`);
    const p = o.padding ?? 0;
    if (p === "valid" || p === "same") {
      if (transposed) throw new Error(`${layer}: padding must be an int or a pair of ints, got "${p}"`);
      if (p === "same" && (this.stride[0] !== 1 || this.stride[1] !== 1)) {
        throw new Error(`${layer}: padding="same" is not supported for strided convolutions (stride ${pyTuple(this.stride)})`);
      }
      this.padding = p;
    } else {
      this.padding = pairArg(layer, "padding", p);
    }
    const mode = o.paddingMode ?? "zeros";
    if (!PADDING_MODES.includes(mode)) {
      throw new Error(`${layer}: paddingMode must be one of "zeros", "reflect", "replicate", "circular", got ${JSON.stringify(mode)}`);
    }
    if (transposed && mode !== "zeros") throw new Error(`${layer}: only "zeros" paddingMode is supported, got "${mode}"`);
    this.paddingMode = mode;
    const dtype = floatDtype(layer, o.dtype);
    const [kh, kw] = this.kernelSize;
    this.weight = transposed
      ? newParam([inChannels, outChannels / this.groups, kh, kw], dtype)
      : newParam([outChannels, inChannels / this.groups, kh, kw], dtype);
    this.bias = o.bias ?? true ? newParam([outChannels], dtype) : null;
    this.resetParameters();
  }

  /** Re-draw weight and bias with PyTorch's default (kaiming_uniform a=√5; bias U(±1/√fan_in)). */
  resetParameters(): void {
    resetLinearLike(this.weight, this.bias);
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    const p = this.padding;
    if (typeof p === "string" || p[0] !== 0 || p[1] !== 0) s += `, padding=${typeof p === "string" ? p : pyTuple(p)}`;
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.outputPadding[0] !== 0 || this.outputPadding[1] !== 0) s += `, output_padding=${pyTuple(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ", bias=False";
    if (this.paddingMode !== "zeros") s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

/**
 * 2-d convolution over an input of several planes (torch.nn.Conv2d); strictly a
 * cross-correlation, as in every deep-learning library.
 *
 * Args:
 *   inChannels, outChannels: channels of the input and of the output.
 *   kernelSize: an int or [kh, kw].
 *   options: stride (1), padding (0, "valid", "same"), dilation (1), groups (1), bias (true),
 *     paddingMode ("zeros" | "reflect" | "replicate" | "circular").
 *
 * Shape: input [N, C_in, H, W] or [C_in, H, W] → output [N, C_out, H_out, W_out] with
 *   H_out = ⌊(H + 2·padding − dilation·(kh − 1) − 1) / stride + 1⌋.
 *
 * Attributes: weight [C_out, C_in/groups, kh, kw], bias [C_out], initialised
 *   U(±1/√(C_in/groups·kh·kw)).
 *
 * Example:
 *   const conv = new nn.Conv2d(16, 33, 3, { stride: 2, padding: 1 });
 *   conv.forward(randn([20, 16, 50, 100])).shape; // [20, 33, 25, 50]
 */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: Conv2dOptions = {}) {
    super("Conv2d", false, inChannels, outChannels, kernelSize, options);
  }

  /** Explicit [left, right, top, bottom] border for a non-zeros paddingMode (odd "same" extra goes right/bottom). */
  private borderPad(): number[] {
    const out: number[] = [];
    for (const d of [1, 0]) {
      if (this.padding === "valid") out.push(0, 0);
      else if (this.padding === "same") {
        const total = this.dilation[d] * (this.kernelSize[d] - 1);
        out.push(Math.floor(total / 2), total - Math.floor(total / 2));
      } else out.push(this.padding[d], this.padding[d]);
    }
    return out;
  }

  override forward(x: Tensor): Tensor {
    const opts = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.paddingMode !== "zeros") {
      return conv2d(pad(x, this.borderPad(), { mode: this.paddingMode }), this.weight, this.bias, { ...opts, padding: 0 });
    }
    return conv2d(x, this.weight, this.bias, { ...opts, padding: this.padding });
  }
}

export interface ConvTranspose2dOptions {
  stride?: number | readonly number[];
  /** Rows/columns removed from each side of the full output: dilation·(k−1)−padding zeros pad the input. */
  padding?: number | readonly number[];
  /** Extra size added to one side of the output (each < stride or < dilation). */
  outputPadding?: number | readonly number[];
  groups?: number;
  bias?: boolean;
  dilation?: number | readonly number[];
  paddingMode?: "zeros";
  dtype?: DType;
}

/**
 * 2-d transposed convolution (torch.nn.ConvTranspose2d): the gradient of Conv2d with respect to
 * its input, used to upsample ("fractionally strided" or "deconvolution").
 *
 * Args:
 *   inChannels, outChannels, kernelSize as Conv2d.
 *   options: stride (1), padding (0), outputPadding (0), groups (1), bias (true), dilation (1).
 *
 * Shape: input [N, C_in, H, W] → output [N, C_out, H_out, W_out] with
 *   H_out = (H − 1)·stride − 2·padding + dilation·(kh − 1) + outputPadding + 1.
 *   forward(x, outputSize) picks outputPadding to reach outputSize ([H, W] or [N, C, H, W]).
 *
 * Attributes: weight [C_in, C_out/groups, kh, kw], bias [C_out], initialised
 *   U(±1/√(C_out/groups·kh·kw)) (PyTorch computes fan-in from weight dim 1).
 *
 * Example:
 *   const up = new nn.ConvTranspose2d(16, 8, 3, { stride: 2, padding: 1 });
 *   up.forward(randn([1, 16, 12, 12]), [1, 8, 24, 24]).shape; // [1, 8, 24, 24]
 */
export class ConvTranspose2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvTranspose2dOptions = {}) {
    super("ConvTranspose2d", true, inChannels, outChannels, kernelSize, options);
  }

  /** PyTorch's _output_padding: the outputPadding that yields outputSize. */
  private outputPaddingFor(x: Tensor, outputSize: readonly number[] | null | undefined): [number, number] {
    if (outputSize === undefined || outputSize === null) return this.outputPadding;
    const nonSpatial = x.ndim === 4 ? 2 : 1;
    const size = outputSize.length === nonSpatial + 2 ? outputSize.slice(nonSpatial) : outputSize;
    if (size.length !== 2) {
      throw new Error(`ConvTranspose2d: outputSize must have 2 or ${nonSpatial + 2} elements (got ${fmtShape(outputSize)})`);
    }
    const pad2 = this.padding as [number, number];
    const mins = [0, 1].map((d) => (x.shape[d + nonSpatial] - 1) * this.stride[d] - 2 * pad2[d] + this.dilation[d] * (this.kernelSize[d] - 1) + 1);
    const maxs = mins.map((m, d) => m + this.stride[d] - 1);
    if (size.some((s, d) => s < mins[d] || s > maxs[d])) {
      throw new Error(`ConvTranspose2d: requested an output size of ${fmtShape(size)}, but valid sizes range from ${fmtShape(mins)} to ${fmtShape(maxs)} (for an input of shape ${fmtShape(x.shape)})`);
    }
    const res: [number, number] = [size[0] - mins[0], size[1] - mins[1]];
    return res;
  }

  override forward(x: Tensor, outputSize?: readonly number[] | null): Tensor {
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding as [number, number],
      outputPadding: this.outputPaddingFor(x, outputSize),
      groups: this.groups,
      dilation: this.dilation,
    });
  }
}
