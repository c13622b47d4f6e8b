// Loss functions (torch.nn.functional's): classification (crossEntropy, nllLoss,
// multiMarginLoss, binaryCrossEntropy[WithLogits]), regression (mse, l1, smoothL1, huber) and
// klDiv. Options use PyTorch's names in one object; reduction is "mean" | "sum" | "none".
// Most losses are compositions of differentiable ops (so gradients, double-backward and
// gradcheck come for free); nllLoss and binaryCrossEntropy have their own backward.

import { Tensor } from "../tensor/tensor.js";
import { allocate, isFloating } from "../tensor/dtype.js";
import { broadcastShapes, fmtShape, numel, shapeEquals } from "../tensor/shape.js";
import { needsGrad, record } from "../autograd/node.js";
import { checkFloat, checkInt, checkSameDtype, checkTensor } from "./util.js";
import { abs, add, clamp, div, eq, exp, log, log1p, lt, mul, neg, relu, square, sub, where } from "./elementwise.js";
import { mean, sum } from "./reduce.js";
import { expand, reshape } from "./shape.js";
import { gather } from "./indexing.js";
import { logSigmoid, logSoftmax } from "./activation.js";

export type Reduction = "mean" | "sum" | "none";

function checkReduction(opName: string, r: unknown, extra: string[] = []): void {
  const ok = ["mean", "sum", "none", ...extra];
  if (!ok.includes(r as string)) {
    throw new Error(`${opName}: reduction must be ${ok.map((s) => `"${s}"`).join(", ")}; got ${JSON.stringify(r)}`);
  }
}

function reduce(l: Tensor, reduction: Reduction): Tensor {
  return reduction === "none" ? l : reduction === "sum" ? sum(l) : mean(l);
}

/** Checks shared by the pointwise losses: tensors, float input, identical shapes. */
function checkPair(opName: string, input: Tensor, target: Tensor, reduction: unknown, what = "target"): void {
  checkTensor(opName, input);
  checkTensor(opName, target, what);
  checkFloat(opName, input);
  checkFloat(opName, target, what);
  checkReduction(opName, reduction);
  if (!shapeEquals(input.shape, target.shape)) {
    throw new Error(`${opName}: ${what} shape ${fmtShape(target.shape)} must equal the input shape ${fmtShape(input.shape)} (no silent broadcasting)`);
  }
}

/** A weight that must broadcast to `shape` exactly (the result keeps `shape`). */
function checkBroadcastWeight(opName: string, w: Tensor | undefined, shape: readonly number[], name: string): void {
  if (!w) return;
  checkTensor(opName, w, name);
  checkFloat(opName, w, name);
  const ok = (() => { try { return shapeEquals(broadcastShapes(opName, w.shape, shape), shape); } catch { return false; } })();
  if (!ok) throw new Error(`${opName}: ${name} of shape ${fmtShape(w.shape)} does not broadcast to the input shape ${fmtShape(shape)}`);
}

// ---- class-index targets: layout and checks -----------------------------------------------

interface ClassLayout {
  /** Batch size (1 when unbatched), number of classes, and the product of the extra dims. */
  outer: number;
  C: number;
  inner: number;
  classDim: number;
}

/** input [N, C, d1, ...] with target [N, d1, ...], or unbatched input [C] with a 0-d target. */
function classLayout(opName: string, input: Tensor, target: Tensor): ClassLayout {
  if (input.ndim === 0) throw new Error(`${opName}: input must have a class dim ([C], [N, C] or [N, C, d1, ...]), got a 0-d tensor`);
  checkInt(opName, target, "target");
  const expected = input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
  if (!shapeEquals(target.shape, expected)) {
    throw new Error(`${opName}: target shape ${fmtShape(target.shape)} does not match input shape ${fmtShape(input.shape)}; expected class indices of shape ${fmtShape(expected)}`);
  }
  if (input.ndim === 1) return { outer: 1, C: input.shape[0], inner: 1, classDim: 0 };
  return { outer: input.shape[0], C: input.shape[1], inner: numel(input.shape.slice(2)), classDim: 1 };
}

