// Linear classifiers of CS231n: LinearSVM (multiclass hinge, Weston–Watkins) and
// SoftmaxClassifier, trained by minibatch SGD with L2 / L1 / elastic-net regularisation and
// the bias trick. Weights are kept as a double-precision master copy; each step's products run
// through matmul in the data's dtype (so the fast backend's GEMM does them).

import { Tensor } from "../tensor/tensor.js";
import { allocate, type TypedArray } from "../tensor/dtype.js";
import { fmtShape, numel } from "../tensor/shape.js";
import { narrow } from "../ops/shape.js";
import { hingeLossRaw, penaltyRaw, rawScores, softmaxLossRaw, type HingeOptions, type Penalty, type RegOptions } from "./linear_loss.js";
import { accuracy, checkFeatures, checkLabels, checkNumber, checkPositiveInt, generatorFor, permutation } from "./util.js";

export interface LinearClassifierOptions extends RegOptions {
  /** SGD step size (default 0.01; suits features in [0, 1]). */
  lr?: number;
  /** Passes over the training set (default 10); ignored when numIters is given. */
  epochs?: number;
  /** Total minibatch steps (CS231n's num_iters); overrides epochs. */
  numIters?: number;
  /** Minibatch size (default 200). */
  batchSize?: number;
  /** lr is multiplied by this after every epoch (default 1: constant). */
  lrDecay?: number;
  /** Classical momentum (default 0: plain SGD as in the course). */
  momentum?: number;
  /** Standard deviation of the random initial weights (default 0.001). */
  weightScale?: number;
  /** Seed for the initial weights and the batch order (default: the global generator). */
  seed?: number;
  /** Number of classes (default: max label + 1). */
  numClasses?: number;
  /** Called after each epoch with its mean minibatch loss and the lr it used. */
  onEpoch?: (info: { epoch: number; loss: number; lr: number }) => void;
}

type LossFn = (W: Tensor, X: Tensor, y: Int32Array) => { loss: number; dW: Float64Array };

/** Rows idx of the [N, D] array x as a [idx.length, D] tensor over `buf` (reused every step). */
function gatherRows(x: TypedArray, idx: Int32Array, D: number, buf: TypedArray): Tensor {
  for (let i = 0; i < idx.length; i++) buf.set(x.subarray(idx[i] * D, idx[i] * D + D), i * D);
  const n = idx.length * D;
  return Tensor.fromData(n === buf.length ? buf : buf.subarray(0, n), [idx.length, D]);
}

/** What LinearSVM and SoftmaxClassifier share: SGD training, prediction, weights and templates. */
export abstract class LinearClassifier {
  readonly options: Required<Omit<LinearClassifierOptions, "numIters" | "numClasses" | "seed" | "onEpoch">> & Pick<LinearClassifierOptions, "numIters" | "numClasses" | "seed" | "onEpoch">;
  /** Loss (data + penalty) of every minibatch step of the last fit(). */
  lossHistory: number[] = [];
  private W: Tensor | null = null;

  constructor(options: LinearClassifierOptions = {}) {
    const name = this.constructor.name;
    const {
      lr = 0.01, epochs = 10, numIters, batchSize = 200, lrDecay = 1, momentum = 0, weightScale = 0.001,
      seed, numClasses, onEpoch, reg = 0, penalty = "l2", l1Ratio = 0.5,
    } = options;
    checkNumber(name, "lr", lr, 0, false);
    checkPositiveInt(name, "epochs", epochs);
    if (numIters !== undefined) checkPositiveInt(name, "numIters", numIters);
    checkPositiveInt(name, "batchSize", batchSize);
    checkNumber(name, "lrDecay", lrDecay, 0, false);
    checkNumber(name, "momentum", momentum, 0);
    if (momentum >= 1) throw new Error(`${name}: momentum must be in [0, 1), got ${momentum}`);
    checkNumber(name, "weightScale", weightScale, 0);
    checkNumber(name, "reg", reg, 0);
    if (!["l2", "l1", "elasticnet"].includes(penalty)) throw new Error(`${name}: penalty must be "l2", "l1" or "elasticnet", got ${JSON.stringify(penalty)}`);
    checkNumber(name, "l1Ratio", l1Ratio, 0);
    if (l1Ratio > 1) throw new Error(`${name}: l1Ratio must be in [0, 1], got ${l1Ratio}`);
    if (numClasses !== undefined) checkPositiveInt(name, "numClasses", numClasses, 2);
    this.options = { lr, epochs, numIters, batchSize, lrDecay, momentum, weightScale, seed, numClasses, onEpoch, reg, penalty: penalty as Penalty, l1Ratio };
  }

