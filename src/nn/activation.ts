// Activation layers: thin modules over the F activations, with PyTorch's options and reprs.
// `inplace` is accepted and printed like PyTorch (so ported model reprs match) but results are
// always computed out of place, which gives the same numbers.

import type { Tensor } from "../tensor/tensor.js";
import type { DType } from "../tensor/dtype.js";
import { relu, addReLU as addReLUOp, add, sigmoid, tanh } from "../ops/elementwise.js";
import {
  celu, elu, gelu, hardtanh, leakyRelu, logSigmoid, logSoftmax, maxout, mish, prelu, relu6, selu, silu, softmax, softplus,
} from "../ops/activation.js";
import { Module } from "./module.js";
import type { Parameter } from "./parameter.js";
import { constant_ } from "./init.js";
import { floatDtype, inplaceArg, intArg, newParam } from "./util.js";
import { pyFloat } from "./repr.js";

type InplaceOpt = boolean | { inplace?: boolean };

/** Base of the activations that only carry PyTorch's inplace flag. */
abstract class InplaceActivation extends Module {
  /** Accepted for compatibility and printed; computed out of place. */
  readonly inplace: boolean;

  constructor(inplace: InplaceOpt = {}) {
    super();
    this.inplace = inplaceArg(inplace);
  }

  protected inplaceSuffix(sep: string): string {
    return this.inplace ? `${sep}inplace=True` : "";
  }

  override extraRepr(): string {
    return this.inplaceSuffix("");
  }
}

/**
 * max(0, x) elementwise (torch.nn.ReLU).
 * Args: options.inplace (false). Shape: any → same.
 * Example: new nn.ReLU().forward(tensor([-1, 2])); // [0, 2]
 */
export class ReLU extends InplaceActivation {
  override forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/**
 * True for null (the functional relu) and for a stock nn.ReLU without hooks or an overridden
 * forward: a caller may then fuse the ReLU into the op before it (no one could tell).
 */
export function isPlainReLU(m: Module | null): boolean {
  return m === null || (m instanceof ReLU && m._unhookedForward() === ReLU.prototype.forward);
}

/**
 * relu.forward(a.add(b)) (relu null: F.relu), as one op (F.addReLU) when isPlainReLU(relu): a
 * residual block's sum and activation in one pass, one tensor fewer, the same numbers.
 * @example return nn.addReLU(out, this.shortcut.forward(x), this.relu);
 */
export function addReLU(a: Tensor, b: Tensor, relu: Module | null = null): Tensor {
  if (isPlainReLU(relu)) return addReLUOp(a, b);
  return relu!.forward(add(a, b)) as Tensor;
}

/**
 * x for x ≥ 0, negativeSlope·x otherwise (torch.nn.LeakyReLU).
 * Args: negativeSlope (0.01), options.inplace. Shape: any → same.
 * Example: new nn.LeakyReLU(0.1).forward(tensor([-1, 2])); // [-0.1, 2]
 */
export class LeakyReLU extends InplaceActivation {
  readonly negativeSlope: number;

  constructor(negativeSlope = 0.01, options: InplaceOpt = {}) {
    super(options);
    this.negativeSlope = negativeSlope;
  }

  override forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}${this.inplaceSuffix(", ")}`;
  }
}

/**
 * Parametric ReLU (torch.nn.PReLU): x for x ≥ 0, a·x otherwise with a learned slope a, one
 * shared (numParameters 1) or one per channel (numParameters = C, channel dim 1).
 * Args: numParameters (1), options.init (0.25), options.dtype.
 * Shape: any → same. State dict: weight [numParameters].
 * Example: new nn.PReLU(16).forward(randn([2, 16, 8, 8]));
 */
export class PReLU extends Module {
  // The count is weight.shape[0] (not stored: Module.numParameters() is the parameter-count helper).
  weight: Parameter;

  constructor(numParameters = 1, options: { init?: number; dtype?: DType } = {}) {
    super();
    intArg("PReLU", "numParameters", numParameters, 1);
    this.weight = constant_(newParam([numParameters], floatDtype("PReLU", options.dtype)), options.init ?? 0.25) as Parameter;
  }

  override forward(x: Tensor): Tensor {
    return prelu(x, this.weight);
  }

  override extraRepr(): string {
    return `num_parameters=${this.weight.shape[0]}`;
  }
}

/**
 * x for x > 0, alpha·(exp(x) − 1) otherwise (torch.nn.ELU).
 * Args: alpha (1), options.inplace. Shape: any → same.
 * Example: new nn.ELU().forward(randn([4]));
 */
export class ELU extends InplaceActivation {
  readonly alpha: number;

  constructor(alpha = 1, options: InplaceOpt = {}) {
    super(options);
    this.alpha = alpha;
  }

  override forward(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }

  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}${this.inplaceSuffix(", ")}`;
  }
}

/**
 * max(0, x) + min(0, alpha·(exp(x/alpha) − 1)) (torch.nn.CELU).
 * Args: alpha (1), options.inplace. Shape: any → same.
 */
export class CELU extends ELU {
  override forward(x: Tensor): Tensor {
    return celu(x, this.alpha);
  }
}

