// AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, p ← p·(1 − lr·wd) before the
// Adam step, instead of adding wd·p to the gradient. Shares Adam's update (adam.ts).

import { Optimizer, type ParamGroup, type Params } from "./optimizer.js";
import { type AdamGroupOptions, type AdamOptions, adamUpdate, validateAdam } from "./adam.js";
import { resolveOptions } from "./util.js";

export type AdamWOptions = AdamOptions;

/**
 * AdamW; options as Adam's, but weightDecay defaults to 1e-2 and is decoupled.
 *
 * @example
 * const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 });
 */
export class AdamW extends Optimizer<AdamGroupOptions> {
  constructor(params: Params<AdamGroupOptions>, options: AdamWOptions = {}) {
    const defaults = resolveOptions("AdamW", options, {
      lr: 1e-3, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false,
    });
    super("AdamW", params, defaults, { pytorchOnly: { foreach: null, capturable: false } });
  }

  protected override validate(o: Partial<AdamGroupOptions>): void {
    validateAdam(this.name, o);
  }

  protected override updateGroup(group: ParamGroup<AdamGroupOptions>): void {
    adamUpdate(this.name, group, (p) => this.stateOf(p), true);
  }
}
