// Adam (and the shared update AdamW uses): PyTorch 1.13's _single_tensor_adam / _adamw element
// by element in the same arithmetic order, so float64 runs match PyTorch to ~1e-15:
//   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g·g,
//   denom = √v / √(1−β2^t) + eps,  p ← p − (lr / (1−β1^t)) · m / denom.

import { Tensor } from "../tensor/tensor.js";
import { Optimizer, type ParamGroup, type ParamState, type Params, nonNegative } from "./optimizer.js";
import { buffer, gradData, num, resolveOptions, stepTensor, zerosLike } from "./util.js";

export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the first and second moment averages (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (Adam, default 0) or decoupled decay (AdamW, default 1e-2). */
  weightDecay?: number;
  /** Use the maximum of past second moments (AMSGrad; default false). */
  amsgrad?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

export type AdamGroupOptions = Required<AdamOptions>;

/** Checks shared by Adam and AdamW, with PyTorch's messages. */
export function validateAdam(name: string, o: Partial<AdamGroupOptions>): void {
  nonNegative(name, "lr", o.lr, "learning rate");
  nonNegative(name, "eps", o.eps, "epsilon value");
  if (o.betas !== undefined) {
    if (!Array.isArray(o.betas) || o.betas.length !== 2) throw new Error(`${name}: betas must be a pair [beta1, beta2], got ${JSON.stringify(o.betas)}`);
    o.betas.forEach((b, i) => {
      if (!(b >= 0 && b < 1)) throw new Error(`${name}: Invalid beta parameter at index ${i}: ${b} (expected 0 <= beta < 1)`);
    });
  }
  nonNegative(name, "weight_decay", o.weightDecay);
}

/**
 * One Adam/AdamW update of a group (decoupled: AdamW's p ← p·(1 − lr·wd) instead of adding
 * wd·p to the gradient). State: step (0-d float32 tensor, as PyTorch), exp_avg, exp_avg_sq,
 * max_exp_avg_sq (amsgrad).
 */
export function adamUpdate(name: string, group: ParamGroup<AdamGroupOptions>, stateOf: (p: Tensor) => ParamState, decoupled: boolean): void {
  const { lr, eps, weightDecay, amsgrad, maximize } = group;
  const [beta1, beta2] = group.betas;
  for (const p of group.params) {
    if (p.grad === null) continue;
    const g = gradData(name, p);
    const w = p.storage, o = p.offset, n = p.size;
    const state = stateOf(p);
    if (Object.keys(state).length === 0) {
      state.step = stepTensor(0);
      state.exp_avg = zerosLike(p);
      state.exp_avg_sq = zerosLike(p);
      if (amsgrad) state.max_exp_avg_sq = zerosLike(p);
    }
    // Older PyTorch checkpoints keep step as a plain number; 1.13 converts it to a tensor too.
    if (!(state.step instanceof Tensor)) state.step = stepTensor(num(state.step ?? 0));
    const stepT = state.step;
    stepT.storage[stepT.offset] += 1;
    stepT._version.v++;
    const step = stepT.storage[stepT.offset];
    const mT = buffer(name, state, "exp_avg", n)!, vT = buffer(name, state, "exp_avg_sq", n)!;
    const m = mT.storage, mo = mT.offset, v = vT.storage, vo = vT.offset;
    const maxT = amsgrad ? buffer(name, state, "max_exp_avg_sq", n) : undefined;
    if (amsgrad && maxT === undefined) throw new Error(`${name}.step: amsgrad is on but the state has no max_exp_avg_sq (was it loaded from a run without amsgrad?)`);
    const vmax = maxT?.storage, xo = maxT?.offset ?? 0;
    const bias1 = 1 - beta1 ** step;
    const bias2 = 1 - beta2 ** step;
    const stepSize = lr / bias1;
    const bias2Sqrt = Math.sqrt(bias2);
    const decay = 1 - lr * weightDecay;
    for (let i = 0; i < n; i++) {
      let gi = maximize ? -g[i] : g[i];
      if (decoupled) w[o + i] = w[o + i] * decay;
      else if (weightDecay !== 0) gi = gi + weightDecay * w[o + i];
      m[mo + i] = m[mo + i] * beta1 + (1 - beta1) * gi;
      v[vo + i] = v[vo + i] * beta2 + (1 - beta2) * gi * gi;
      let second = v[vo + i];
      if (vmax !== undefined) {
        // torch.maximum propagates NaN; Math.max does too.
        vmax[xo + i] = Math.max(vmax[xo + i], second);
        second = vmax[xo + i];
      }
      const denom = Math.sqrt(second) / bias2Sqrt + eps;
      w[o + i] = w[o + i] + (-stepSize * m[mo + i]) / denom;
    }
    mT._version.v++;
    vT._version.v++;
    p._version.v++;
  }
}

/**
 * Adam (Kingma & Ba), with optional L2 weight decay, AMSGrad and maximize.
 *
 * @example
 * const opt = new optim.Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999] });
 */
export class Adam extends Optimizer<AdamGroupOptions> {
  constructor(params: Params<AdamGroupOptions>, options: AdamOptions = {}) {
    const defaults = resolveOptions("Adam", options, {
      lr: 1e-3, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false,
    });
    super("Adam", params, defaults, { pytorchOnly: { foreach: null, capturable: false, differentiable: false, fused: false } });
  }

  protected override validate(o: Partial<AdamGroupOptions>): void {
    validateAdam(this.name, o);
  }

  protected override updateGroup(group: ParamGroup<AdamGroupOptions>): void {
    adamUpdate(this.name, group, (p) => this.stateOf(p), false);
  }
}
