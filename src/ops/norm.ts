// Normalisation ops: batchNorm, layerNorm, groupNorm, instanceNorm, localResponseNorm.
//
// batch/layer/group norm share one core op, `normalize`, over a [A, B, S] view of the input:
// statistics per b over (a, s). Batch norm is [N, C, spatial]; layer norm is [1, rows, K];
// group norm is [1, N·G, (C/G)·spatial]. The forward runs the per-channel kernels
// (backend/js/norm.ts); the backward is the standard batch-norm formula written with ops, and
// under createGraph it recomputes the statistics from x with ops so double backward is exact.

import { Tensor } from "../tensor/tensor.js";
import { allocate, allocateForOverwrite, type DType } from "../tensor/dtype.js";
import { fmtShape, numel } from "../tensor/shape.js";
import { kernels } from "../backend/backend.js";
import { record } from "../autograd/node.js";
import { isGradEnabled, noGrad } from "../autograd/grad_mode.js";
import { checkFloat, checkTensor, checkSameDtype } from "./util.js";
import { add, div, mul, pow, rsqrt, square, sub, copy_, gt } from "./elementwise.js";
import { mean, sum } from "./reduce.js";
import { reshape, repeat } from "./shape.js";

/** A per-b statistic as a [1, B, 1] tensor of the given dtype (a constant in the graph). */
function statTensor(v: Float64Array, dtype: DType): Tensor {
  const d = allocate(dtype, v.length);
  for (let i = 0; i < v.length; i++) d[i] = v[i];
  return Tensor.fromData(d, [1, v.length, 1]);
}

/**
 * The core op: y = (x − mu[b]) · rstd[b] · weight[b] + bias[b] over x viewed as [A, B, S].
 * `batchStats` says mu/rstd are x's own statistics over (a, s) (so the gradient flows through
 * them); otherwise they are constants (running statistics in eval mode).
 */
function normalize(
  name: string, x: Tensor, A: number, B: number, S: number, mu: Float64Array, rstd: Float64Array,
  batchStats: boolean, eps: number, weight: Tensor | null, bias: Tensor | null, relu = false,
): Tensor {
  const out = allocateForOverwrite(x.dtype, x.size);
  kernels().normApply(x.dataRowMajor(), A, B, S, mu, rstd, weight ? weight.dataRowMajor() : null, bias ? bias.dataRowMajor() : null, out, relu);
  const y = Tensor.fromData(out, x.shape);
  const dims = [0, 2];
  return record(name, y, [x, weight, bias], (g) => {
    // With relu, y > 0 is ReLU's gradient mask (the same as "batch norm's output > 0").
    if (!isGradEnabled()) return fastBackward(g, x, A, B, S, mu, rstd, batchStats, weight, bias, relu ? y : null);
    // createGraph: the same formulas with ops, so the gradients can be differentiated again.
    if (relu) g = mul(g, noGrad(() => gt(y, 0).to(y.dtype)));
    const x3 = reshape(x, [A, B, S]);
    const g3 = reshape(g, [A, B, S]);
    const needX = x._requiresGrad;
    const needW = !!weight && weight._requiresGrad;
    let rs: Tensor;
    let xhat: Tensor | null = null;
    if (batchStats && needX) {
      // The statistics as differentiable functions of x.
      const xc = sub(x3, mean(x3, dims, true));
      rs = rsqrt(add(mean(square(xc), dims, true), eps));
      xhat = mul(xc, rs);
    } else {
      rs = statTensor(rstd, x.dtype);
      if (needW || (batchStats && needX)) xhat = mul(sub(x3, statTensor(mu, x.dtype)), rs);
    }
    const gw = needW ? sum(mul(g3, xhat!), dims) : null;
    const gb = bias && bias._requiresGrad ? sum(g3, dims) : null;
    let gx: Tensor | null = null;
    if (needX) {
      const gy = weight ? mul(g3, reshape(weight, [1, B, 1])) : g3;
      gx = batchStats
        ? mul(rs, sub(sub(gy, mean(gy, dims, true)), mul(xhat!, mean(mul(gy, xhat!), dims, true))))
        : mul(gy, rs);
      gx = reshape(gx, x.shape);
    }
    return [gx, gw, gb];
  }, { saved: [x, ...(weight ? [weight] : []), ...(relu ? [y] : [])] });
}

