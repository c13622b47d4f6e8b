// Pooling layers: MaxPool2d, MaxUnpool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d.
// They hold no parameters; each keeps its options as given (an int or a pair) so the repr
// prints them the way PyTorch does.

import type { Tensor } from "../tensor/tensor.js";
import {
  adaptiveAvgPool2d, adaptiveMaxPool2d, adaptiveMaxPool2dWithIndices, avgPool2d, maxPool2d, maxPool2dWithIndices, maxUnpool2d,
} from "../ops/pool.js";
import { Module } from "./module.js";
import { pairArg, intArg } from "./util.js";
import { pyBool, pyTuple } from "./repr.js";

type IntPair = number | readonly number[];
/** An adaptive output size: an int, or [h, w] where null keeps that input dim. */
export type AdaptiveSize = number | null | readonly (number | null)[];

/** What a pooling layer built with returnIndices: true returns. */
export interface PoolWithIndices {
  output: Tensor;
  /** int32 flat positions h·W + w of each max within its input plane (for MaxUnpool2d). */
  indices: Tensor;
}

function checkIntPair(layer: string, name: string, v: IntPair, min: number): IntPair {
  pairArg(layer, name, v, min);
  return typeof v === "number" ? v : [...v];
}

export interface MaxPool2dOptions<R extends boolean = boolean> {
  /** Window step (default: kernelSize). */
  stride?: IntPair | null;
  /** Implicit −∞ padding on each side (at most half the kernel). */
  padding?: IntPair;
  dilation?: IntPair;
  /** Also return the argmax indices (forward returns { output, indices }). */
  returnIndices?: R;
  /** Round the output size up instead of down. */
  ceilMode?: boolean;
}

/**
 * 2-d max pooling (torch.nn.MaxPool2d).
 *
 * Args:
 *   kernelSize: window size, an int or [kh, kw].
 *   options: stride (kernelSize), padding (0), dilation (1), returnIndices (false), ceilMode (false).
 *
 * Shape: [N, C, H, W] or [C, H, W] → [N, C, H_out, W_out] with
 *   H_out = ⌊(H + 2·padding − dilation·(kh − 1) − 1) / stride + 1⌋ (⌈⌉ with ceilMode).
 *
 * Example:
 *   const pool = new nn.MaxPool2d(2);
 *   pool.forward(randn([1, 3, 8, 8])).shape; // [1, 3, 4, 4]
 *   const { output, indices } = new nn.MaxPool2d(2, { returnIndices: true }).forward(x);
 */
export class MaxPool2d<R extends boolean = false> extends Module {
  readonly kernelSize: IntPair;
  readonly stride: IntPair;
  readonly padding: IntPair;
  readonly dilation: IntPair;
  readonly returnIndices: R;
  readonly ceilMode: boolean;

  constructor(kernelSize: IntPair, options: MaxPool2dOptions<R> = {}) {
    super();
    this.kernelSize = checkIntPair("MaxPool2d", "kernelSize", kernelSize, 1);
    this.stride = options.stride == null ? this.kernelSize : checkIntPair("MaxPool2d", "stride", options.stride, 1);
    this.padding = checkIntPair("MaxPool2d", "padding", options.padding ?? 0, 0);
    this.dilation = checkIntPair("MaxPool2d", "dilation", options.dilation ?? 1, 1);
    this.returnIndices = (options.returnIndices ?? false) as R;
    this.ceilMode = options.ceilMode ?? false;
  }