  /** The data loss and its gradient dW for one minibatch (penalty added by the caller). */
  protected abstract lossFn(): LossFn;

  /** Train on X ([N, D] or [N, ...] float) and int32 labels y by minibatch SGD. Returns this. */
  fit(X: Tensor, y: Tensor): this {
    const name = `${this.constructor.name}.fit`;
    const x = checkFeatures(name, X).contiguous();
    const N = x.shape[0], D = x.shape[1];
    if (N === 0) throw new Error(`${name}: X has no rows`);
    const labels = checkLabels(name, y, N);
    let maxLabel = 0;
    for (let i = 0; i < N; i++) if (labels[i] > maxLabel) maxLabel = labels[i];
    const C = this.options.numClasses ?? Math.max(2, maxLabel + 1);
    if (maxLabel >= C) throw new Error(`${name}: label ${maxLabel} is out of range for numClasses = ${C}`);
    const o = this.options;
    const gen = generatorFor(o.seed);
    const w = new Float64Array((D + 1) * C);
    for (let i = 0; i < w.length; i++) w[i] = o.weightScale * gen.normal();
    const vel = o.momentum > 0 ? new Float64Array(w.length) : null;
    const B = Math.min(o.batchSize, N);
    const perEpoch = Math.ceil(N / B);
    const iters = o.numIters ?? o.epochs * perEpoch;
    const loss = this.lossFn();
    const wt = allocate(x.dtype, w.length);
    const yb = new Int32Array(B);
    const xd = x.dataRowMajor();
    const xbuf = allocate(x.dtype, B * D);
    this.lossHistory = [];
    let order = permutation(N, gen), lr = o.lr, epochLoss = 0, inEpoch = 0, epoch = 0;
    for (let it = 0; it < iters; it++) {
      const pos = (it % perEpoch) * B;
      const idx = order.subarray(pos, Math.min(pos + B, N));
      for (let i = 0; i < idx.length; i++) yb[i] = labels[idx[i]];
      const xb = gatherRows(xd, idx, D, xbuf);
      wt.set(w);
      const r = loss(Tensor.fromData(wt, [D + 1, C]), xb, idx.length === B ? yb : yb.subarray(0, idx.length));
      const total = r.loss + penaltyRaw(w, D, C, o, r.dW);
      this.lossHistory.push(total);
      epochLoss += total;
      inEpoch++;
      if (vel) {
        for (let i = 0; i < w.length; i++) { vel[i] = o.momentum * vel[i] - lr * r.dW[i]; w[i] += vel[i]; }
      } else {
        for (let i = 0; i < w.length; i++) w[i] -= lr * r.dW[i];
      }
      if ((it + 1) % perEpoch === 0 || it === iters - 1) {
        o.onEpoch?.({ epoch, loss: epochLoss / inEpoch, lr });
        epoch++;
        lr *= o.lrDecay;
        epochLoss = 0;
        inEpoch = 0;
        order = permutation(N, gen);
      }
    }
    const out = allocate(x.dtype, w.length);
    out.set(w);
    this.W = Tensor.fromData(out, [D + 1, C]);
    return this;
  }

  private trained(opName: string): Tensor {
    if (!this.W) throw new Error(`${this.constructor.name}.${opName}: call fit(X, y) first`);
    return this.W;
  }