/** First-order gradients of `normalize` by one fused kernel (nothing recorded). */
function fastBackward(
  g: Tensor, x: Tensor, A: number, B: number, S: number, mu: Float64Array, rstd: Float64Array,
  batchStats: boolean, weight: Tensor | null, bias: Tensor | null, reluOut: Tensor | null,
): (Tensor | null)[] {
  const gx = x._requiresGrad ? allocateForOverwrite(x.dtype, x.size) : null;
  const sumG = new Float64Array(B);
  const sumGXhat = new Float64Array(B);
  kernels().normBackward(x.dataRowMajor(), g.dataRowMajor(), A, B, S, mu, rstd, weight ? weight.dataRowMajor() : null, batchStats, gx, sumG, sumGXhat,
    reluOut ? reluOut.dataRowMajor() : null);
  const vec = (v: Float64Array): Tensor => {
    const d = allocate(x.dtype, B);
    for (let i = 0; i < B; i++) d[i] = v[i];
    return Tensor.fromData(d, [B]);
  };
  return [
    gx ? Tensor.fromData(gx, x.shape) : null,
    weight && weight._requiresGrad ? vec(sumGXhat) : null,
    bias && bias._requiresGrad ? vec(sumG) : null,
  ];
}

/** Mean and biased variance per b of x viewed as [A, B, S]. */
function stats(x: Tensor, A: number, B: number, S: number): { mu: Float64Array; variance: Float64Array } {
  const mu = new Float64Array(B);
  const variance = new Float64Array(B);
  kernels().normStats(x.dataRowMajor(), A, B, S, mu, variance);
  return { mu, variance };
}

function rstdOf(variance: Float64Array, eps: number): Float64Array {
  const r = new Float64Array(variance.length);
  for (let i = 0; i < r.length; i++) r[i] = 1 / Math.sqrt(variance[i] + eps);
  return r;
}

function checkVector(opName: string, t: Tensor | null | undefined, what: string, n: number, x: Tensor): Tensor | null {
  if (t === null || t === undefined) return null;
  checkTensor(opName, t, what);
  if (t.ndim !== 1 || t.shape[0] !== n) {
    throw new Error(`${opName}: ${what} should contain ${n} elements (one per channel), got shape ${fmtShape(t.shape)}`);
  }
  checkSameDtype(opName, x, t, "input", what);
  return t;
}

function checkEps(opName: string, eps: number): void {
  if (typeof eps !== "number" || !(eps >= 0)) throw new Error(`${opName}: eps must be a number ≥ 0, got ${eps}`);
}

/** r ← factor · stat + (1 − factor) · r, in place (a buffer update, outside the graph). */
function updateRunning(r: Tensor, stat: Float64Array, factor: number): void {
  const old = r.dataRowMajor();
  const d = allocate(r.dtype, r.size);
  for (let i = 0; i < d.length; i++) d[i] = factor * stat[i] + (1 - factor) * old[i];
  kernels().assignKernel(r, d);
  r._version.v++;
}

export interface BatchNormOptions {
  /** Per-channel scale γ, shape [C]. */
  weight?: Tensor | null;
  /** Per-channel shift β, shape [C]. */
  bias?: Tensor | null;
  /** Normalise with batch statistics and update the running ones (default false). */
  training?: boolean;
  /** Running-average factor (default 0.1); null means a cumulative average, 1/numBatchesTracked. */
  momentum?: number | null;
  eps?: number;
  /** With momentum null: the number of batches seen, this one included (nn.BatchNorm's num_batches_tracked after its increment). */
  numBatchesTracked?: number;
}

/**
 * Batch normalisation (torch.nn.functional.batch_norm) of [N, C], [N, C, L], [N, C, H, W], ...
 * Training normalises with the batch mean and biased variance and, when given, updates
 * runningMean/runningVar in place: r ← (1 − m)·r + m·stat, with the UNBIASED batch variance for
 * runningVar. Eval normalises with the running statistics, which must then be given. A layer
 * without running statistics (trackRunningStats false) passes training: true in eval too.
 * @example
 * const rm = zeros([3]), rv = ones([3]);
 * const y = F.batchNorm(randn([8, 3, 4, 4]), rm, rv, { training: true }); // rm, rv updated
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  return batchNormImpl("batchNorm", x, runningMean, runningVar, options, false);
}

/**
 * relu(batchNorm(x, ...)) in one pass: the batch norm's output is never materialised, and its
 * backward folds in ReLU's (the same numbers as the two ops; one tensor and two passes over
 * memory fewer). nn.Sequential and nn.batchNormReLU use it for a BatchNorm followed by a ReLU.
 * @example F.batchNormReLU(randn([8, 3, 4, 4]), null, null, { training: true })
 */
export function batchNormReLU(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  return batchNormImpl("batchNormReLU", x, runningMean, runningVar, options, true);
}

