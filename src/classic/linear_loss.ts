// Losses and gradients of the linear classifiers, vectorised as in CS231n's
// svm_loss_vectorized / softmax_loss_vectorized: the two products (scores = X·W and
// dW = Xᵀ·dScores) go through matmul, the per-class work on the small [B, C] score matrix is
// a plain loop. W uses the bias trick: shape [D + 1, C], the last row is the bias (the weight
// of an implicit column of ones appended to X, never materialised).

import { Tensor } from "../tensor/tensor.js";
import { allocate, type TypedArray } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import { matmul } from "../ops/matmul.js";
import { narrow, transpose } from "../ops/shape.js";
import { noGrad } from "../autograd/grad_mode.js";
import { checkFeatures, checkLabels } from "./util.js";

export type Penalty = "l2" | "l1" | "elasticnet";

export interface HingeOptions {
  /** Δ of the hinge max(0, s_j − s_y + Δ) (default 1). */
  margin?: number;
  /** Squared hinge max(0, ·)² instead of the hinge (default false). */
  squared?: boolean;
}

export interface RegOptions {
  /** Strength λ (default 0). */
  reg?: number;
  /** "l2": λ·ΣW², "l1": λ·Σ|W|, "elasticnet": λ·(ρ·Σ|W| + (1 − ρ)·ΣW²) (default "l2"). */
  penalty?: Penalty;
  /** ρ for "elasticnet" (default 0.5). */
  l1Ratio?: number;
}

/** Raw scores S = X·W[:D] + W[D] ([B, C] row-major). */
export function rawScores(W: Tensor, X: Tensor): TypedArray {
  const D = X.shape[1];
  const C = W.shape[1];
  const S = noGrad(() => matmul(X, narrow(W, 0, 0, D))).toArray();
  const w = W.dataRowMajor();
  const B = X.shape[0];
  for (let i = 0; i < B; i++) for (let c = 0; c < C; c++) S[i * C + c] += w[D * C + c];
  return S;
}

/**
 * From dS ([B, C]) to dW ([D + 1, C], Float64Array): Xᵀ·dS for the weight rows, the column
 * sums of dS for the bias row.
 */
function backprop(X: Tensor, dS: TypedArray, C: number): Float64Array {
  const B = X.shape[0], D = X.shape[1];
  const dSt = Tensor.fromData(dS, [B, C]);
  const gw = noGrad(() => matmul(transpose(X, 0, 1), dSt)).dataRowMajor();
  const dW = new Float64Array((D + 1) * C);
  for (let i = 0; i < D * C; i++) dW[i] = gw[i];
  for (let i = 0; i < B; i++) for (let c = 0; c < C; c++) dW[D * C + c] += dS[i * C + c];
  return dW;
}

/**
 * Multiclass SVM (Weston–Watkins, CS231n) data loss, mean over the batch:
 * L = (1/B) Σ_i Σ_{j≠y_i} max(0, s_ij − s_iy_i + Δ) (squared when `squared`), and its gradient.
 */
export function hingeLossRaw(W: Tensor, X: Tensor, y: Int32Array, options: HingeOptions = {}): { loss: number; dW: Float64Array } {
  const { margin = 1, squared = false } = options;
  const B = X.shape[0], C = W.shape[1];
  const S = rawScores(W, X);
  const dS = allocate(X.dtype, B * C);
  let loss = 0;
  for (let i = 0; i < B; i++) {
    const yi = y[i], o = i * C;
    const sy = S[o + yi];
    let pull = 0;
    for (let j = 0; j < C; j++) {
      if (j === yi) continue;
      const m = S[o + j] - sy + margin;
      if (m > 0) {
        loss += squared ? m * m : m;
        const g = squared ? 2 * m : 1;
        dS[o + j] = g / B;
        pull += g;
      }
    }
    dS[o + yi] = -pull / B;
  }
  return { loss: loss / B, dW: backprop(X, dS, C) };
}

