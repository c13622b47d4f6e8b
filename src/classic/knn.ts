// k-nearest-neighbour classifier (CS231n's first classifier), brute force but fast:
// L2 distances by the expansion ‖q − x‖² = ‖q‖² + ‖x‖² − 2 q·x, so the matmul (the active
// backend's GEMM) does nearly all the work; L1 by a blocked loop. Queries and training rows are
// processed in blocks sized from `memoryBudget`, and each query keeps only its k best
// candidates while the blocks stream past, so 10k queries × 60k training images never
// materialise a 10k × 60k matrix.

import { Tensor } from "../tensor/tensor.js";
import { allocate } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import { matmul } from "../ops/matmul.js";
import { narrow, transpose } from "../ops/shape.js";
import { noGrad } from "../autograd/grad_mode.js";
import { TopK, l1Block, vote } from "./knn_kernels.js";
import { accuracy, asDtype, checkFeatures, checkLabels, checkPositiveInt } from "./util.js";

export type KnnMetric = "l1" | "l2";

export interface KNearestNeighborOptions {
  /** Neighbours that vote (default 1). */
  k?: number;
  /** "l2" (Euclidean, default) or "l1" (Manhattan). */
  metric?: KnnMetric;
  /** Most bytes of scratch one predict() may hold at once (default 512 MiB). */
  memoryBudget?: number;
}

const MiB = 1 << 20;
/** Training rows per block: large enough that the GEMM runs near peak, small enough to stay cheap to allocate. */
const TRAIN_BLOCK = 4096;
/** Query rows per block (more gains nothing once the GEMM is efficient). */
const QUERY_BLOCK = 1024;

/**
 * k-nearest-neighbour classifier.
 *
 * ```ts
 * const knn = new classic.KNearestNeighbor({ k: 5 }).fit(Xtrain, ytrain); // X: [N, D] float, y: int32 [N]
 * const pred = knn.predict(Xtest);                 // int32 [Q]
 * const [p1, p3, p5] = knn.predictMany(Xval, [1, 3, 5]); // one distance pass, several k
 * ```
 * The vote is a plain majority; ties go to the smallest label (CS231n's rule). Among training
 * points at exactly equal distance, the one that comes first in the training set wins.
 */
export class KNearestNeighbor {
  readonly k: number;
  readonly metric: KnnMetric;
  readonly memoryBudget: number;
  private X: Tensor | null = null;
  private y: Int32Array | null = null;
  private numClasses = 0;
  /** ‖x_j‖² of every training row (L2 only). */
  private sq: Float64Array | null = null;

  constructor(options: KNearestNeighborOptions = {}) {
    const { k = 1, metric = "l2", memoryBudget = 512 * MiB } = options;
    this.k = checkPositiveInt("KNearestNeighbor", "k", k);
    if (metric !== "l1" && metric !== "l2") throw new Error(`KNearestNeighbor: metric must be "l1" or "l2", got ${JSON.stringify(metric)}`);
    this.metric = metric;
    if (typeof memoryBudget !== "number" || !(memoryBudget > 0)) {
      throw new Error(`KNearestNeighbor: memoryBudget must be a positive number of bytes, got ${String(memoryBudget)}`);
    }
    this.memoryBudget = memoryBudget;
  }

