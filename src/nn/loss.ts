// Loss modules: thin wrappers over the F losses holding their options (torch.nn.*Loss).
// Class weights are registered as buffers named like PyTorch's (weight, pos_weight), so they
// move with to(dtype) and appear in the state dict.

import { Tensor } from "../tensor/tensor.js";
import {
  binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, huberLoss, klDiv, l1Loss, mseLoss, multiMarginLoss, nllLoss,
  smoothL1Loss, type Reduction,
} from "../ops/loss.js";
import { Module } from "./module.js";

function checkReduction(layer: string, r: unknown): Reduction {
  if (r !== "mean" && r !== "sum" && r !== "none") throw new Error(`${layer}: ${JSON.stringify(r)} is not a valid value for reduction; expected "mean", "sum" or "none"`);
  return r;
}

function optTensor(layer: string, name: string, t: unknown): Tensor | null {
  if (t === undefined || t === null) return null;
  if (!(t instanceof Tensor)) throw new Error(`${layer}: ${name} must be a Tensor, got ${typeof t}`);
  return t;
}

/** Base of the losses: holds `reduction` ("mean" | "sum" | "none"). */
abstract class Loss extends Module {
  readonly reduction: Reduction;

  constructor(reduction: Reduction | undefined) {
    super();
    this.reduction = checkReduction(new.target.name, reduction ?? "mean");
  }

  abstract override forward(input: Tensor, target: Tensor): Tensor;
}

/** Base of the losses with a per-class weight buffer. */
abstract class WeightedLoss extends Loss {
  declare weight: Tensor | null;

  constructor(weight: Tensor | null | undefined, reduction: Reduction | undefined) {
    super(reduction);
    this.registerBuffer("weight", optTensor(new.target.name, "weight", weight));
  }
}

/**
 * Cross-entropy between logits and class indices (or class probabilities)
 * (torch.nn.CrossEntropyLoss) = LogSoftmax + NLLLoss, the softmax classifier's loss.
 *
 * Args (options): weight (per-class [C]), ignoreIndex (−100), reduction ("mean"), labelSmoothing (0).
 * Shape: input [N, C] (or [N, C, d1, ...], or [C]); target int32 [N] (or [N, d1, ...]), or
 *   probabilities of the input's shape. Output: scalar, or [N] with reduction "none".
 *
 * Example:
 *   const loss = new nn.CrossEntropyLoss();
 *   loss.forward(randn([3, 5], { requiresGrad: true }), tensor([1, 0, 4], { dtype: "int32" })).backward();
 */
export class CrossEntropyLoss extends WeightedLoss {
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;

  constructor(options: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction; labelSmoothing?: number } = {}) {
    super(options.weight, options.reduction);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
    if (!(this.labelSmoothing >= 0 && this.labelSmoothing <= 1)) {
      throw new Error(`CrossEntropyLoss: labelSmoothing must be between 0.0 and 1.0, got ${options.labelSmoothing}`);
    }
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, {
      weight: this.weight ?? undefined, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing,
    });
  }
}

/**
 * Negative log-likelihood of log-probabilities (torch.nn.NLLLoss); pair with LogSoftmax.
 * Args (options): weight, ignoreIndex (−100), reduction. Shape as CrossEntropyLoss (indices only).
 * Example: new nn.NLLLoss().forward(new nn.LogSoftmax(1).forward(x), labels);
 */
export class NLLLoss extends WeightedLoss {
  readonly ignoreIndex: number;

