// RMSprop (Hinton's lecture 6e): divide the gradient by a running RMS of recent gradients.
// PyTorch 1.13's _single_tensor_rmsprop element by element:
//   sq ← α·sq + (1−α)·g·g;  centered: ga ← α·ga + (1−α)·g, avg = √(sq − ga·ga), else avg = √sq;
//   avg += eps;  momentum: b ← μ·b + g/avg, p ← p − lr·b;  else p ← p − lr·g/avg.

import { Optimizer, type ParamGroup, type Params, nonNegative } from "./optimizer.js";
import { buffer, gradData, resolveOptions, zerosLike } from "./util.js";

export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha?: number;
  /** Added to the denominator for stability (default 1e-8). */
  eps?: number;
  /** Normalize by the estimated variance of the gradient instead of its second moment (default false). */
  centered?: boolean;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

export type RMSpropGroupOptions = Required<RMSpropOptions>;

/**
 * RMSprop. State: step (a number, as in PyTorch), square_avg, momentum_buffer (momentum > 0),
 * grad_avg (centered).
 *
 * @example
 * const opt = new optim.RMSprop(model.parameters(), { lr: 1e-3, alpha: 0.9 });
 */
export class RMSprop extends Optimizer<RMSpropGroupOptions> {
  constructor(params: Params<RMSpropGroupOptions>, options: RMSpropOptions = {}) {
    const defaults = resolveOptions("RMSprop", options, {
      lr: 1e-2, momentum: 0, alpha: 0.99, eps: 1e-8, centered: false, weightDecay: 0, maximize: false,
    });
    super("RMSprop", params, defaults, { pytorchOnly: { foreach: null, differentiable: false } });
  }

  protected override validate(o: Partial<RMSpropGroupOptions>): void {
    nonNegative(this.name, "lr", o.lr, "learning rate");
    nonNegative(this.name, "eps", o.eps, "epsilon value");
    nonNegative(this.name, "momentum", o.momentum);
    nonNegative(this.name, "weight_decay", o.weightDecay);
    nonNegative(this.name, "alpha", o.alpha);
  }

  protected override updateGroup(group: ParamGroup<RMSpropGroupOptions>): void {
    const { lr, momentum, alpha, eps, centered, weightDecay, maximize } = group;
    for (const p of group.params) {
      if (p.grad === null) continue;
      const g = gradData(this.name, p);
      const w = p.storage, o = p.offset, n = p.size;
      const state = this.stateOf(p);
      if (Object.keys(state).length === 0) {
        state.step = 0;
        state.square_avg = zerosLike(p);
        if (momentum > 0) state.momentum_buffer = zerosLike(p);
        if (centered) state.grad_avg = zerosLike(p);
      }
      state.step = (state.step as number) + 1;
      const sqT = buffer(this.name, state, "square_avg", n)!;
      const bufT = momentum > 0 ? buffer(this.name, state, "momentum_buffer", n) : undefined;
      const gaT = centered ? buffer(this.name, state, "grad_avg", n) : undefined;
      if (momentum > 0 && bufT === undefined) throw new Error(`${this.name}.step: momentum > 0 but the state has no momentum_buffer (it was created with momentum 0)`);
      if (centered && gaT === undefined) throw new Error(`${this.name}.step: centered is on but the state has no grad_avg (it was created with centered false)`);
      const sq = sqT.storage, sqo = sqT.offset;
      const b = bufT?.storage, bo = bufT?.offset ?? 0;
      const ga = gaT?.storage, gao = gaT?.offset ?? 0;
      for (let i = 0; i < n; i++) {
        let gi = maximize ? -g[i] : g[i];
        if (weightDecay !== 0) gi = gi + weightDecay * w[o + i];
        sq[sqo + i] = sq[sqo + i] * alpha + (1 - alpha) * gi * gi;
        let avg: number;
        if (ga !== undefined) {
          ga[gao + i] = ga[gao + i] * alpha + (1 - alpha) * gi;
          avg = Math.sqrt(sq[sqo + i] + -1 * ga[gao + i] * ga[gao + i]);
        } else {
          avg = Math.sqrt(sq[sqo + i]);
        }
        avg = avg + eps;
        if (b !== undefined) {
          b[bo + i] = b[bo + i] * momentum + gi / avg;
          w[o + i] = w[o + i] + -lr * b[bo + i];
        } else {
          w[o + i] = w[o + i] + (-lr * gi) / avg;
        }
      }
      sqT._version.v++;
      if (bufT) bufT._version.v++;
      if (gaT) gaT._version.v++;
      p._version.v++;
    }
  }
}