function checkClassWeight(opName: string, input: Tensor, weight: Tensor | undefined, C: number): void {
  if (!weight) return;
  checkTensor(opName, weight, "weight");
  checkSameDtype(opName, input, weight);
  if (weight.ndim !== 1 || weight.shape[0] !== C) {
    throw new Error(`${opName}: weight must hold one value per class, shape [${C}], got shape ${fmtShape(weight.shape)}`);
  }
}

function checkLabels(opName: string, labels: ArrayLike<number>, C: number, ignoreIndex?: number): void {
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    if (t === ignoreIndex) continue;
    if (t < 0 || t >= C) {
      const ign = ignoreIndex === undefined ? "" : `, or ignoreIndex = ${ignoreIndex}`;
      throw new Error(`${opName}: label ${t} is out of range for ${C} classes (expected 0 ≤ label < ${C}${ign})`);
    }
  }
}

/** Σ weight[t] over targets that are not ignored (the denominator of a weighted mean). */
function weightTotal(labels: ArrayLike<number>, weight: Tensor | undefined, ignoreIndex: number): number {
  const w = weight?.dataRowMajor();
  let total = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] !== ignoreIndex) total += w ? w[labels[i]] : 1;
  return total;
}

export interface NllLossOptions {
  /** Rescaling weight per class, shape [C]. */
  weight?: Tensor;
  /** Targets with this value contribute nothing, not even to the mean's denominator (default -100). */
  ignoreIndex?: number;
  reduction?: Reduction;
}

/**
 * Negative log-likelihood: loss_i = −weight[t_i] · input[i, t_i], for input holding
 * log-probabilities ([N, C], [N, C, d1, ...] or unbatched [C]) and int32 class indices.
 * "mean" divides by the summed weights of the non-ignored targets (NaN when all are ignored).
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const { weight, ignoreIndex = -100, reduction = "mean" } = options;
  checkTensor("nllLoss", input);
  checkTensor("nllLoss", target, "target");
  checkFloat("nllLoss", input);
  checkReduction("nllLoss", reduction);
  const { outer, C, inner, classDim } = classLayout("nllLoss", input, target);
  checkClassWeight("nllLoss", input, weight, C);
  const labels = target.dataRowMajor();
  checkLabels("nllLoss", labels, C, ignoreIndex);
  const xs = input.dataRowMajor();
  const ws = weight?.dataRowMajor();
  const wantGrad = needsGrad(input);
  // coef holds d(loss_i)/d(input) = −weight[t_i] at each target position, for backward.
  const coef = wantGrad ? allocate(input.dtype, input.size) : null;
  const per = allocate(input.dtype, outer * inner);
  let acc = 0;
  let total = 0;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      const i = o * inner + k;
      const t = labels[i];
      if (t === ignoreIndex) continue;
      const w = ws ? ws[t] : 1;
      const pos = (o * C + t) * inner + k;
      per[i] = -w * xs[pos];
      acc += per[i];
      total += w;
      if (coef) coef[pos] = -w;
    }
  }
  const out = reduction === "none" ? Tensor.fromData(per, target.shape)
    : Tensor.fromData(allocate(input.dtype, 1).fill(reduction === "sum" ? acc : acc / total), []);
  if (!coef) return out;
  const c = Tensor.fromData(coef, input.shape);
  return record("NllLossBackward", out, [input], (g) => {
    if (reduction === "sum") return [mul(c, g)];
    if (reduction === "mean") return [mul(c, div(g, total))];
    return [mul(c, input.ndim === 1 ? g : reshape(g, input.shape.map((s, i) => (i === classDim ? 1 : s))))];
  });
}

export interface CrossEntropyOptions extends NllLossOptions {
  /** Mix the target with the uniform distribution: (1 − ε)·target + ε/C (default 0). */
  labelSmoothing?: number;
}

