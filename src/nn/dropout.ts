// Dropout layers: Dropout and Dropout2d (torch.nn.Dropout / Dropout2d). Active only in training
// mode; eval() makes them the identity.

import type { Tensor } from "../tensor/tensor.js";
import { dropout, dropout2d } from "../ops/dropout.js";
import { Module } from "./module.js";
import { inplaceArg, probArg } from "./util.js";
import { pyBool, pyFloat } from "./repr.js";

abstract class DropoutBase extends Module {
  readonly p: number;
  /** Accepted for PyTorch compatibility and printed; the result is computed out of place. */
  readonly inplace: boolean;

  constructor(layer: string, p: number, options: boolean | { inplace?: boolean }) {
    super();
    this.p = probArg(layer, p);
    this.inplace = inplaceArg(options);
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyBool(this.inplace)}`;
  }
}

/**
 * Inverted dropout (torch.nn.Dropout): in training, zero each element with probability p and
 * scale the rest by 1/(1 − p), so evaluation needs no rescaling; identity in eval mode.
 *
 * Args: p (0.5), options.inplace (false; accepted, computed out of place).
 * Shape: any → same.
 *
 * Example:
 *   const drop = new nn.Dropout(0.2);
 *   drop.forward(randn([20, 16])); // ~20% zeros, the rest ×1.25
 *   drop.eval().forward(x) === x;  // true
 */
export class Dropout extends DropoutBase {
  constructor(p = 0.5, options: boolean | { inplace?: boolean } = {}) {
    super("Dropout", p, options);
  }

  override forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
}

/**
 * Channel dropout (torch.nn.Dropout2d): zero whole feature maps [H, W] with probability p
 * (scaling the rest by 1/(1 − p)), for convolutional features whose neighbours are correlated.
 *
 * Args: p (0.5), options.inplace (false).
 * Shape: [N, C, H, W] or [C, H, W] → same.
 *
 * Example:
 *   new nn.Dropout2d(0.2).forward(randn([20, 16, 32, 32]));
 */
export class Dropout2d extends DropoutBase {
  constructor(p = 0.5, options: boolean | { inplace?: boolean } = {}) {
    super("Dropout2d", p, options);
  }

  override forward(x: Tensor): Tensor {
    return dropout2d(x, this.p, this.training);
  }
}
