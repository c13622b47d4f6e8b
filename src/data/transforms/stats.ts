// Dataset statistics for preprocessing: per-channel mean/std (for Normalize), the mean image
// (for SubtractMeanImage), and the RGB principal components (for AlexNet's Lighting), with a
// small Jacobi eigen-solver for the 3×3 covariance.
//
// Sources: a tensor [N, C, H, W] (values used as they are), an array of Images/tensors, or a
// Dataset ({ length, get(i) }, items may be [x, label] pairs; async, since get may be). Images
// are scaled to [0, 1] like ToTensor, so the results plug straight into Normalize after ToTensor.

import { Tensor } from "../../tensor/tensor.js";
import type { Image } from "../image.js";
import { describe, isImageLike } from "./common.js";

/** The minimal dataset shape used here (src/data/dataset.ts's Dataset). */
export interface DatasetLike {
  readonly length: number;
  get(index: number): unknown;
}

export type StatsSource = Tensor | readonly (Image | Tensor)[];

/** One sample as channel planes of float values: data[c·h·w + k]. */
interface Sample { data: ArrayLike<number>; c: number; h: number; w: number; scale: number; hwc: boolean }

function sampleOf(op: string, x: unknown): Sample {
  if (Array.isArray(x)) x = x[0]; // (image, label) pairs
  if (x instanceof Tensor) {
    if (x.ndim !== 3 && x.ndim !== 2) throw new Error(`${op}: each sample should be a tensor [C, H, W]; got shape [${x.shape.join(", ")}]`);
    const [c, h, w] = x.ndim === 2 ? [1, x.shape[0], x.shape[1]] : x.shape;
    return { data: x.dataRowMajor(), c, h, w, scale: 1, hwc: false };
  }
  if (isImageLike(x)) return { data: x.data, c: x.channels, h: x.height, w: x.width, scale: 1 / 255, hwc: true };
  throw new Error(`${op}: each sample should be an Image or a tensor [C, H, W]; got ${describe(x)}`);
}

/** Visit every sample of a sync source. */
function eachSync(op: string, src: StatsSource, visit: (s: Sample) => void): number {
  if (src instanceof Tensor) {
    if (src.ndim !== 4) throw new Error(`${op}: expected a tensor [N, C, H, W]; got shape [${src.shape.join(", ")}]`);
    const [n, c, h, w] = src.shape;
    const all = src.dataRowMajor(), per = c * h * w;
    for (let i = 0; i < n; i++) visit({ data: all.subarray(i * per, (i + 1) * per), c, h, w, scale: 1, hwc: false });
    return n;
  }
  if (!Array.isArray(src)) throw new Error(`${op}: expected a tensor [N, C, H, W], an array of images, or a dataset; got ${describe(src)}`);
  for (const x of src) visit(sampleOf(op, x));
  return src.length;
}

async function eachAsync(op: string, ds: DatasetLike, visit: (s: Sample) => void): Promise<number> {
  for (let i = 0; i < ds.length; i++) visit(sampleOf(op, await ds.get(i)));
  return ds.length;
}

function isDataset(x: unknown): x is DatasetLike {
  return typeof x === "object" && x !== null && !(x instanceof Tensor) && !Array.isArray(x) && typeof (x as DatasetLike).get === "function";
}

function run<R>(op: string, src: StatsSource | DatasetLike, visit: (s: Sample) => void, done: (n: number) => R): R | Promise<R> {
  if (isDataset(src)) return eachAsync(op, src, visit).then(done);
  return done(eachSync(op, src, visit));
}

/** Per-channel value of a sample's pixel k (handles HWC Images and CHW tensors). */
function planeSums(op: string, s: Sample, acc: { c: number; sum: Float64Array; sq: Float64Array; count: number }): void {
  if (acc.c === -1) { acc.c = s.c; acc.sum = new Float64Array(s.c); acc.sq = new Float64Array(s.c); }
  if (s.c !== acc.c) throw new Error(`${op}: samples have different channel counts (${acc.c} and ${s.c})`);
  const hw = s.h * s.w;
  for (let c = 0; c < s.c; c++) {
    let sum = 0, sq = 0;
    for (let k = 0; k < hw; k++) {
      const v = s.data[s.hwc ? k * s.c + c : c * hw + k] * s.scale;
      sum += v;
      sq += v * v;
    }
    acc.sum[c] += sum;
    acc.sq[c] += sq;
  }
  acc.count += hw;
}

export interface MeanStd { mean: number[]; std: number[] }

/**
 * Per-channel mean and (population) standard deviation over every pixel of every sample, e.g.
 * CIFAR-10's [0.4914, 0.4822, 0.4465] / [0.2470, 0.2435, 0.2616]. Dataset sources return a Promise.
 */
export function computeMeanStd(src: StatsSource): MeanStd;
export function computeMeanStd(src: DatasetLike): Promise<MeanStd>;
export function computeMeanStd(src: StatsSource | DatasetLike): MeanStd | Promise<MeanStd> {
  const acc = { c: -1, sum: new Float64Array(0), sq: new Float64Array(0), count: 0 };
  return run("computeMeanStd", src, (s) => planeSums("computeMeanStd", s, acc), (n) => {
    if (n === 0) throw new Error("computeMeanStd: the source is empty");
    const mean = Array.from(acc.sum, (v) => v / acc.count);
    const std = Array.from(acc.sq, (v, c) => Math.sqrt(Math.max(v / acc.count - mean[c] * mean[c], 0)));
    return { mean, std };
  });
}

