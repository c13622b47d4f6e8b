// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum, L2 weight
// decay and maximization: PyTorch 1.13's _single_tensor_sgd, element by element in the same
// arithmetic order, written straight into the parameters' storage.

import type { Tensor } from "../tensor/tensor.js";
import { Optimizer, type ParamGroup, type Params, nonNegative } from "./optimizer.js";
import { buffer, gradData, resolveOptions, zerosLike } from "./util.js";

export interface SGDOptions {
  /** Learning rate (required). */
  lr: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Dampening for momentum (default 0). */
  dampening?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

export type SGDGroupOptions = Required<SGDOptions>;

/**
 * SGD, PyTorch's variant: with momentum μ the buffer is b ← μ·b + (1−dampening)·g (b = g on
 * the first step) and p ← p − lr·b (Nesterov: p ← p − lr·(g + μ·b)).
 *
 * @example
 * const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * opt.zeroGrad(); lossFn(model.forward(x), y).backward(); opt.step();
 */
export class SGD extends Optimizer<SGDGroupOptions> {
  constructor(params: Params<SGDGroupOptions>, options: SGDOptions) {
    const defaults = resolveOptions("SGD", options, {
      lr: undefined as unknown as number, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false,
    });
    super("SGD", params, defaults, { required: ["lr"], pytorchOnly: { foreach: null, differentiable: false } });
  }

  protected override validate(o: Partial<SGDGroupOptions>): void {
    nonNegative(this.name, "lr", o.lr, "learning rate");
    nonNegative(this.name, "momentum", o.momentum);
    nonNegative(this.name, "weight_decay", o.weightDecay);
    if (o.nesterov && ((o.momentum ?? 0) <= 0 || (o.dampening ?? 0) !== 0)) {
      this.check(false, `Nesterov momentum requires a momentum and zero dampening; got momentum ${o.momentum ?? 0}, dampening ${o.dampening ?? 0}`);
    }
  }

  protected override updateGroup(group: ParamGroup<SGDGroupOptions>): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    for (const p of group.params) {
      if (p.grad === null) continue;
      const g = gradData(this.name, p);
      const w = p.storage, o = p.offset, n = p.size;
      const state = this.stateOf(p);
      if (momentum === 0) {
        for (let i = 0; i < n; i++) {
          let d = maximize ? -g[i] : g[i];
          if (weightDecay !== 0) d = d + weightDecay * w[o + i];
          w[o + i] = w[o + i] + -lr * d;
        }
        state.momentum_buffer = (state.momentum_buffer as Tensor | undefined) ?? null;
      } else {
        let buf = buffer(this.name, state, "momentum_buffer", n);
        const first = buf === undefined;
        if (buf === undefined) buf = zerosLike(p);
        const b = buf.storage, bo = buf.offset;
        for (let i = 0; i < n; i++) {
          let d = maximize ? -g[i] : g[i];
          if (weightDecay !== 0) d = d + weightDecay * w[o + i];
          // First step: the buffer is a copy of the (decayed) gradient, no dampening.
          b[bo + i] = first ? d : b[bo + i] * momentum + (1 - dampening) * d;
          d = nesterov ? d + momentum * b[bo + i] : b[bo + i];
          w[o + i] = w[o + i] + -lr * d;
        }
        buf._version.v++;
        state.momentum_buffer = buf;
      }
      p._version.v++;
    }
  }
}
