// Classification metrics, as functions on one batch and as accumulating Metric objects
// (PyTorch-Ignite's reset / update / compute), used by the Trainer for training and evaluation.
// Scores are [N, K] (logits, probabilities or log-probabilities: only their order matters),
// targets are class indices [N] (int32, or any dtype holding whole numbers).

import { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";

function describe(x: unknown): string {
  return x instanceof Tensor ? `a ${x.dtype} tensor of shape ${fmtShape(x.shape)}` : x === null ? "null" : typeof x;
}

/** Validates a (scores [N, K], targets [N]) pair and returns flat row-major arrays. */
function scoresAndTargets(op: string, output: Tensor, target: Tensor): { s: ArrayLike<number>; t: ArrayLike<number>; n: number; k: number } {
  if (!(output instanceof Tensor) || output.ndim !== 2) throw new Error(`${op}: output should be scores [N, K]; got ${describe(output)}`);
  if (!(target instanceof Tensor) || target.ndim !== 1 || target.shape[0] !== output.shape[0]) {
    throw new Error(`${op}: target should be class indices [${output.shape[0]}] matching the output ${fmtShape(output.shape)}; got ${describe(target)}`);
  }
  const [n, k] = output.shape;
  const t = target.dataRowMajor();
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(t[i]) || t[i] < 0 || t[i] >= k) throw new Error(`${op}: target ${i} is ${t[i]}, but classes are 0..${k - 1} (output has ${k} columns)`);
  }
  return { s: output.dataRowMajor(), t, n, k };
}

/**
 * The rank of the true class among a row's scores: how many classes score strictly higher. NaN
 * ranks above every number, as in torch.argmax / torch.topk, so accuracy and top-k agree.
 */
function rankOfTarget(s: ArrayLike<number>, row: number, k: number, target: number): number {
  const base = row * k, key = (x: number): number => (Number.isNaN(x) ? Infinity : x);
  const v = key(s[base + target]);
  let r = 0;
  for (let j = 0; j < k; j++) if (key(s[base + j]) > v) r++;
  return r;
}

/** argmax of each row (first maximum on ties; the first NaN is the maximum, like torch.argmax). */
function rowArgmax(s: ArrayLike<number>, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0, bv = s[i * k];
    for (let j = 1; j < k; j++) { const v = s[i * k + j]; if (v > bv || (Number.isNaN(v) && !Number.isNaN(bv))) { bv = v; best = j; } }
    out[i] = best;
  }
  return out;
}

/** Fraction of rows whose argmax is the target. */
export function accuracy(output: Tensor, target: Tensor): number {
  const { s, t, n, k } = scoresAndTargets("accuracy", output, target);
  if (n === 0) return NaN;
  const p = rowArgmax(s, n, k);
  let c = 0;
  for (let i = 0; i < n; i++) if (p[i] === t[i]) c++;
  return c / n;
}

/**
 * Top-k accuracy: the fraction of rows whose target is among the k highest scores. Ties count
 * in the target's favour (rank = how many classes score strictly higher); with k ≥ K every row
 * is correct.
 */
export function topKAccuracy(output: Tensor, target: Tensor, k = 5): number {
  if (!Number.isInteger(k) || k < 1) throw new Error(`topKAccuracy: k must be a positive integer, got ${k}`);
  const { s, t, n, k: K } = scoresAndTargets("topKAccuracy", output, target);
  if (n === 0) return NaN;
  let c = 0;
  for (let i = 0; i < n; i++) if (rankOfTarget(s, i, K, t[i]) < k) c++;
  return c / n;
}

/**
 * Confusion matrix [K, K] (int32): row = true class, column = predicted class (argmax), as
 * sklearn and Ignite lay it out. `numClasses` defaults to the output's K.
 */
export function confusionMatrix(output: Tensor, target: Tensor, numClasses?: number): Tensor {
  const { s, t, n, k } = scoresAndTargets("confusionMatrix", output, target);
  const K = numClasses ?? k;
  if (K !== k) throw new Error(`confusionMatrix: numClasses is ${K} but the output has ${k} columns`);
  const m = new Int32Array(K * K);
  const p = rowArgmax(s, n, k);
  for (let i = 0; i < n; i++) m[t[i] * K + p[i]]++;
  return Tensor.fromData(m, [K, K]);
}

/** Per-class accuracy (recall) from a confusion matrix: diagonal / row sum; NaN for a class with no samples. */
export function perClassAccuracy(confusion: Tensor): number[] {
  if (!(confusion instanceof Tensor) || confusion.ndim !== 2 || confusion.shape[0] !== confusion.shape[1]) {
    throw new Error(`perClassAccuracy: expected a square confusion matrix [K, K]; got ${describe(confusion)}`);
  }
  const K = confusion.shape[0], d = confusion.dataRowMajor();
  const out: number[] = [];
  for (let c = 0; c < K; c++) {
    let row = 0;
    for (let j = 0; j < K; j++) row += d[c * K + j];
    out.push(row === 0 ? NaN : d[c * K + c] / row);
  }
  return out;
}

// ---- accumulating metrics -----------------------------------------------------------------------