function batchNormImpl(op: string, x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions, relu: boolean): Tensor {
  const node = relu ? "BatchNormReluBackward" : "BatchNormBackward";
  checkTensor(op, x);
  checkFloat(op, x);
  if (x.ndim < 2) throw new Error(`${op}: input must have at least 2 dims [N, C, ...], got shape ${fmtShape(x.shape)}`);
  const training = options.training ?? false;
  const momentum = options.momentum === undefined ? 0.1 : options.momentum;
  const eps = options.eps ?? 1e-5;
  checkEps(op, eps);
  const [N, C] = x.shape;
  const S = numel(x.shape.slice(2));
  const rm = checkVector(op, runningMean, "runningMean", C, x);
  const rv = checkVector(op, runningVar, "runningVar", C, x);
  const weight = checkVector(op, options.weight, "weight", C, x);
  const bias = checkVector(op, options.bias, "bias", C, x);
  if (!training) {
    if (!rm || !rv) {
      throw new Error(`${op}: ${!rm ? "runningMean" : "runningVar"} must be given in evaluation mode (training: false); pass training: true to normalise with batch statistics`);
    }
    const mu = Float64Array.from(rm.dataRowMajor());
    const rstd = rstdOf(Float64Array.from(rv.dataRowMajor()), eps);
    return normalize(node, x, N, C, S, mu, rstd, false, eps, weight, bias, relu);
  }
  if (N * S === 1) throw new Error(`${op}: Expected more than 1 value per channel when training, got input size ${fmtShape(x.shape)}`);
  const { mu, variance } = stats(x, N, C, S);
  if (rm || rv) {
    let factor: number;
    if (momentum === null) {
      const nb = options.numBatchesTracked;
      if (typeof nb !== "number" || !(nb >= 1)) {
        throw new Error(`${op}: momentum null (a cumulative moving average) needs options.numBatchesTracked ≥ 1 (batches seen, this one included), got ${nb}`);
      }
      factor = 1 / nb;
    } else if (typeof momentum !== "number" || Number.isNaN(momentum)) {
      throw new Error(`${op}: momentum must be a number or null, got ${momentum}`);
    } else factor = momentum;
    const n = N * S;
    noGrad(() => {
      if (rm) updateRunning(rm, mu, factor);
      if (rv) updateRunning(rv, variance.map((v) => (v * n) / (n - 1)), factor);
    });
  }
  return normalize(node, x, N, C, S, mu, rstdOf(variance, eps), true, eps, weight, bias, relu);
}

export interface AffineNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

/**
 * Layer normalisation over the trailing dims given by normalizedShape
 * (torch.nn.functional.layer_norm); weight and bias have shape normalizedShape.
 * @example F.layerNorm(randn([2, 5, 8]), [8], { weight, bias })
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], options: AffineNormOptions = {}): Tensor {
  const op = "layerNorm";
  checkTensor(op, x);
  checkFloat(op, x);
  const ns = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
  const eps = options.eps ?? 1e-5;
  checkEps(op, eps);
  const lead = x.ndim - ns.length;
  if (lead < 0 || ns.some((s, i) => s !== x.shape[lead + i])) {
    throw new Error(`${op}: given normalizedShape ${fmtShape(ns)}, expected input with shape [*, ${ns.join(", ")}], but got input of shape ${fmtShape(x.shape)}`);
  }
  for (const [what, t] of [["weight", options.weight], ["bias", options.bias]] as const) {
    if (t == null) continue;
    checkTensor(op, t, what);
    checkSameDtype(op, x, t, "input", what);
    if (t.ndim !== ns.length || t.shape.some((s, i) => s !== ns[i])) {
      throw new Error(`${op}: expected ${what} of the same shape as normalizedShape ${fmtShape(ns)}, got ${fmtShape(t.shape)}`);
    }
  }
  const K = numel(ns);
  const R = numel(x.shape.slice(0, lead));
  const { mu, variance } = stats(x, 1, R, K);
  let y = normalize("LayerNormBackward", x, 1, R, K, mu, rstdOf(variance, eps), true, eps, null, null);
  if (options.weight) y = mul(y, options.weight);
  if (options.bias) y = add(y, options.bias);
  return y;
}

/**
 * Group normalisation (torch.nn.functional.group_norm): the C channels of [N, C, *] split into
 * numGroups groups, each normalised over its channels and spatial positions; weight/bias [C].
 */
export function groupNorm(x: Tensor, numGroups: number, options: AffineNormOptions = {}): Tensor {
  const op = "groupNorm";
  checkTensor(op, x);
  checkFloat(op, x);
  if (x.ndim < 2) throw new Error(`${op}: input must have at least 2 dims [N, C, ...], got shape ${fmtShape(x.shape)}`);
  const eps = options.eps ?? 1e-5;
  checkEps(op, eps);
  const [N, C] = x.shape;
  if (!Number.isInteger(numGroups) || numGroups < 1 || C % numGroups !== 0) {
    throw new Error(`${op}: expected the number of channels in input to be divisible by numGroups, but got input of shape ${fmtShape(x.shape)} and numGroups=${numGroups}`);
  }
  const spatial = x.shape.slice(2);
  if (((N * C) / numGroups) * numel(spatial) === 1) {
    throw new Error(`${op}: Expected more than 1 value per channel when training, got input size ${fmtShape([(N * C) / numGroups, numGroups, ...spatial])}`);
  }
  const weight = checkVector(op, options.weight, "weight", C, x);
  const bias = checkVector(op, options.bias, "bias", C, x);
  const B = N * numGroups;
  const S = (C / numGroups) * numel(spatial);
  const { mu, variance } = stats(x, 1, B, S);
  let y = normalize("GroupNormBackward", x, 1, B, S, mu, rstdOf(variance, eps), true, eps, null, null);
  const affShape = [1, C, ...spatial.map(() => 1)];
  if (weight) y = mul(y, reshape(weight, affShape));
  if (bias) y = add(y, reshape(bias, affShape));
  return y;
}