/**
 * Cross-entropy of raw scores (logits) against int32 class indices, or against class
 * probabilities of the input's own shape; computed stably via logSoftmax (log-sum-exp).
 * Input [N, C], [N, C, d1, ...] or unbatched [C]. Matches PyTorch 1.13 exactly, including
 * how labelSmoothing combines with weight and ignoreIndex.
 *
 * Example: `F.crossEntropy(logits, labels, { labelSmoothing: 0.1 })`
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const { weight, ignoreIndex = -100, reduction = "mean", labelSmoothing: ls = 0 } = options;
  checkTensor("crossEntropy", input);
  checkTensor("crossEntropy", target, "target");
  checkFloat("crossEntropy", input);
  checkReduction("crossEntropy", reduction);
  if (typeof ls !== "number" || !(ls >= 0 && ls <= 1)) throw new Error(`crossEntropy: labelSmoothing must be between 0 and 1, got ${ls}`);
  if (input.ndim === 0) throw new Error("crossEntropy: input must have a class dim ([C], [N, C] or [N, C, d1, ...]), got a 0-d tensor");
  const classDim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[classDim];
  checkClassWeight("crossEntropy", input, weight, C);
  const wb = weight && (input.ndim === 1 ? weight : reshape(weight, input.shape.map((s, i) => (i === 1 ? s : 1))));
  const logp = logSoftmax(input, classDim);

  if (isFloating(target.dtype)) {
    // Probability targets (PyTorch ≥ 1.10): −Σ_c w_c · target_c · log p_c.
    if (!shapeEquals(target.shape, input.shape)) {
      throw new Error(`crossEntropy: float (probability) targets must have the input's shape ${fmtShape(input.shape)}, got ${fmtShape(target.shape)}; class-index targets must be int32`);
    }
    if (ignoreIndex >= 0) throw new Error(`crossEntropy: ignoreIndex (${ignoreIndex}) is not supported with probability targets`);
    const tgt = ls > 0 ? add(mul(target, 1 - ls), ls / C) : target;
    let prod = mul(logp, tgt);
    if (wb) prod = mul(prod, wb);
    if (reduction === "none") return neg(sum(prod, classDim));
    const s = neg(sum(prod));
    return reduction === "sum" ? s : div(s, input.size / C); // mean over samples, not weights
  }

  if (target.dtype !== "int32") throw new Error(`crossEntropy: target must be int32 class indices or float probabilities, got ${target.dtype}`);
  classLayout("crossEntropy", input, target);
  const labels = target.dataRowMajor();
  checkLabels("crossEntropy", labels, C, ignoreIndex);
  const nll = nllLoss(logp, target, { weight, ignoreIndex, reduction });
  if (ls === 0) return nll;
  // PyTorch's smoothing term: −Σ_c w_c log p_c per sample, zero where ignored; its mean divides
  // by the same denominator as nllLoss (the summed weights, or the count, of the kept targets).
  let smooth = neg(sum(wb ? mul(logp, wb) : logp, classDim));
  smooth = where(eq(target, ignoreIndex), 0, smooth);
  let ret: Tensor;
  if (reduction === "none") ret = smooth;
  else if (reduction === "sum") ret = sum(smooth);
  else ret = div(sum(smooth), weightTotal(labels, weight, ignoreIndex));
  return add(mul(nll, 1 - ls), mul(ret, ls / C));
}

export interface MultiMarginLossOptions {
  /** 1: hinge (the multiclass SVM loss); 2: squared hinge. */
  p?: 1 | 2;
  margin?: number;
  /** Per-class weight [C]; scales each sample's loss by weight[target]. */
  weight?: Tensor;
  reduction?: Reduction;
}

/**
 * Multiclass SVM (hinge) loss of CS231n: loss_i = Σ_{j≠y_i} max(0, margin − x[y_i] + x[j])^p / C.
 * Input [N, C] with target [N], or unbatched [C] with a 0-d target.
 */