/** The average image, a float32 tensor [C, H, W] (all samples must have one size). Dataset sources return a Promise. */
export function computeMeanImage(src: StatsSource): Tensor;
export function computeMeanImage(src: DatasetLike): Promise<Tensor>;
export function computeMeanImage(src: StatsSource | DatasetLike): Tensor | Promise<Tensor> {
  let acc: Float64Array | null = null, shape: number[] = [];
  return run("computeMeanImage", src, (s) => {
    const hw = s.h * s.w;
    if (!acc) { acc = new Float64Array(s.c * hw); shape = [s.c, s.h, s.w]; }
    if (s.c !== shape[0] || s.h !== shape[1] || s.w !== shape[2]) {
      throw new Error(`computeMeanImage: samples must share one size; got [${shape}] and [${[s.c, s.h, s.w]}]`);
    }
    for (let c = 0; c < s.c; c++) for (let k = 0; k < hw; k++) acc[c * hw + k] += s.data[s.hwc ? k * s.c + c : c * hw + k] * s.scale;
  }, (n) => {
    if (n === 0 || !acc) throw new Error("computeMeanImage: the source is empty");
    const a = acc as Float64Array;
    return Tensor.fromData(Float32Array.from(a, (v) => v / n), shape);
  });
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations. Returns eigenvalues in
 * descending order and `vectors` whose COLUMNS are the unit eigenvectors (vectors[i][j] is
 * component i of eigenvector j), so A·v_j = λ_j·v_j.
 */
export function symmetricEigen(A: readonly (readonly number[])[]): { values: number[]; vectors: number[][] } {
  const n = A.length;
  if (A.some((row) => row.length !== n)) throw new Error(`symmetricEigen: expected a square matrix; got ${n} rows of lengths [${A.map((r) => r.length)}]`);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) {
    if (Math.abs(A[i][j] - A[j][i]) > 1e-9 * (Math.abs(A[i][j]) + Math.abs(A[j][i]) + 1e-300)) throw new Error(`symmetricEigen: matrix is not symmetric at (${i}, ${j}): ${A[i][j]} vs ${A[j][i]}`);
  }
  const a = A.map((r) => [...r]);
  const v: number[][] = a.map((_, i) => a.map((__, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0, total = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { total += a[i][j] * a[i][j]; if (i !== j) off += a[i][j] * a[i][j]; }
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        if (a[p][q] === 0) continue;
        // Rotation angle that zeroes a[p][q] (Numerical Recipes' stable form).
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p], akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k], aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p], vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = a.map((_, i) => i).sort((x, y) => a[y][y] - a[x][x]);
  return { values: order.map((i) => a[i][i]), vectors: v.map((row) => order.map((j) => row[j])) };
}

export interface PCALighting {
  /** Eigenvalues of the RGB covariance, descending. */
  eigval: number[];
  /** 3×3, columns are the eigenvectors (sign arbitrary). */
  eigvec: number[][];
  mean: number[];
  cov: number[][];
}

/**
 * The principal components of RGB pixel values over a dataset (AlexNet §4.1): the covariance of
 * all pixels (Images in [0, 1]) and its eigen-decomposition, ready for Lighting(α, eigval, eigvec).
 */
export function computePCALighting(src: StatsSource): PCALighting;
export function computePCALighting(src: DatasetLike): Promise<PCALighting>;
export function computePCALighting(src: StatsSource | DatasetLike): PCALighting | Promise<PCALighting> {
  const sum = new Float64Array(3), prod = new Float64Array(9);
  let count = 0;
  return run("computePCALighting", src, (s) => {
    if (s.c !== 3) throw new Error(`computePCALighting: needs RGB (3-channel) samples; got ${s.c} channels`);
    const hw = s.h * s.w;
    for (let k = 0; k < hw; k++) {
      const r = s.data[s.hwc ? 3 * k : k] * s.scale, g = s.data[s.hwc ? 3 * k + 1 : hw + k] * s.scale, b = s.data[s.hwc ? 3 * k + 2 : 2 * hw + k] * s.scale;
      sum[0] += r; sum[1] += g; sum[2] += b;
      prod[0] += r * r; prod[1] += r * g; prod[2] += r * b; prod[4] += g * g; prod[5] += g * b; prod[8] += b * b;
    }
    count += hw;
  }, () => {
    if (count === 0) throw new Error("computePCALighting: the source is empty");
    const mean = Array.from(sum, (v) => v / count);
    const cov = [0, 1, 2].map((i) => [0, 1, 2].map((j) => prod[Math.min(i, j) * 3 + Math.max(i, j)] / count - mean[i] * mean[j]));
    const { values, vectors } = symmetricEigen(cov);
    return { eigval: values, eigvec: vectors, mean, cov };
  });
}
