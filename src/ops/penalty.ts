// Weight penalties for regularisation (CS231n lecture 3): the loss becomes data loss + λ·R(W).
// Each returns a 0-d tensor you scale by your own λ, e.g.
//   const loss = F.crossEntropy(scores, y).add(F.l2Penalty(model.parameters()).mul(1e-4));
// CS231n's R(W) = Σ W² is l2Penalty (no ½; optimizers' weightDecay adds λ·W to the gradient,
// which matches ½·λ·Σ W²).

import { Tensor } from "../tensor/tensor.js";
import { checkFloat, checkTensor } from "./util.js";
import { abs, add, mul, square } from "./elementwise.js";
import { sum } from "./reduce.js";

function checkParams(opName: string, params: unknown): Tensor[] {
  const list = params instanceof Tensor ? [params] : Array.isArray(params) ? params : params && typeof params === "object" && Symbol.iterator in params ? [...(params as Iterable<unknown>)] : null;
  if (!list) throw new Error(`${opName}: params must be an array (or iterable) of Tensors, got ${params === null ? "null" : typeof params}`);
  if (list.length === 0) throw new Error(`${opName}: params is empty; pass the tensors to penalise, e.g. model.parameters()`);
  list.forEach((p, i) => { checkTensor(opName, p, `params[${i}]`); checkFloat(opName, p as Tensor, `params[${i}]`); });
  return list as Tensor[];
}

function total(params: Tensor[], term: (w: Tensor) => Tensor): Tensor {
  let acc = sum(term(params[0]));
  for (let i = 1; i < params.length; i++) acc = add(acc, sum(term(params[i])));
  return acc;
}

/** L1 penalty Σ|w| over every element of every tensor (gradient sign(w)); multiply by your λ. */
export function l1Penalty(params: Iterable<Tensor> | Tensor): Tensor {
  return total(checkParams("l1Penalty", params), abs);
}

/** L2 penalty Σ w² over every element of every tensor (gradient 2w); multiply by your λ. */
export function l2Penalty(params: Iterable<Tensor> | Tensor): Tensor {
  return total(checkParams("l2Penalty", params), square);
}

/** Elastic net: l1·Σ|w| + l2·Σ w² (both coefficients default 0 and must be ≥ 0). */
export function elasticNetPenalty(params: Iterable<Tensor> | Tensor, options: { l1?: number; l2?: number } = {}): Tensor {
  const { l1 = 0, l2 = 0 } = options;
  for (const [k, v] of [["l1", l1], ["l2", l2]] as const) {
    if (typeof v !== "number" || !(v >= 0)) throw new Error(`elasticNetPenalty: ${k} must be a number ≥ 0, got ${v}`);
  }
  const ps = checkParams("elasticNetPenalty", params);
  return add(mul(total(ps, abs), l1), mul(total(ps, square), l2));
}
