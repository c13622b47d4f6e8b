// Adagrad (Duchi et al.): per-element learning rates from the running sum of squared gradients.
// PyTorch 1.13's _single_tensor_adagrad element by element:
//   clr = lr / (1 + (t−1)·lrDecay),  sum ← sum + g·g,  p ← p − clr · g / (√sum + eps).

import { Tensor } from "../tensor/tensor.js";
import { Optimizer, type ParamGroup, type ParamGroupInput, type Params, nonNegative } from "./optimizer.js";
import { buffer, gradData, num, resolveOptions, stepTensor, zerosLike } from "./util.js";

export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Learning-rate decay per step (default 0). */
  lrDecay?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Starting value of the squared-gradient sums (default 0). */
  initialAccumulatorValue?: number;
  /** Added to the denominator for stability (default 1e-10). */
  eps?: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

export type AdagradGroupOptions = Required<AdagradOptions>;

/**
 * Adagrad. Like PyTorch, its state (step, sum) exists from construction on.
 *
 * @example
 * const opt = new optim.Adagrad(model.parameters(), { lr: 0.01 });
 */
export class Adagrad extends Optimizer<AdagradGroupOptions> {
  constructor(params: Params<AdagradGroupOptions>, options: AdagradOptions = {}) {
    const defaults = resolveOptions("Adagrad", options, {
      lr: 1e-2, lrDecay: 0, eps: 1e-10, weightDecay: 0, initialAccumulatorValue: 0, maximize: false,
    });
    super("Adagrad", params, defaults, { pytorchOnly: { foreach: null } });
  }

  protected override validate(o: Partial<AdagradGroupOptions>): void {
    nonNegative(this.name, "lr", o.lr, "learning rate");
    nonNegative(this.name, "lr_decay", o.lrDecay);
    nonNegative(this.name, "weight_decay", o.weightDecay);
    nonNegative(this.name, "initial_accumulator_value", o.initialAccumulatorValue);
    nonNegative(this.name, "eps", o.eps, "epsilon value");
  }

  override addParamGroup(group: ParamGroupInput<AdagradGroupOptions>): void {
    super.addParamGroup(group);
    const added = this.paramGroups[this.paramGroups.length - 1];
    for (const p of added.params) this.initState(p, added.initialAccumulatorValue);
  }

  private initState(p: Tensor, initial: number): void {
    const state = this.stateOf(p);
    state.step = stepTensor(0);
    const sum = zerosLike(p);
    sum.storage.fill(initial);
    state.sum = sum;
  }

  protected override updateGroup(group: ParamGroup<AdagradGroupOptions>): void {
    const { lr, lrDecay, eps, weightDecay, maximize } = group;
    for (const p of group.params) {
      if (p.grad === null) continue;
      const g = gradData(this.name, p);
      const w = p.storage, o = p.offset, n = p.size;
      const state = this.stateOf(p);
      if (state.sum === undefined) this.initState(p, group.initialAccumulatorValue);
      if (!(state.step instanceof Tensor)) state.step = stepTensor(num(state.step ?? 0)); // older checkpoints
      const stepT = state.step;
      stepT.storage[stepT.offset] += 1;
      stepT._version.v++;
      const step = stepT.storage[stepT.offset];
      const clr = lr / (1 + (step - 1) * lrDecay);
      const sT = buffer(this.name, state, "sum", n)!;
      const s = sT.storage, so = sT.offset;
      for (let i = 0; i < n; i++) {
        let gi = maximize ? -g[i] : g[i];
        if (weightDecay !== 0) gi = gi + weightDecay * w[o + i];
        s[so + i] = s[so + i] + gi * gi;
        const std = Math.sqrt(s[so + i]) + eps;
        w[o + i] = w[o + i] + (-clr * gi) / std;
      }
      sT._version.v++;
      p._version.v++;
    }
  }
}