  override forward(x: Tensor): R extends true ? PoolWithIndices : Tensor {
    const o = { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
    return (this.returnIndices ? maxPool2dWithIndices(x, this.kernelSize, o) : maxPool2d(x, this.kernelSize, o)) as R extends true ? PoolWithIndices : Tensor;
  }

  override extraRepr(): string {
    return `kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}, padding=${pyTuple(this.padding)}, dilation=${pyTuple(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/**
 * Partial inverse of MaxPool2d (torch.nn.MaxUnpool2d): each value goes back to the position
 * its index names; everything else is zero.
 *
 * Args: kernelSize, options.stride (kernelSize), options.padding (0), as the pooling used.
 *
 * Shape: input and indices [N, C, H, W] → [N, C, H_out, W_out] with
 *   H_out = (H − 1)·stride − 2·padding + kh, or forward(x, indices, outputSize).
 *
 * Example:
 *   const pool = new nn.MaxPool2d(2, { returnIndices: true }), unpool = new nn.MaxUnpool2d(2);
 *   const { output, indices } = pool.forward(x);
 *   unpool.forward(output, indices).shape; // x.shape (for even H, W)
 */
export class MaxUnpool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];

  constructor(kernelSize: IntPair, options: { stride?: IntPair | null; padding?: IntPair } = {}) {
    super();
    this.kernelSize = pairArg("MaxUnpool2d", "kernelSize", kernelSize, 1);
    this.stride = options.stride == null ? this.kernelSize : pairArg("MaxUnpool2d", "stride", options.stride, 1);
    this.padding = pairArg("MaxUnpool2d", "padding", options.padding ?? 0);
  }

  override forward(x: Tensor, indices: Tensor, outputSize?: readonly number[] | null): Tensor {
    return maxUnpool2d(x, indices, this.kernelSize, { stride: this.stride, padding: this.padding, outputSize: outputSize ?? null });
  }

  override extraRepr(): string {
    return `kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}, padding=${pyTuple(this.padding)}`;
  }
}

export type { AvgPool2dOptions } from "../ops/pool.js";
import type { AvgPool2dOptions } from "../ops/pool.js";

/**
 * 2-d average pooling (torch.nn.AvgPool2d).
 *
 * Args:
 *   kernelSize: window size.
 *   options: stride (kernelSize), padding (0), ceilMode (false), countIncludePad (true), divisorOverride.
 *
 * Shape: [N, C, H, W] or [C, H, W] → [N, C, H_out, W_out], H_out = ⌊(H + 2·padding − kh) / stride + 1⌋.
 *
 * Example:
 *   new nn.AvgPool2d(3, { stride: 2 }).forward(randn([20, 16, 50, 32])).shape; // [20, 16, 24, 15]
 */
export class AvgPool2d extends Module {
  readonly kernelSize: IntPair;
  readonly stride: IntPair;
  readonly padding: IntPair;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;

  constructor(kernelSize: IntPair, options: AvgPool2dOptions = {}) {
    super();
    this.kernelSize = checkIntPair("AvgPool2d", "kernelSize", kernelSize, 1);
    this.stride = options.stride == null ? this.kernelSize : checkIntPair("AvgPool2d", "stride", options.stride, 1);
    this.padding = checkIntPair("AvgPool2d", "padding", options.padding ?? 0, 0);
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
    this.divisorOverride = options.divisorOverride == null ? null : intArg("AvgPool2d", "divisorOverride", options.divisorOverride, 1);
  }

  override forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, {
      stride: this.stride, padding: this.padding, ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride,
    });
  }

  override extraRepr(): string {
    return `kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}, padding=${pyTuple(this.padding)}`;
  }
}

function checkAdaptive(layer: string, s: AdaptiveSize): AdaptiveSize {
  const items = s === null || typeof s === "number" ? [s] : s;
  if (!Array.isArray(items) || (typeof s !== "number" && s !== null && items.length !== 2) || !items.every((v) => v === null || (Number.isInteger(v) && v >= 0))) {
    throw new Error(`${layer}: outputSize must be an integer, or [h, w] of integers or null, got ${JSON.stringify(s)}`);
  }
  return s === null || typeof s === "number" ? s : [...s];
}

/**
 * Average pooling to a fixed output size, whatever the input size (torch.nn.AdaptiveAvgPool2d);
 * AdaptiveAvgPool2d(1) is global average pooling.
 *
 * Args: outputSize: an int or [h, w] (null keeps that input size).
 * Shape: [N, C, H, W] or [C, H, W] → [N, C, h, w].
 *
 * Example:
 *   new nn.AdaptiveAvgPool2d([5, 7]).forward(randn([1, 64, 8, 9])).shape; // [1, 64, 5, 7]
 */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: AdaptiveSize;

  constructor(outputSize: AdaptiveSize) {
    super();
    this.outputSize = checkAdaptive("AdaptiveAvgPool2d", outputSize);
  }

  override forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${pyTuple(this.outputSize)}`;
  }
}

/**
 * Max pooling to a fixed output size (torch.nn.AdaptiveMaxPool2d).
 *
 * Args: outputSize as AdaptiveAvgPool2d; options.returnIndices (false) also returns the argmax.
 * Shape: [N, C, H, W] or [C, H, W] → [N, C, h, w].
 *
 * Example:
 *   new nn.AdaptiveMaxPool2d(1).forward(randn([2, 8, 5, 5])).shape; // [2, 8, 1, 1]
 */
export class AdaptiveMaxPool2d<R extends boolean = false> extends Module {
  readonly outputSize: AdaptiveSize;
  readonly returnIndices: R;

  constructor(outputSize: AdaptiveSize, options: { returnIndices?: R } = {}) {
    super();
    this.outputSize = checkAdaptive("AdaptiveMaxPool2d", outputSize);
    this.returnIndices = (options.returnIndices ?? false) as R;
  }

  override forward(x: Tensor): R extends true ? PoolWithIndices : Tensor {
    return (this.returnIndices ? adaptiveMaxPool2dWithIndices(x, this.outputSize) : adaptiveMaxPool2d(x, this.outputSize)) as R extends true ? PoolWithIndices : Tensor;
  }

  override extraRepr(): string {
    return `output_size=${pyTuple(this.outputSize)}`;
  }
}
