// Typed-array loops for k-nearest-neighbour: keeping the k smallest distances of each query
// row (no sorting of whole rows), the L1 distance block, and the majority vote.
// Plain loops over typed arrays with no allocation inside, so they are cheap next to the GEMM.

import type { TypedArray } from "../tensor/dtype.js";

/**
 * Running top-k (smallest) for `rows` queries: best[r*k ..] ascending distances and their
 * training indices. Equal distances keep the earlier training index first (a stable order).
 */
export class TopK {
  readonly dist: Float64Array;
  readonly index: Int32Array;
  constructor(readonly rows: number, readonly k: number) {
    this.dist = new Float64Array(rows * k).fill(Infinity);
    this.index = new Int32Array(rows * k).fill(-1);
  }

  /**
   * Merge a block of distances: value(r, j) = block[r*ld + j] * scale + add[j] (add may be null)
   * for training indices col0 + j, j < cols. With scale -2 and add = ‖x_j‖² a GEMM block of
   * query·trainᵀ becomes the squared L2 distance less ‖q‖² (the same for every j, so the
   * ranking is unchanged and that term is never computed).
   */
  merge(row0: number, rows: number, block: TypedArray, ld: number, cols: number, col0: number, scale: number, add: TypedArray | null): void {
    for (let r = 0; r < rows; r++) {
      const base = (row0 + r) * this.k;
      const b0 = r * ld;
      if (add === null) this.mergeRow(base, block, b0, cols, col0, scale);
      else this.mergeRowAdd(base, block, b0, cols, col0, scale, add);
    }
  }

  // The hot loops: one load, one multiply(-add) and one compare per candidate; an insertion
  // (rare after the first few candidates) shifts at most k entries.
  private mergeRowAdd(base: number, block: TypedArray, b0: number, cols: number, col0: number, scale: number, add: TypedArray): void {
    const last = base + this.k - 1;
    let worst = this.dist[last];
    for (let j = 0; j < cols; j++) {
      const v = block[b0 + j] * scale + add[j];
      // Strict < : a later training point with an equal distance never displaces an earlier one.
      if (v < worst) worst = this.insert(base, last, v, col0 + j);
    }
  }

  private mergeRow(base: number, block: TypedArray, b0: number, cols: number, col0: number, scale: number): void {
    const last = base + this.k - 1;
    let worst = this.dist[last];
    for (let j = 0; j < cols; j++) {
      const v = block[b0 + j] * scale;
      if (v < worst) worst = this.insert(base, last, v, col0 + j);
    }
  }

  /** Insert (v, i) into the sorted run [base, last], dropping the largest; returns the new largest. */
  private insert(base: number, last: number, v: number, i: number): number {
    const dist = this.dist, index = this.index;
    let p = last;
    while (p > base && dist[p - 1] > v) {
      dist[p] = dist[p - 1];
      index[p] = index[p - 1];
      p--;
    }
    dist[p] = v;
    index[p] = i;
    return dist[last];
  }
}

/**
 * L1 distances of queries q[rows × D] (rows starting at qOff) against training rows
 * x[cols × D] (starting at xOff) into out[rows × cols]. Four training rows per pass share each
 * query load; sums are in double.
 */
export function l1Block(q: TypedArray, qOff: number, rows: number, x: TypedArray, xOff: number, cols: number, D: number, out: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const qa = qOff + r * D;
    const o = r * cols;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const x0 = xOff + j * D, x1 = x0 + D, x2 = x1 + D, x3 = x2 + D;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let d = 0; d < D; d++) {
        const a = q[qa + d];
        s0 += Math.abs(a - x[x0 + d]);
        s1 += Math.abs(a - x[x1 + d]);
        s2 += Math.abs(a - x[x2 + d]);
        s3 += Math.abs(a - x[x3 + d]);
      }
      out[o + j] = s0; out[o + j + 1] = s1; out[o + j + 2] = s2; out[o + j + 3] = s3;
    }
    for (; j < cols; j++) {
      const x0 = xOff + j * D;
      let s = 0;
      for (let d = 0; d < D; d++) s += Math.abs(q[qa + d] - x[x0 + d]);
      out[o + j] = s;
    }
  }
}

/**
 * Majority vote over the first k neighbours of each row of `top`, written to out[row0 + r].
 * Ties go to the smallest label (the course's rule). `counts` is scratch of length numClasses.
 */
export function vote(top: TopK, rows: number, k: number, labels: Int32Array, counts: Int32Array, out: Int32Array, row0: number): void {
  for (let r = 0; r < rows; r++) {
    counts.fill(0);
    const base = r * top.k;
    for (let i = 0; i < k; i++) counts[labels[top.index[base + i]]]++;
    let best = 0;
    for (let c = 1; c < counts.length; c++) if (counts[c] > counts[best]) best = c;
    out[row0 + r] = best;
  }
}