export function multiMarginLoss(input: Tensor, target: Tensor, options: MultiMarginLossOptions = {}): Tensor {
  const { p = 1, margin = 1, weight, reduction = "mean" } = options;
  checkTensor("multiMarginLoss", input);
  checkTensor("multiMarginLoss", target, "target");
  checkFloat("multiMarginLoss", input);
  checkReduction("multiMarginLoss", reduction);
  if (p !== 1 && p !== 2) throw new Error(`multiMarginLoss: only p = 1 and p = 2 are supported, got ${p}`);
  if (typeof margin !== "number" || Number.isNaN(margin)) throw new Error(`multiMarginLoss: margin must be a number, got ${margin}`);
  if (input.ndim !== 1 && input.ndim !== 2) throw new Error(`multiMarginLoss: input must be [N, C] or [C], got shape ${fmtShape(input.shape)}`);
  const batch = input.ndim === 2 ? input : reshape(input, [1, input.shape[0]]);
  const [N, C] = batch.shape;
  checkInt("multiMarginLoss", target, "target");
  if (target.size !== N || target.ndim > 1 || (input.ndim === 2 && target.ndim !== 1)) {
    throw new Error(`multiMarginLoss: target shape ${fmtShape(target.shape)} does not match input shape ${fmtShape(input.shape)}; expected ${input.ndim === 2 ? `[${N}]` : "[] or [1]"}`);
  }
  checkClassWeight("multiMarginLoss", input, weight, C);
  const labels = target.dataRowMajor();
  checkLabels("multiMarginLoss", labels, C);
  // One constant factor per score: 0 at the true class (it is not a margin violation),
  // weight[y] (or 1) elsewhere.
  const ws = weight?.dataRowMajor();
  const factor = allocate(input.dtype, N * C);
  for (let i = 0; i < N; i++) {
    const w = ws ? ws[labels[i]] : 1;
    for (let j = 0; j < C; j++) factor[i * C + j] = j === labels[i] ? 0 : w;
  }
  const correct = gather(batch, 1, reshape(target, [N, 1]));
  let h = relu(add(sub(margin, correct), batch)); // margin − x[y] + x[j], in PyTorch's order
  if (p === 2) h = square(h);
  let per = div(sum(mul(h, Tensor.fromData(factor, [N, C])), 1), C);
  if (target.ndim === 0) per = reshape(per, []);
  return reduce(per, reduction);
}

// ---- regression -------------------------------------------------------------------------------

export interface ReductionOptions {
  reduction?: Reduction;
}

/** Mean squared error: (input − target)². */
export function mseLoss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  const { reduction = "mean" } = options;
  checkPair("mseLoss", input, target, reduction);
  return reduce(square(sub(input, target)), reduction);
}

/** Mean absolute error: |input − target|. */
export function l1Loss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  const { reduction = "mean" } = options;
  checkPair("l1Loss", input, target, reduction);
  return reduce(abs(sub(input, target)), reduction);
}

/** Smooth L1: 0.5·d²/beta where |d| < beta, else |d| − 0.5·beta (beta = 0 gives L1; default 1). */
export function smoothL1Loss(input: Tensor, target: Tensor, options: ReductionOptions & { beta?: number } = {}): Tensor {
  const { reduction = "mean", beta = 1 } = options;
  checkPair("smoothL1Loss", input, target, reduction);
  if (typeof beta !== "number" || !(beta >= 0)) throw new Error(`smoothL1Loss: beta must be ≥ 0, got ${beta}`);
  if (beta === 0) return l1Loss(input, target, { reduction });
  const d = sub(input, target);
  const z = abs(d);
  return reduce(where(lt(z, beta), div(mul(square(d), 0.5), beta), sub(z, 0.5 * beta)), reduction);
}

/** Huber: 0.5·d² where |d| < delta, else delta·(|d| − 0.5·delta) (default delta 1). */
export function huberLoss(input: Tensor, target: Tensor, options: ReductionOptions & { delta?: number } = {}): Tensor {
  const { reduction = "mean", delta = 1 } = options;
  checkPair("huberLoss", input, target, reduction);
  if (typeof delta !== "number" || !(delta > 0)) throw new Error(`huberLoss: delta must be > 0, got ${delta}`);
  const d = sub(input, target);
  const z = abs(d);
  return reduce(where(lt(z, delta), mul(square(d), 0.5), mul(sub(z, 0.5 * delta), delta)), reduction);
}

// ---- binary classification --------------------------------------------------------------------

export interface BinaryCrossEntropyOptions extends ReductionOptions {
  /** Rescaling weight, broadcast to the input's shape (treated as a constant). */
  weight?: Tensor;
}