  constructor(options: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction } = {}) {
    super(options.weight, options.reduction);
    this.ignoreIndex = options.ignoreIndex ?? -100;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, { weight: this.weight ?? undefined, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/**
 * Multiclass hinge loss, the multiclass SVM loss (torch.nn.MultiMarginLoss):
 * Σ_{j≠y} max(0, margin − x[y] + x[j])^p / C per sample.
 * Args (options): p (1 or 2), margin (1), weight ([C]), reduction.
 * Shape: input [N, C] or [C], target int32 [N] or 0-d.
 * Example: new nn.MultiMarginLoss().forward(scores, labels);
 */
export class MultiMarginLoss extends WeightedLoss {
  readonly p: 1 | 2;
  readonly margin: number;

  constructor(options: { p?: 1 | 2; margin?: number; weight?: Tensor | null; reduction?: Reduction } = {}) {
    super(options.weight, options.reduction);
    const p = options.p ?? 1;
    if (p !== 1 && p !== 2) throw new Error(`MultiMarginLoss: only p == 1 and p == 2 supported, got ${p}`);
    if (this.weight && this.weight.ndim !== 1) throw new Error(`MultiMarginLoss: weight must be 1-d [C], got ${this.weight.ndim}-d`);
    this.p = p;
    this.margin = options.margin ?? 1;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return multiMarginLoss(input, target, { p: this.p, margin: this.margin, weight: this.weight ?? undefined, reduction: this.reduction });
  }
}

/**
 * Mean squared error (torch.nn.MSELoss). Args: options.reduction.
 * Shape: input and target of the same shape. Example: new nn.MSELoss().forward(pred, y);
 */
export class MSELoss extends Loss {
  constructor(options: { reduction?: Reduction } = {}) {
    super(options.reduction);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}

/** Mean absolute error (torch.nn.L1Loss). Args: options.reduction. Shape: same shapes. */
export class L1Loss extends Loss {
  constructor(options: { reduction?: Reduction } = {}) {
    super(options.reduction);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, { reduction: this.reduction });
  }
}

/**
 * Squared error below beta, absolute error above (torch.nn.SmoothL1Loss; Fast R-CNN's box loss).
 * Args (options): reduction, beta (1). Shape: same shapes.
 */
export class SmoothL1Loss extends Loss {
  readonly beta: number;

  constructor(options: { reduction?: Reduction; beta?: number } = {}) {
    super(options.reduction);
    this.beta = options.beta ?? 1;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** Huber loss (torch.nn.HuberLoss) = delta·SmoothL1Loss(beta = delta). Args (options): reduction, delta (1). */
export class HuberLoss extends Loss {
  readonly delta: number;

  constructor(options: { reduction?: Reduction; delta?: number } = {}) {
    super(options.reduction);
    this.delta = options.delta ?? 1;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/**
 * Binary cross-entropy of probabilities (torch.nn.BCELoss); prefer BCEWithLogitsLoss on raw scores.
 * Args (options): weight (broadcast to the input), reduction. Shape: input and target the same, in [0, 1].
 */
export class BCELoss extends WeightedLoss {
  constructor(options: { weight?: Tensor | null; reduction?: Reduction } = {}) {
    super(options.weight, options.reduction);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, { weight: this.weight ?? undefined, reduction: this.reduction });
  }
}

/**
 * Sigmoid + binary cross-entropy in one stable step (torch.nn.BCEWithLogitsLoss).
 * Args (options): weight, reduction, posWeight (weight of positives, e.g. [C] for multi-label).
 * Shape: input and target the same. State dict: weight, pos_weight (when given).
 * Example: new nn.BCEWithLogitsLoss({ posWeight: full([64], 3) }).forward(logits, targets);
 */
export class BCEWithLogitsLoss extends WeightedLoss {
  declare pos_weight: Tensor | null;

  constructor(options: { weight?: Tensor | null; reduction?: Reduction; posWeight?: Tensor | null } = {}) {
    super(options.weight, options.reduction);
    this.registerBuffer("pos_weight", optTensor("BCEWithLogitsLoss", "posWeight", options.posWeight));
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, {
      weight: this.weight ?? undefined, posWeight: this.pos_weight ?? undefined, reduction: this.reduction,
    });
  }
}

/**
 * Kullback-Leibler divergence of log-probabilities from a target distribution (torch.nn.KLDivLoss).
 * Args (options): reduction ("mean"; "batchmean" is the true KL), logTarget (false).
 */
export class KLDivLoss extends Module {
  readonly reduction: Reduction | "batchmean";
  readonly logTarget: boolean;

  constructor(options: { reduction?: Reduction | "batchmean"; logTarget?: boolean } = {}) {
    super();
    const r = options.reduction ?? "mean";
    this.reduction = r === "batchmean" ? r : checkReduction("KLDivLoss", r);
    this.logTarget = options.logTarget ?? false;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}
