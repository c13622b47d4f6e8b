// Soft attention over a convolutional feature grid (Show, Attend and Tell, Xu et al. 2015):
// at each decoding step the decoder's hidden state h scores every grid position,
//   e_l = w · tanh(W_f f_l + W_h h),   a = softmax(e) over the L positions,   context = Σ_l a_l f_l,
// and the context vector joins the next word's embedding as the recurrent cell's input. The
// weights a are returned so they can be drawn over the image. Built from ops only (linear, tanh,
// softmax, bmm), so autograd, double backward and gradcheck work.

import { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import type { DType } from "../tensor/dtype.js";
import { Module } from "../nn/module.js";
import { Linear } from "../nn/linear.js";
import { softmax } from "../ops/activation.js";
import { tanh } from "../ops/elementwise.js";
import { bmm } from "../ops/matmul.js";
import { squeeze, unsqueeze } from "../ops/shape.js";

export interface SoftAttentionOptions {
  /** Width of the hidden scoring layer (default 64). */
  attentionDim?: number;
  dtype?: DType;
}

/**
 * Additive (Bahdanau-style) soft attention of a hidden state over L feature vectors.
 * Shape: features [N, L, C], hidden [N, H] → context [N, C] and weights [N, L] (rows sum to 1).
 * Keys: featureProj.{weight,bias}, hiddenProj.{weight,bias}, score.weight.
 *
 * Example:
 *   const att = new SoftAttention(64, 128);
 *   const [ctx, a] = att.forward(randn([2, 16, 64]), randn([2, 128])); // [2, 64], [2, 16]
 */
export class SoftAttention extends Module {
  readonly featureDim: number;
  readonly hiddenDim: number;
  readonly attentionDim: number;
  featureProj: Linear;
  hiddenProj: Linear;
  score: Linear;

  constructor(featureDim: number, hiddenDim: number, options: SoftAttentionOptions = {}) {
    super();
    const A = options.attentionDim ?? 64;
    for (const [k, v] of [["featureDim", featureDim], ["hiddenDim", hiddenDim], ["attentionDim", A]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`SoftAttention: ${k} must be an integer ≥ 1, got ${v}`);
    }
    this.featureDim = featureDim;
    this.hiddenDim = hiddenDim;
    this.attentionDim = A;
    this.featureProj = new Linear(featureDim, A, { dtype: options.dtype });
    this.hiddenProj = new Linear(hiddenDim, A, { dtype: options.dtype });
    // No bias: a constant added to every position's score cancels in the softmax.
    this.score = new Linear(A, 1, { bias: false, dtype: options.dtype });
  }

  /** W_f f for every position, [N, L, A]: it does not change across steps, so decoders compute it once. */
  projectFeatures(features: Tensor): Tensor {
    this.checkFeatures(features);
    return this.featureProj.forward(features);
  }

  /**
   * One attention step. `projected` (= projectFeatures(features)) may be passed to save the
   * per-step projection of the whole grid. Returns [context [N, C], weights [N, L]].
   */
  override forward(features: Tensor, hidden: Tensor, projected?: Tensor | null): [Tensor, Tensor] {
    const [N, L] = this.checkFeatures(features);
    if (!(hidden instanceof Tensor) || hidden.ndim !== 2 || hidden.shape[0] !== N || hidden.shape[1] !== this.hiddenDim) {
      throw new Error(`SoftAttention: hidden must be [N, H] = [${N}, ${this.hiddenDim}], got ${hidden instanceof Tensor ? fmtShape(hidden.shape) : typeof hidden}`);
    }
    const pf = projected ?? this.featureProj.forward(features);
    if (pf.ndim !== 3 || pf.shape[0] !== N || pf.shape[1] !== L || pf.shape[2] !== this.attentionDim) {
      throw new Error(`SoftAttention: projected features must be [N, L, A] = [${N}, ${L}, ${this.attentionDim}], got ${fmtShape(pf.shape)}`);
    }
    const e = this.score.forward(tanh(pf.add(unsqueeze(this.hiddenProj.forward(hidden), 1)))); // [N, L, 1]
    const a = softmax(squeeze(e, 2), 1);                                                       // [N, L]
    const context = squeeze(bmm(unsqueeze(a, 1), features), 1);                                // [N, C]
    return [context, a];
  }

  private checkFeatures(f: Tensor): [number, number] {
    if (!(f instanceof Tensor) || f.ndim !== 3 || f.shape[2] !== this.featureDim) {
      throw new Error(`SoftAttention: features must be [N, L, C] with C = ${this.featureDim}, got ${f instanceof Tensor ? fmtShape(f.shape) : typeof f}`);
    }
    return [f.shape[0], f.shape[1]];
  }

  override extraRepr(): string {
    return `featureDim=${this.featureDim}, hiddenDim=${this.hiddenDim}, attentionDim=${this.attentionDim}`;
  }
}