/**
 * Binary cross-entropy of probabilities in [0, 1]: −w·(t·log x + (1 − t)·log(1 − x)), each log
 * clamped at −100 as in PyTorch so x = 0 or 1 gives a finite loss. Prefer
 * binaryCrossEntropyWithLogits on raw scores: it is stable without the clamp.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BinaryCrossEntropyOptions = {}): Tensor {
  const { weight, reduction = "mean" } = options;
  checkPair("binaryCrossEntropy", input, target, reduction);
  checkBroadcastWeight("binaryCrossEntropy", weight, input.shape, "weight");
  const xs = input.dataRowMajor();
  const ts = target.dataRowMajor();
  const wt = weight ? expand(weight.detach(), input.shape) : null;
  const ws = wt?.dataRowMajor();
  const out = allocate(input.dtype, input.size);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (!(x >= 0 && x <= 1)) throw new Error(`binaryCrossEntropy: every input must be a probability in [0, 1], got ${x} at element ${i}; use binaryCrossEntropyWithLogits for raw scores`);
    const t = ts[i];
    const l = (t - 1) * Math.max(Math.log1p(-x), -100) - t * Math.max(Math.log(x), -100);
    out[i] = ws ? l * ws[i] : l;
  }
  const loss = record("BinaryCrossEntropyBackward", Tensor.fromData(out, input.shape), [input, target], (g) => {
    const gw = wt ? mul(g, wt) : g;
    return [
      // PyTorch's gradient: (x − t) / max(x(1 − x), 1e-12), finite even at x = 0 or 1.
      input._requiresGrad ? div(mul(gw, sub(input, target)), clamp(mul(input, sub(1, input)), 1e-12)) : null,
      target._requiresGrad ? mul(gw, sub(log1p(neg(input)), log(input))) : null,
    ];
  }, { saved: [input, target] });
  return reduce(loss, reduction);
}

export interface BceWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** Weight of the positive term, broadcast over the input (e.g. [C] for multi-label): > 1 raises recall. */
  posWeight?: Tensor;
}

/**
 * Sigmoid + binary cross-entropy in one stable step:
 * (1 − t)·x − (1 + (posWeight − 1)·t)·logSigmoid(x), times weight.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BceWithLogitsOptions = {}): Tensor {
  const { weight, posWeight, reduction = "mean" } = options;
  checkPair("binaryCrossEntropyWithLogits", input, target, reduction);
  checkBroadcastWeight("binaryCrossEntropyWithLogits", weight, input.shape, "weight");
  checkBroadcastWeight("binaryCrossEntropyWithLogits", posWeight, input.shape, "posWeight");
  const ls = logSigmoid(input);
  const logWeight = posWeight ? add(mul(sub(posWeight, 1), target), 1) : null;
  let loss = sub(mul(sub(1, target), input), logWeight ? mul(logWeight, ls) : ls);
  if (weight) loss = mul(loss, weight);
  return reduce(loss, reduction);
}

export interface KlDivOptions {
  /** "batchmean" (sum / N) is the true KL divergence; "mean" averages over every element. */
  reduction?: Reduction | "batchmean";
  /** Whether the target is given as log-probabilities (default false). */
  logTarget?: boolean;
}

/** KL divergence Σ target·(log target − input), with input holding log-probabilities. */
export function klDiv(input: Tensor, target: Tensor, options: KlDivOptions = {}): Tensor {
  const { reduction = "mean", logTarget = false } = options;
  checkTensor("klDiv", input);
  checkReduction("klDiv", reduction, ["batchmean"]);
  checkPair("klDiv", input, target, "none");
  let loss: Tensor;
  if (logTarget) loss = mul(exp(target), sub(target, input));
  else {
    // xlogy(t, t): 0 where t = 0 (log evaluated at 1 there so no 0·(−inf) in the gradient).
    const safe = where(eq(target, 0), 1, target);
    loss = sub(mul(target, log(safe)), mul(target, input));
  }
  if (reduction === "batchmean") return input.ndim === 0 ? sum(loss) : div(sum(loss), input.shape[0]);
  return reduce(loss, reduction);
}
