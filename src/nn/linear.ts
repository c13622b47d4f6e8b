// Linear: the fully connected layer (torch.nn.Linear).

import type { Tensor } from "../tensor/tensor.js";
import type { DType } from "../tensor/dtype.js";
import { linear } from "../ops/matmul.js";
import { Module } from "./module.js";
import type { Parameter } from "./parameter.js";
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from "./init.js";
import { floatDtype, intArg, newParam } from "./util.js";
import { pyBool } from "./repr.js";

export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: DType;
}

/**
 * PyTorch's default init for Linear and Conv weights/biases: weight ~ kaiming_uniform(a=√5)
 * (that is U(±1/√fan_in)), bias ~ U(±1/√fan_in).
 * @internal
 */
export function resetLinearLike(weight: Parameter, bias: Parameter | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias) {
    const { fanIn } = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}

/**
 * Applies an affine map y = x·Wᵀ + b (torch.nn.Linear).
 *
 * Args:
 *   inFeatures: size of each input sample.
 *   outFeatures: size of each output sample.
 *   options.bias: learn an additive bias (default true).
 *
 * Shape: input [*, inFeatures] → output [*, outFeatures].
 *
 * Attributes: weight [outFeatures, inFeatures], bias [outFeatures] (or null), both initialised
 * U(−1/√inFeatures, 1/√inFeatures).
 *
 * Example:
 *   const fc = new nn.Linear(20, 30);
 *   fc.forward(randn([128, 20])).shape; // [128, 30]
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    this.inFeatures = intArg("Linear", "inFeatures", inFeatures);
    this.outFeatures = intArg("Linear", "outFeatures", outFeatures);
    const dtype = floatDtype("Linear", options.dtype);
    this.weight = newParam([outFeatures, inFeatures], dtype);
    this.bias = options.bias ?? true ? newParam([outFeatures], dtype) : null;
    this.resetParameters();
  }

  /** Re-draw weight and bias with PyTorch's default initialisation. */
  resetParameters(): void {
    resetLinearLike(this.weight, this.bias);
  }

  override forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}
