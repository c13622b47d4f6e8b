// Normalisation layers: BatchNorm1d/2d/3d, InstanceNorm2d, LayerNorm, GroupNorm, LocalResponseNorm.

import type { Tensor } from "../tensor/tensor.js";
import type { DType } from "../tensor/dtype.js";
import { zeros, ones } from "../tensor/creation.js";
import { noGrad } from "../autograd/grad_mode.js";
import { batchNorm, batchNormReLU as batchNormReLUOp, groupNorm, instanceNorm, layerNorm, localResponseNorm } from "../ops/norm.js";
import { relu as reluOp } from "../ops/elementwise.js";
import { Module } from "./module.js";
import { isPlainReLU } from "./activation.js";
import type { Parameter } from "./parameter.js";
import { ones_, zeros_ } from "./init.js";
import { floatDtype, intArg, newParam } from "./util.js";
import { pyBool, pyFloat, pyTuple } from "./repr.js";

export interface BatchNormOptions {
  /** Added to the variance for stability (default 1e-5). */
  eps?: number;
  /** Running-average factor (default 0.1); null keeps a cumulative average over all batches. */
  momentum?: number | null;
  /** Learn a per-channel scale (weight) and shift (bias) (default true). */
  affine?: boolean;
  /** Keep running_mean/running_var for evaluation (default true); false uses batch stats always. */
  trackRunningStats?: boolean;
  dtype?: DType;
}

/** State and behaviour shared by the batch and instance norms (PyTorch's _NormBase). */
abstract class NormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  /** Batches seen in training (int32 here; int64 in PyTorch). */
  declare num_batches_tracked: Tensor | null;

  constructor(layer: string, numFeatures: number, o: BatchNormOptions, affineDefault: boolean, trackDefault: boolean) {
    super();
    this.numFeatures = intArg(layer, "numFeatures", numFeatures, 1);
    this.eps = o.eps ?? 1e-5;
    if (!(this.eps >= 0)) throw new Error(`${layer}: eps must be a non-negative number, got ${o.eps}`);
    const m = o.momentum === undefined ? 0.1 : o.momentum;
    if (m !== null && (typeof m !== "number" || Number.isNaN(m))) throw new Error(`${layer}: momentum must be a number or null, got ${JSON.stringify(m)}`);
    this.momentum = m;
    this.affine = o.affine ?? affineDefault;
    this.trackRunningStats = o.trackRunningStats ?? trackDefault;
    const dtype = floatDtype(layer, o.dtype);
    this.weight = this.affine ? newParam([numFeatures], dtype) : null;
    this.bias = this.affine ? newParam([numFeatures], dtype) : null;
    if (this.trackRunningStats) {
      this.registerBuffer("running_mean", zeros([numFeatures], { dtype }));
      this.registerBuffer("running_var", ones([numFeatures], { dtype }));
      this.registerBuffer("num_batches_tracked", zeros([], { dtype: "int32" }));
    } else {
      this.registerBuffer("running_mean", null);
      this.registerBuffer("running_var", null);
      this.registerBuffer("num_batches_tracked", null);
    }
    this.resetParameters();
  }

  /** Running mean 0, running variance 1, no batches seen. */
  resetRunningStats(): void {
    noGrad(() => {
      this.running_mean?.zero_();
      this.running_var?.fill_(1);
      this.num_batches_tracked?.zero_();
    });
  }

  /** Running stats reset; weight 1, bias 0. */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  override extraRepr(): string {
    const m = this.momentum === null ? "None" : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${m}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/** Batch norm over channel dim 1 (PyTorch's _BatchNorm). */
abstract class BatchNormBase extends NormBase {
  constructor(layer: string, numFeatures: number, o: BatchNormOptions) {
    super(layer, numFeatures, o, true, true);
  }

  protected abstract checkInputDim(x: Tensor): void;

  override forward(x: Tensor): Tensor {
    return this.run(x, false);
  }

  /**
   * relu(forward(x)) in one op (F.batchNormReLU): the same numbers, with one tensor and two
   * passes over memory fewer. Skips this layer's hooks: use nn.batchNormReLU, which fuses only
   * when nothing observable changes.
   */
  forwardReLU(x: Tensor): Tensor {
    return this.run(x, true);
  }

  private run(x: Tensor, relu: boolean): Tensor {
    this.checkInputDim(x);
    // Like PyTorch: count the batch, then use momentum or (momentum null) 1/num_batches_tracked.
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked) {
      const nbt = this.num_batches_tracked;
      noGrad(() => nbt.add_(1));
      if (this.momentum === null) factor = 1 / nbt.item();
    }
    const useBatch = this.training || (this.running_mean === null && this.running_var === null);
    const track = !this.training || this.trackRunningStats;
    return (relu ? batchNormReLUOp : batchNorm)(x, track ? this.running_mean : null, track ? this.running_var : null, {
      weight: this.weight, bias: this.bias, training: useBatch, momentum: factor, eps: this.eps,
    });
  }
}