  /** Memorise the training set (X: [N, D] or [N, ...] float, y: int32 [N]). Returns this. */
  fit(X: Tensor, y: Tensor): this {
    const x = checkFeatures("KNearestNeighbor.fit", X).contiguous();
    const n = x.shape[0];
    if (n === 0) throw new Error("KNearestNeighbor.fit: X has no rows");
    const labels = checkLabels("KNearestNeighbor.fit", y, n);
    this.X = x;
    this.y = labels;
    let maxLabel = 0;
    for (let i = 0; i < n; i++) if (labels[i] > maxLabel) maxLabel = labels[i];
    this.numClasses = maxLabel + 1;
    this.sq = null;
    if (this.metric === "l2") {
      const d = x.shape[1], data = x.dataRowMajor();
      const sq = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = i * d, e = j + d; j < e; j++) s += data[j] * data[j];
        sq[i] = s;
      }
      this.sq = sq;
    }
    return this;
  }

  /** Number of training rows memorised by fit(). */
  get numTrain(): number {
    return this.X ? this.X.shape[0] : 0;
  }

  private trained(opName: string): { X: Tensor; y: Int32Array } {
    if (!this.X || !this.y) throw new Error(`KNearestNeighbor.${opName}: call fit(X, y) first`);
    return { X: this.X, y: this.y };
  }

  private queries(opName: string, Xq: Tensor): Tensor {
    const { X } = this.trained(opName);
    const q = asDtype(checkFeatures(`KNearestNeighbor.${opName}`, Xq, "Xq"), X).contiguous();
    if (q.shape[1] !== X.shape[1]) {
      throw new Error(`KNearestNeighbor.${opName}: queries have ${q.shape[1]} features (shape ${fmtShape(q.shape)}) but the training data has ${X.shape[1]}`);
    }
    return q;
  }

  /**
   * Distances from every query to every training row: [Q, N] in the data's dtype (Euclidean
   * distance for "l2", i.e. the square root, as in the course; sum of absolute differences for
   * "l1"). The result itself must fit in memoryBudget; predict() never builds it.
   */
  distances(Xq: Tensor): Tensor {
    const q = this.queries("distances", Xq);
    const X = this.X!;
    const Q = q.shape[0], N = X.shape[0], D = X.shape[1];
    const bytes = Q * N * (X.dtype === "float64" ? 8 : 4);
    if (bytes > this.memoryBudget) {
      throw new Error(`KNearestNeighbor.distances: the [${Q}, ${N}] result needs ${(bytes / MiB).toFixed(1)} MiB, more than memoryBudget (${(this.memoryBudget / MiB).toFixed(1)} MiB); use predict(), which works in blocks, or raise memoryBudget`);
    }
    const out = allocate(X.dtype, Q * N);
    if (this.metric === "l2") {
      const qd = q.dataRowMajor(), sq = this.sq!;
      // In query blocks, so the GEMM's temporary stays small next to the result (and within
      // what the budget leaves over).
      const eb = X.dtype === "float64" ? 8 : 4;
      const rows = Math.max(1, Math.min(Q, Math.floor((QUERY_BLOCK * TRAIN_BLOCK) / N), Math.floor((this.memoryBudget - bytes) / (N * eb))));
      for (let r0 = 0; r0 < Q; r0 += rows) {
        const m = Math.min(rows, Q - r0);
        const G = noGrad(() => matmul(narrow(q, 0, r0, m), transpose(X, 0, 1))).dataRowMajor();
        for (let r = 0; r < m; r++) {
          const i = r0 + r;
          let qq = 0;
          for (let j = i * D, e = j + D; j < e; j++) qq += qd[j] * qd[j];
          for (let j = 0; j < N; j++) {
            // Rounding can make a true zero slightly negative; clamp before the square root.
            out[i * N + j] = Math.sqrt(Math.max(0, qq + sq[j] - 2 * G[r * N + j]));
          }
        }
      }
    } else {
      const tmp = new Float64Array(N);
      const qd = q.dataRowMajor(), xd = X.dataRowMajor();
      for (let i = 0; i < Q; i++) {
        l1Block(qd, i * D, 1, xd, 0, N, D, tmp);
        out.set(tmp, i * N);
      }
    }
    return Tensor.fromData(out, [Q, N]);
  }

  /** Predicted labels, int32 [Q]; `k` overrides the constructor's k for this call. */
  predict(Xq: Tensor, options: { k?: number } = {}): Tensor {
    const k = checkPositiveInt("KNearestNeighbor.predict", "k", options.k ?? this.k);
    return this.predictKs("predict", Xq, [k])[0];
  }

  /**
   * Predictions for several k from one distance computation (what cross-validating k needs):
   * one int32 [Q] tensor per entry of `ks`, in the same order.
   */
  predictMany(Xq: Tensor, ks: readonly number[]): Tensor[] {
    if (!Array.isArray(ks) || ks.length === 0) throw new Error(`KNearestNeighbor.predictMany: ks must be a non-empty array of k values, got ${JSON.stringify(ks)}`);
    return this.predictKs("predictMany", Xq, ks);
  }

  private predictKs(opName: string, Xq: Tensor, ks: readonly number[]): Tensor[] {
    const q = this.queries(opName, Xq);
    const N = this.X!.shape[0];
    for (const k of ks) {
      checkPositiveInt(`KNearestNeighbor.${opName}`, "k", k);
      if (k > N) throw new Error(`KNearestNeighbor.${opName}: k = ${k} is larger than the ${N} training rows`);
    }
    const kmax = Math.max(...ks);
    const Q = q.shape[0];
    const outs = ks.map(() => new Int32Array(Q));
    const counts = new Int32Array(this.numClasses);
    const { qb } = this.plan(Q, kmax);
    for (let r0 = 0; r0 < Q; r0 += qb) {
      const rows = Math.min(qb, Q - r0);
      const top = this.nearest(q, r0, rows, kmax);
      ks.forEach((k, i) => vote(top, rows, k, this.y!, counts, outs[i], r0));
    }
    return outs.map((o) => Tensor.fromData(o, [Q]));
  }

  /**
   * Indices (int32 [Q, k]) and distances ([Q, k], the data's dtype; same units as distances())
   * of each query's k nearest training rows, nearest first.
   */
  kneighbors(Xq: Tensor, options: { k?: number } = {}): { indices: Tensor; distances: Tensor } {
    const q = this.queries("kneighbors", Xq);
    const k = checkPositiveInt("KNearestNeighbor.kneighbors", "k", options.k ?? this.k);
    const N = this.X!.shape[0], D = this.X!.shape[1];
    if (k > N) throw new Error(`KNearestNeighbor.kneighbors: k = ${k} is larger than the ${N} training rows`);
    const Q = q.shape[0];
    const idx = new Int32Array(Q * k), dist = allocate(this.X!.dtype, Q * k);
    const qd = q.dataRowMajor();
    const { qb } = this.plan(Q, k);
    for (let r0 = 0; r0 < Q; r0 += qb) {
      const rows = Math.min(qb, Q - r0);
      const top = this.nearest(q, r0, rows, k);
      for (let r = 0; r < rows; r++) {
        let qq = 0;
        if (this.metric === "l2") for (let j = (r0 + r) * D, e = j + D; j < e; j++) qq += qd[j] * qd[j];
        for (let i = 0; i < k; i++) {
          idx[(r0 + r) * k + i] = top.index[r * k + i];
          const v = top.dist[r * k + i];
          dist[(r0 + r) * k + i] = this.metric === "l2" ? Math.sqrt(Math.max(0, v + qq)) : v;
        }
      }
    }
    return { indices: Tensor.fromData(idx, [Q, k]), distances: Tensor.fromData(dist, [Q, k]) };
  }

  /** Accuracy of predict(X) against int32 labels y (what crossValidate calls). */
  score(X: Tensor, y: Tensor): number {
    const pred = this.predict(X);
    return accuracy(pred.dataRowMajor(), checkLabels("KNearestNeighbor.score", y, pred.shape[0]));
  }

  /**
   * Block sizes within memoryBudget: a distance block of qb × nb values, plus the per-query
   * top-k state (12 bytes per candidate). Shrinks the training block only when even one query
   * row would not fit.
   */
  private plan(Q: number, k: number): { qb: number; nb: number } {
    const N = this.X!.shape[0];
    const eb = this.metric === "l1" || this.X!.dtype === "float64" ? 8 : 4;
    let nb = Math.min(N, TRAIN_BLOCK);
    let qb = Math.floor(this.memoryBudget / (nb * eb + k * 12));
    if (qb < 1) {
      nb = Math.floor((this.memoryBudget - k * 12) / eb);
      qb = 1;
      if (nb < 1) throw new Error(`KNearestNeighbor: memoryBudget (${this.memoryBudget} bytes) is too small for even one distance (k = ${k} needs ${k * 12 + eb})`);
    }
    return { qb: Math.max(1, Math.min(qb, QUERY_BLOCK, Q)), nb };
  }

  /** Top-k of query rows [r0, r0 + rows) over all training blocks (L2 values lack the ‖q‖² term). */
  private nearest(q: Tensor, r0: number, rows: number, k: number): TopK {
    const X = this.X!;
    const N = X.shape[0], D = X.shape[1];
    const { nb } = this.plan(rows, k);
    const top = new TopK(rows, k);
    const qBlock = narrow(q, 0, r0, rows);
    const scratch = this.metric === "l1" ? new Float64Array(rows * Math.min(nb, N)) : null;
    for (let c0 = 0; c0 < N; c0 += nb) {
      const cols = Math.min(nb, N - c0);
      if (this.metric === "l2") {
        // One GEMM per block: q·xᵀ, [rows, cols]; the transposed view goes to GEMM uncopied.
        const G = noGrad(() => matmul(qBlock, transpose(narrow(X, 0, c0, cols), 0, 1))).dataRowMajor();
        top.merge(0, rows, G, cols, cols, c0, -2, this.sq!.subarray(c0, c0 + cols));
      } else {
        l1Block(q.dataRowMajor(), r0 * D, rows, X.dataRowMajor(), c0 * D, cols, D, scratch!);
        top.merge(0, rows, scratch!, cols, cols, c0, 1, null);
      }
    }
    return top;
  }
}