/** Softmax cross-entropy data loss, mean over the batch, and its gradient (max-shifted, stable). */
export function softmaxLossRaw(W: Tensor, X: Tensor, y: Int32Array): { loss: number; dW: Float64Array } {
  const B = X.shape[0], C = W.shape[1];
  const S = rawScores(W, X);
  const dS = allocate(X.dtype, B * C);
  let loss = 0;
  for (let i = 0; i < B; i++) {
    const o = i * C;
    let mx = -Infinity;
    for (let j = 0; j < C; j++) if (S[o + j] > mx) mx = S[o + j];
    let z = 0;
    for (let j = 0; j < C; j++) z += Math.exp(S[o + j] - mx);
    const logZ = Math.log(z) + mx;
    loss += logZ - S[o + y[i]];
    for (let j = 0; j < C; j++) dS[o + j] = Math.exp(S[o + j] - logZ) / B;
    dS[o + y[i]] -= 1 / B;
  }
  return { loss: loss / B, dW: backprop(X, dS, C) };
}

/**
 * Regularisation loss and gradient of W ([D + 1, C] flat), the bias row (the last) excluded.
 * Adds the gradient into `dW` when given. sign(0) is taken as 0 for L1.
 */
export function penaltyRaw(w: ArrayLike<number>, D: number, C: number, options: RegOptions = {}, dW?: Float64Array): number {
  const { reg = 0, penalty = "l2", l1Ratio = 0.5 } = options;
  if (reg === 0) return 0;
  const a1 = penalty === "l1" ? reg : penalty === "elasticnet" ? reg * l1Ratio : 0;
  const a2 = penalty === "l2" ? reg : penalty === "elasticnet" ? reg * (1 - l1Ratio) : 0;
  let loss = 0;
  for (let i = 0; i < D * C; i++) {
    const v = w[i];
    loss += a1 * Math.abs(v) + a2 * v * v;
    if (dW) dW[i] += a1 * Math.sign(v) + 2 * a2 * v;
  }
  return loss;
}

function checkLossInputs(opName: string, W: Tensor, X: Tensor, y: Tensor): { w: Tensor; x: Tensor; labels: Int32Array } {
  const x = checkFeatures(opName, X);
  if (!(W instanceof Tensor) || W.ndim !== 2 || W.shape[0] !== x.shape[1] + 1) {
    throw new Error(`${opName}: W must be [D + 1, C] = [${x.shape[1] + 1}, C] (bias trick: last row is the bias), got ${W instanceof Tensor ? fmtShape(W.shape) : typeof W}`);
  }
  const labels = checkLabels(opName, y, x.shape[0]);
  const C = W.shape[1];
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= C) throw new Error(`${opName}: y[${i}] is ${labels[i]} but W has only ${C} classes`);
  }
  const w = W.dtype === x.dtype ? W.detach().contiguous() : W.detach().to(x.dtype).contiguous();
  return { w, x: x.contiguous(), labels };
}

function finish(x: Tensor, w: Tensor, loss: number, dW: Float64Array, reg: RegOptions): { loss: number; dW: Tensor } {
  const D = x.shape[1], C = w.shape[1];
  loss += penaltyRaw(w.dataRowMajor(), D, C, reg, dW);
  const out = allocate(x.dtype, dW.length);
  out.set(dW);
  return { loss, dW: Tensor.fromData(out, [D + 1, C]) };
}

/**
 * Multiclass SVM loss (mean hinge over the batch + penalty on W without its bias row) and its
 * gradient dW ([D + 1, C]). W: [D + 1, C] with the bias as the last row; X: [B, D]; y: int32 [B].
 */
export function svmLoss(W: Tensor, X: Tensor, y: Tensor, options: HingeOptions & RegOptions = {}): { loss: number; dW: Tensor } {
  const { w, x, labels } = checkLossInputs("svmLoss", W, X, y);
  const { loss, dW } = hingeLossRaw(w, x, labels, options);
  return finish(x, w, loss, dW, options);
}

/** Softmax (cross-entropy) loss, mean over the batch + penalty, and dW; same layout as svmLoss. */
export function softmaxLoss(W: Tensor, X: Tensor, y: Tensor, options: RegOptions = {}): { loss: number; dW: Tensor } {
  const { w, x, labels } = checkLossInputs("softmaxLoss", W, X, y);
  const { loss, dW } = softmaxLossRaw(w, x, labels);
  return finish(x, w, loss, dW, options);
}