/**
 * True when `relu.forward(bn.forward(x))` may run as one fused op: `bn` is a stock
 * BatchNorm1d/2d/3d and `relu` a stock ReLU (or null, the functional relu), neither with hooks
 * or an overridden forward, so no one could see the batch norm's output.
 */
export function canFuseBatchNormReLU(bn: Module, relu: Module | null): boolean {
  return bn instanceof BatchNormBase && bn._unhookedForward() === BatchNormBase.prototype.forward && isPlainReLU(relu);
}

/**
 * relu.forward(bn.forward(x)) (relu null: F.relu), as one fused op when canFuseBatchNormReLU
 * allows: the same numbers, one activation tensor and two passes over memory fewer. For the
 * conv → BN → ReLU of custom blocks (nn.Sequential fuses such pairs by itself).
 * @example const h = nn.batchNormReLU(this.bn1, this.relu, this.conv1.forward(x));
 */
export function batchNormReLU(bn: Module, relu: Module | null, x: Tensor): Tensor {
  if (canFuseBatchNormReLU(bn, relu)) return (bn as BatchNormBase).forwardReLU(x);
  const y = bn.forward(x) as Tensor;
  return relu ? (relu.forward(y) as Tensor) : reluOp(y);
}

/**
 * Batch normalisation over a 2-d or 3-d input (torch.nn.BatchNorm1d): per feature,
 * y = (x − E[x]) / √(Var[x] + eps) · γ + β, with batch statistics in training (which also
 * update running_mean/running_var) and the running ones in evaluation.
 *
 * Args:
 *   numFeatures: C, the features of [N, C] or [N, C, L].
 *   options: eps (1e-5), momentum (0.1; null = cumulative average), affine (true), trackRunningStats (true).
 *
 * Shape: [N, C] or [N, C, L] → same.
 * State dict: weight, bias, running_mean, running_var, num_batches_tracked.
 *
 * Example:
 *   const bn = new nn.BatchNorm1d(100);
 *   bn.forward(randn([20, 100])).shape; // [20, 100]
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super("BatchNorm1d", numFeatures, options);
  }

  protected checkInputDim(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new Error(`BatchNorm1d: expected 2D or 3D input (got ${x.ndim}D input of shape [${x.shape.join(", ")}])`);
  }
}

/**
 * Batch normalisation over a 4-d input [N, C, H, W] (torch.nn.BatchNorm2d): statistics per
 * channel over N, H and W. Options and state as BatchNorm1d.
 *
 * Example:
 *   const bn = new nn.BatchNorm2d(16, { momentum: null });
 *   bn.forward(randn([8, 16, 5, 5])); // running stats now hold this batch's mean/var
 */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super("BatchNorm2d", numFeatures, options);
  }

  protected checkInputDim(x: Tensor): void {
    if (x.ndim !== 4) throw new Error(`BatchNorm2d: expected 4D input (got ${x.ndim}D input of shape [${x.shape.join(", ")}])`);
  }
}

/** Batch normalisation over a 5-d input [N, C, D, H, W] (torch.nn.BatchNorm3d); as BatchNorm2d. */
export class BatchNorm3d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super("BatchNorm3d", numFeatures, options);
  }

  protected checkInputDim(x: Tensor): void {
    if (x.ndim !== 5) throw new Error(`BatchNorm3d: expected 5D input (got ${x.ndim}D input of shape [${x.shape.join(", ")}])`);
  }
}

/**
 * Instance normalisation (torch.nn.InstanceNorm2d): each sample's channel normalised over its
 * own H×W. Defaults differ from BatchNorm: affine false, trackRunningStats false.
 *
 * Shape: [N, C, H, W] or [C, H, W] → same.
 *
 * Example:
 *   new nn.InstanceNorm2d(3).forward(randn([2, 3, 8, 8])); // each [8, 8] plane: mean 0, var 1
 */
