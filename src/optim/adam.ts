// Adam (and the shared update AdamW uses): PyTorch 1.13's _single_tensor_adam / _adamw element
// by element in the same arithmetic order, so float64 runs match PyTorch to ~1e-15:
//   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g·g,
//   denom = √v / √(1−β2^t) + eps,  p ← p − (lr / (1−β1^t)) · m / denom.

import { Tensor } from "../tensor/tensor.js";
import { Optimizer, type ParamGroup, type ParamState, type Params, nonNegative } from "./optimizer.js";
import { kernels } from "../backend/backend.js";
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
/** The per-step hyper-parameters handed to the adamStep kernel (layout: backend/js/optim.ts). */
const hyper = new Float64Array(9);

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
    hyper[0] = beta1; hyper[1] = beta2; hyper[2] = lr / bias1; hyper[3] = Math.sqrt(bias2); hyper[4] = eps;
    hyper[5] = weightDecay; hyper[6] = 1 - lr * weightDecay; hyper[7] = decoupled ? 1 : 0; hyper[8] = maximize ? 1 : 0;
    // The element loop is a backend kernel (reference: backend/js/optim.ts).
    kernels().adamStep(n, hyper, w, o, g, 0, m, mo, v, vo, vmax ?? null, xo);
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