/** Self-normalising ELU (torch.nn.SELU). Shape: any → same. */
export class SELU extends InplaceActivation {
  override forward(x: Tensor): Tensor {
    return selu(x);
  }
}

/**
 * Clamp into [minVal, maxVal] (torch.nn.Hardtanh).
 * Args: minVal (−1), maxVal (1), options.inplace. Shape: any → same.
 */
export class Hardtanh extends InplaceActivation {
  readonly minVal: number;
  readonly maxVal: number;

  constructor(minVal = -1, maxVal = 1, options: InplaceOpt = {}) {
    super(options);
    if (!(maxVal > minVal)) throw new Error(`Hardtanh: maxVal (${maxVal}) must be greater than minVal (${minVal})`);
    this.minVal = minVal;
    this.maxVal = maxVal;
  }

  override forward(x: Tensor): Tensor {
    return hardtanh(x, this.minVal, this.maxVal);
  }

  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}${this.inplaceSuffix(", ")}`;
  }
}

/** min(max(0, x), 6) (torch.nn.ReLU6). Shape: any → same. */
export class ReLU6 extends InplaceActivation {
  override forward(x: Tensor): Tensor {
    return relu6(x);
  }
}

/** 1 / (1 + exp(−x)) (torch.nn.Sigmoid). Shape: any → same. */
export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** Hyperbolic tangent (torch.nn.Tanh). Shape: any → same. */
export class Tanh extends Module {
  override forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** log(sigmoid(x)), computed stably (torch.nn.LogSigmoid). Shape: any → same. */
export class LogSigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return logSigmoid(x);
  }
}

/** x·sigmoid(x), a.k.a. swish (torch.nn.SiLU). Shape: any → same. */
export class SiLU extends InplaceActivation {
  override forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** x·tanh(softplus(x)) (torch.nn.Mish). Shape: any → same. */
export class Mish extends InplaceActivation {
  override forward(x: Tensor): Tensor {
    return mish(x);
  }
}

/**
 * x·Φ(x) (torch.nn.GELU); options.approximate "tanh" uses the tanh approximation.
 * Shape: any → same.
 */
export class GELU extends Module {
  readonly approximate: "none" | "tanh";

  constructor(options: { approximate?: "none" | "tanh" } = {}) {
    super();
    const a = options.approximate ?? "none";
    if (a !== "none" && a !== "tanh") throw new Error(`GELU: approximate must be "none" or "tanh", got ${JSON.stringify(a)}`);
    this.approximate = a;
  }

  override forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/**
 * log(1 + exp(beta·x)) / beta, linear above threshold (torch.nn.Softplus).
 * Args: beta (1), threshold (20). Shape: any → same.
 */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;

  constructor(beta = 1, threshold = 20) {
    super();
    this.beta = beta;
    this.threshold = threshold;
  }

  override forward(x: Tensor): Tensor {
    return softplus(x, this.beta, this.threshold);
  }

  override extraRepr(): string {
    return `beta=${pyFloat(this.beta)}, threshold=${pyFloat(this.threshold)}`;
  }
}

/** PyTorch's implicit softmax dim (deprecated there): 0 for 0-, 1- and 3-d inputs, else 1. */
function implicitDim(ndim: number): number {
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

/**
 * exp(x_i) / Σ_j exp(x_j) along dim (torch.nn.Softmax).
 * Args: dim (null picks PyTorch's legacy implicit dim; pass it explicitly).
 * Shape: any → same.
 * Example: new nn.Softmax(1).forward(randn([2, 3])).sum(1); // [1, 1]
 */
export class Softmax extends Module {
  readonly dim: number | null;

  constructor(dim: number | null = null) {
    super();
    this.dim = dim;
  }

  override forward(x: Tensor): Tensor {
    return softmax(x, this.dim ?? implicitDim(x.ndim));
  }

  override extraRepr(): string {
    return `dim=${this.dim ?? "None"}`;
  }
}

/**
 * log(softmax(x)) along dim, computed stably (torch.nn.LogSoftmax); pair with NLLLoss.
 * Args: dim. Shape: any → same.
 */
export class LogSoftmax extends Softmax {
  override forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim ?? implicitDim(x.ndim));
  }
}

/**
 * Maxout (Goodfellow et al.; not in torch.nn): split dim `dim` (C channels) into C/pieces groups
 * of `pieces` consecutive channels and keep each group's max. Usually follows a Linear or Conv2d
 * with pieces× the wanted outputs.
 * Args: pieces, dim (1). Shape: [N, C, *] → [N, C/pieces, *].
 * Example: new nn.Maxout(2).forward(randn([4, 10])).shape; // [4, 5]
 */
export class Maxout extends Module {
  readonly pieces: number;
  readonly dim: number;

  constructor(pieces: number, dim = 1) {
    super();
    this.pieces = intArg("Maxout", "pieces", pieces, 1);
    this.dim = intArg("Maxout", "dim", dim, -Infinity);
  }

  override forward(x: Tensor): Tensor {
    return maxout(x, this.pieces, this.dim);
  }

  override extraRepr(): string {
    return `pieces=${this.pieces}${this.dim !== 1 ? `, dim=${this.dim}` : ""}`;
  }
}