export interface InstanceNormOptions extends AffineNormOptions {
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  /** Normalise with each instance's own statistics (default true); false uses the running ones. */
  useInputStats?: boolean;
  momentum?: number;
}

/**
 * Instance normalisation (torch.nn.functional.instance_norm): each (n, c) normalised over its
 * spatial positions. Computed as PyTorch does: batch norm of x viewed as [1, N·C, *], with the
 * running statistics (if any) updated by the average over the batch.
 */
export function instanceNorm(x: Tensor, options: InstanceNormOptions = {}): Tensor {
  const op = "instanceNorm";
  checkTensor(op, x);
  checkFloat(op, x);
  if (x.ndim < 2) throw new Error(`${op}: input must have at least 2 dims [N, C, ...], got shape ${fmtShape(x.shape)}`);
  const useInputStats = options.useInputStats ?? true;
  const [N, C] = x.shape;
  const spatial = x.shape.slice(2);
  if (useInputStats && numel(spatial) === 1) {
    throw new Error(`${op}: Expected more than 1 spatial element when training, got input size ${fmtShape(x.shape)}`);
  }
  const rm = checkVector(op, options.runningMean, "runningMean", C, x);
  const rv = checkVector(op, options.runningVar, "runningVar", C, x);
  const weight = checkVector(op, options.weight, "weight", C, x);
  const bias = checkVector(op, options.bias, "bias", C, x);
  const rmN = rm ? repeat(rm.detach(), [N]).contiguous() : null;
  const rvN = rv ? repeat(rv.detach(), [N]).contiguous() : null;
  const y = batchNorm(reshape(x, [1, N * C, ...spatial]), rmN, rvN, {
    weight: weight ? repeat(weight, [N]) : null,
    bias: bias ? repeat(bias, [N]) : null,
    training: useInputStats, momentum: options.momentum ?? 0.1, eps: options.eps ?? 1e-5,
  });
  noGrad(() => {
    if (rm && rmN) copy_(rm, mean(reshape(rmN, [N, C]), 0));
    if (rv && rvN) copy_(rv, mean(reshape(rvN, [N, C]), 0));
  });
  return reshape(y, x.shape);
}

/** Σ over a window of neighbouring channels (zero outside), as an op; its adjoint swaps the sides. */
function channelWindowSum(x: Tensor, before: number, after: number): Tensor {
  const [N, C] = x.shape;
  const S = numel(x.shape.slice(2));
  const out = allocate(x.dtype, x.size);
  kernels().channelWindowSum(x.dataRowMajor(), N, C, S, before, after, out);
  return record("ChannelWindowSumBackward", Tensor.fromData(out, x.shape), [x], (g) => [channelWindowSum(g, after, before)]);
}

export interface LocalResponseNormOptions {
  alpha?: number;
  beta?: number;
  k?: number;
}

/**
 * Local response normalisation across channels (AlexNet; torch.nn.functional.local_response_norm):
 * b_c = a_c / (k + alpha/size · Σ_{c'} a_{c'}²)^beta, the sum over the `size` channels around c
 * (size/2 before, (size−1)/2 after, zero-padded at the edges). Input [N, C, *] with ≥ 3 dims.
 */
export function localResponseNorm(x: Tensor, size: number, options: LocalResponseNormOptions = {}): Tensor {
  const op = "localResponseNorm";
  checkTensor(op, x);
  checkFloat(op, x);
  if (x.ndim < 3) throw new Error(`${op}: expected 3D or higher dimensionality input [N, C, *], got shape ${fmtShape(x.shape)}`);
  if (!Number.isInteger(size) || size < 1) throw new Error(`${op}: size must be a positive integer, got ${size}`);
  const { alpha = 1e-4, beta = 0.75, k = 1 } = options;
  if (x.size === 0) return x;
  // Same sequence of roundings as PyTorch: average over the window, then ·alpha + k, ^beta.
  const avg = div(channelWindowSum(mul(x, x), Math.floor(size / 2), Math.floor((size - 1) / 2)), size);
  return div(x, pow(add(mul(avg, alpha), k), beta));
}