  /** Class scores X·W + b, [N, C] in the data's dtype. */
  scores(X: Tensor): Tensor {
    const W = this.trained("scores");
    const x = checkFeatures(`${this.constructor.name}.scores`, X);
    const D = W.shape[0] - 1;
    if (x.shape[1] !== D) throw new Error(`${this.constructor.name}.scores: X has ${x.shape[1]} features (shape ${fmtShape(x.shape)}) but the model was trained on ${D}`);
    const xc = (x.dtype === W.dtype ? x : x.to(W.dtype)).contiguous();
    return Tensor.fromData(rawScores(W, xc), [xc.shape[0], W.shape[1]]);
  }

  /** Predicted labels (argmax of the scores; the first class wins a tie), int32 [N]. */
  predict(X: Tensor): Tensor {
    return this.scores(X).argmax(1);
  }

  /** Accuracy of predict(X) against int32 labels y. */
  score(X: Tensor, y: Tensor): number {
    const pred = this.predict(X);
    return accuracy(pred.dataRowMajor(), checkLabels(`${this.constructor.name}.score`, y, pred.shape[0]));
  }

  /**
   * The learned weights, [D + 1, C] (a copy): column c scores class c, rows 0..D−1 multiply
   * the features and the last row is the bias (the weight of the implicit ones column).
   * Regularisation never touches the bias row.
   */
  get weights(): Tensor {
    return this.trained("weights").clone();
  }

  /**
   * One image per class from the weight rows (the course's "learned templates"): W[:D, c]
   * reshaped to `imageShape` (whose size must be D, in the layout the features were flattened
   * from, e.g. [28, 28] or [3, 32, 32]), rescaled to [0, 255] with the min and max over all
   * classes, as CS231n draws them. float32 tensors.
   */
  classTemplates(imageShape: readonly number[]): Tensor[] {
    const W = this.trained("classTemplates");
    const D = W.shape[0] - 1, C = W.shape[1];
    if (!Array.isArray(imageShape) || numel(imageShape) !== D) {
      throw new Error(`${this.constructor.name}.classTemplates: imageShape ${Array.isArray(imageShape) ? fmtShape(imageShape) : String(imageShape)} has ${Array.isArray(imageShape) ? numel(imageShape) : "?"} elements, expected ${D} (the number of features)`);
    }
    const w = narrow(W, 0, 0, D).dataRowMajor();
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < w.length; i++) { if (w[i] < lo) lo = w[i]; if (w[i] > hi) hi = w[i]; }
    const span = hi > lo ? hi - lo : 1;
    const out: Tensor[] = [];
    for (let c = 0; c < C; c++) {
      const img = new Float32Array(D);
      for (let d = 0; d < D; d++) img[d] = (255 * (w[d * C + c] - lo)) / span;
      out.push(Tensor.fromData(img, imageShape.slice()));
    }
    return out;
  }
}

export interface LinearSVMOptions extends LinearClassifierOptions, HingeOptions {}

/**
 * Linear multiclass SVM (CS231n's Weston–Watkins hinge Σ_{j≠y} max(0, s_j − s_y + Δ), optionally
 * squared), trained by minibatch SGD.
 *
 * ```ts
 * const svm = new classic.LinearSVM({ lr: 0.01, reg: 1e-4, epochs: 20, seed: 0 }).fit(X, y);
 * svm.score(Xtest, ytest); svm.classTemplates([28, 28]);
 * ```
 */
export class LinearSVM extends LinearClassifier {
  readonly margin: number;
  readonly squared: boolean;
  constructor(options: LinearSVMOptions = {}) {
    super(options);
    this.margin = checkNumber("LinearSVM", "margin", options.margin ?? 1, 0);
    this.squared = options.squared ?? false;
  }
  protected lossFn(): LossFn {
    const opts = { margin: this.margin, squared: this.squared };
    return (W, X, y) => hingeLossRaw(W, X, y, opts);
  }
}

/**
 * Softmax (multinomial logistic regression) classifier: cross-entropy of softmax(X·W + b),
 * trained by minibatch SGD. Same options and methods as LinearSVM (without margin/squared).
 */
export class SoftmaxClassifier extends LinearClassifier {
  protected lossFn(): LossFn {
    return softmaxLossRaw;
  }

  /** Class probabilities softmax(X·W + b), [N, C]. */
  predictProba(X: Tensor): Tensor {
    return this.scores(X).softmax(1);
  }
}