/** An accumulating metric: reset() at the start of a pass, update() per batch, compute() at the end. */
export interface Metric<V = number> {
  /** The key in the logs ("accuracy", "top5", ...). */
  readonly name: string;
  reset(): void;
  /** `loss` is the batch's mean loss, when the caller has it. */
  update(output: Tensor, target: Tensor, loss?: number): void;
  compute(): V;
  /** Plain JSON state, for checkpoints that resume mid-epoch. */
  stateDict(): Record<string, unknown>;
  loadStateDict(state: Record<string, unknown>): void;
}

/** Counts correct rows (top-1 or top-k) over all updates. */
export class TopKAccuracy implements Metric {
  readonly name: string;
  correct = 0;
  total = 0;
  constructor(readonly k = 5, name?: string) {
    if (!Number.isInteger(k) || k < 1) throw new Error(`TopKAccuracy: k must be a positive integer, got ${k}`);
    this.name = name ?? `top${k}`;
  }
  reset(): void { this.correct = 0; this.total = 0; }
  update(output: Tensor, target: Tensor): void {
    const { s, t, n, k } = scoresAndTargets(this.name, output, target);
    for (let i = 0; i < n; i++) if (rankOfTarget(s, i, k, t[i]) < this.k) this.correct++;
    this.total += n;
  }
  compute(): number { return this.total === 0 ? NaN : this.correct / this.total; }
  stateDict(): Record<string, unknown> { return { correct: this.correct, total: this.total }; }
  loadStateDict(s: Record<string, unknown>): void { this.correct = Number(s.correct); this.total = Number(s.total); }
}

/** Top-1 accuracy (argmax equals the target). */
export class Accuracy extends TopKAccuracy {
  constructor() { super(1, "accuracy"); }
  override update(output: Tensor, target: Tensor): void {
    // argmax (first maximum) rather than rank, so ties behave like torch.argmax.
    const { s, t, n, k } = scoresAndTargets(this.name, output, target);
    const p = rowArgmax(s, n, k);
    for (let i = 0; i < n; i++) if (p[i] === t[i]) this.correct++;
    this.total += n;
  }
}

/** Mean loss over samples: each batch's mean loss weighted by its size. */
export class Loss implements Metric {
  readonly name = "loss";
  sum = 0;
  total = 0;
  reset(): void { this.sum = 0; this.total = 0; }
  update(output: Tensor, _target: Tensor, loss?: number): void {
    if (loss === undefined) throw new Error("Loss metric: update() needs the batch's mean loss");
    const n = output.shape[0] ?? 1;
    this.sum += loss * n;
    this.total += n;
  }
  compute(): number { return this.total === 0 ? NaN : this.sum / this.total; }
  stateDict(): Record<string, unknown> { return { sum: this.sum, total: this.total }; }
  loadStateDict(s: Record<string, unknown>): void { this.sum = Number(s.sum); this.total = Number(s.total); }
}

/** Accumulated confusion matrix [K, K] (K fixed by the first update unless given). */
export class ConfusionMatrix implements Metric<Tensor> {
  readonly name: string = "confusion";
  counts: Int32Array | null = null;
  constructor(public numClasses?: number) {}
  reset(): void { this.counts = null; }
  update(output: Tensor, target: Tensor): void {
    const K = this.numClasses ?? output.shape[output.ndim - 1];
    const m = confusionMatrix(output, target, K).dataRowMajor();
    if (!this.counts) { this.counts = new Int32Array(K * K); this.numClasses = K; }
    for (let i = 0; i < m.length; i++) this.counts[i] += m[i];
  }
  compute(): Tensor {
    const K = this.numClasses ?? 0;
    return Tensor.fromData(this.counts ? this.counts.slice() : new Int32Array(K * K), [K, K]);
  }
  stateDict(): Record<string, unknown> { return { numClasses: this.numClasses ?? null, counts: this.counts ? Array.from(this.counts) : null }; }
  loadStateDict(s: Record<string, unknown>): void {
    this.numClasses = (s.numClasses as number | null) ?? undefined;
    this.counts = s.counts ? Int32Array.from(s.counts as number[]) : null;
  }
}

/** Per-class accuracy (recall), computed from an accumulated confusion matrix. */
export class PerClassAccuracy implements Metric<number[]> {
  readonly name = "perClassAccuracy";
  readonly confusion: ConfusionMatrix;
  constructor(numClasses?: number) { this.confusion = new ConfusionMatrix(numClasses); }
  reset(): void { this.confusion.reset(); }
  update(output: Tensor, target: Tensor): void { this.confusion.update(output, target); }
  compute(): number[] { return perClassAccuracy(this.confusion.compute()); }
  stateDict(): Record<string, unknown> { return this.confusion.stateDict(); }
  loadStateDict(s: Record<string, unknown>): void { this.confusion.loadStateDict(s); }
}

/** A metric by its name: "accuracy", "top5" (any "top<k>"), "loss", "confusion", "perClassAccuracy". */
export function metricFromName(name: string): Metric<unknown> {
  if (name === "accuracy" || name === "acc") return new Accuracy();
  if (name === "loss") return new Loss();
  if (name === "confusion") return new ConfusionMatrix();
  if (name === "perClassAccuracy") return new PerClassAccuracy();
  const m = /^top(\d+)$/.exec(name);
  if (m) return new TopKAccuracy(Number(m[1]));
  throw new Error(`metric: unknown metric "${name}"; expected "accuracy", "top5" (or top<k>), "loss", "confusion" or "perClassAccuracy", or a Metric object`);
}