export class InstanceNorm2d extends NormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super("InstanceNorm2d", numFeatures, options, false, false);
  }

  override forward(x: Tensor): Tensor {
    if (x.ndim !== 3 && x.ndim !== 4) throw new Error(`InstanceNorm2d: expected 3D or 4D input (got ${x.ndim}D input of shape [${x.shape.join(", ")}])`);
    if (x.ndim === 3) return this.forward(x.unsqueeze(0)).squeeze(0);
    if (x.shape[1] !== this.numFeatures && this.affine) {
      throw new Error(`InstanceNorm2d: expected input's size at dim=1 to match numFeatures (${this.numFeatures}), but got: ${x.shape[1]}`);
    }
    return instanceNorm(x, {
      runningMean: this.running_mean, runningVar: this.running_var, weight: this.weight, bias: this.bias,
      useInputStats: this.training || !this.trackRunningStats, momentum: this.momentum ?? 0.1, eps: this.eps,
    });
  }
}

/**
 * Layer normalisation over the trailing dims `normalizedShape` (torch.nn.LayerNorm): statistics
 * per sample, the same in training and evaluation.
 *
 * Args:
 *   normalizedShape: an int or the trailing shape to normalise over.
 *   options: eps (1e-5), elementwiseAffine (true: learn weight 1 / bias 0 of that shape), bias (true).
 *
 * Example:
 *   const ln = new nn.LayerNorm(10);
 *   ln.forward(randn([20, 5, 10])).shape; // [20, 5, 10]
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: { eps?: number; elementwiseAffine?: boolean; bias?: boolean; dtype?: DType } = {}) {
    super();
    const shape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
    shape.forEach((s) => intArg("LayerNorm", "normalizedShape", s, 1));
    this.normalizedShape = shape;
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    const dtype = floatDtype("LayerNorm", options.dtype);
    this.weight = this.elementwiseAffine ? ones_(newParam(shape, dtype)) as Parameter : null;
    this.bias = this.elementwiseAffine && (options.bias ?? true) ? zeros_(newParam(shape, dtype)) as Parameter : null;
  }

  override forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}

/**
 * Group normalisation (torch.nn.GroupNorm): channels split into numGroups groups, each
 * normalised per sample; per-channel affine weight 1 / bias 0.
 *
 * Args: numGroups, numChannels (divisible by numGroups), options: eps (1e-5), affine (true).
 * Shape: [N, C, *] → same.
 *
 * Example:
 *   new nn.GroupNorm(3, 6).forward(randn([20, 6, 10, 10])).shape; // [20, 6, 10, 10]
 */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(numGroups: number, numChannels: number, options: { eps?: number; affine?: boolean; dtype?: DType } = {}) {
    super();
    this.numGroups = intArg("GroupNorm", "numGroups", numGroups, 1);
    this.numChannels = intArg("GroupNorm", "numChannels", numChannels, 1);
    if (numChannels % numGroups !== 0) throw new Error(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    this.eps = options.eps ?? 1e-5;
    this.affine = options.affine ?? true;
    const dtype = floatDtype("GroupNorm", options.dtype);
    this.weight = this.affine ? ones_(newParam([numChannels], dtype)) as Parameter : null;
    this.bias = this.affine ? zeros_(newParam([numChannels], dtype)) as Parameter : null;
  }

  override forward(x: Tensor): Tensor {
    return groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`;
  }
}

/**
 * Local response normalisation across channels (torch.nn.LocalResponseNorm; AlexNet):
 * b_c = a_c / (k + α/n · Σ a_{c'}²)^β over the `size` neighbouring channels.
 *
 * Args: size, options: alpha (1e-4), beta (0.75), k (1).
 * Shape: [N, C, *] → same.
 *
 * Example:
 *   new nn.LocalResponseNorm(2).forward(randn([32, 5, 24, 24])).shape; // [32, 5, 24, 24]
 */
export class LocalResponseNorm extends Module {
  readonly size: number;
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;

  constructor(size: number, options: { alpha?: number; beta?: number; k?: number } = {}) {
    super();
    this.size = intArg("LocalResponseNorm", "size", size, 1);
    this.alpha = options.alpha ?? 1e-4;
    this.beta = options.beta ?? 0.75;
    this.k = options.k ?? 1;
  }

  override forward(x: Tensor): Tensor {
    return localResponseNorm(x, this.size, { alpha: this.alpha, beta: this.beta, k: this.k });
  }

  override extraRepr(): string {
    return `${this.size}, alpha=${pyFloat(this.alpha)}, beta=${pyFloat(this.beta)}, k=${pyFloat(this.k)}`;
  }
}
