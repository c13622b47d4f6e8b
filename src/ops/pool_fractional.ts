// Fractional max-pooling (Graham 2014, "Fractional Max-Pooling"), PyTorch's
// F.fractional_max_pool2d: the output is a non-integer fraction of the input (e.g. 1/√2 per
// pooling layer instead of 1/2), the kernelSize windows starting at pseudo-random, overlapping
// positions. Each (sample, channel) plane draws two numbers u ∈ [0, 1) (`randomSamples`
// [N, C, 2]: index 0 for the width, 1 for the height) and the window starts are
//   start[i] = ⌊(i + u)·α⌋ − ⌊u·α⌋  (i < out − 1),  start[out − 1] = in − k,  α = (in − k)/(out − 1),
// computed in the input's dtype as PyTorch's C++ kernel does (float32 arithmetic for float32
// inputs), so the same samples select the same windows. The forward finds each window's argmax;
// the output is then a gather of those positions, whose gradient (a scatter-add to the maxima)
// is itself an op, so double backward and gradcheck work.

import { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import { defaultGenerator } from "../tensor/random.js";
import { checkFloat, checkTensor, pair } from "./util.js";
import { gather } from "./indexing.js";
import { reshape, squeeze, unsqueeze } from "./shape.js";
import type { IntPair } from "./conv.js";

export interface FractionalMaxPool2dOptions {
  /** The output size [oH, oW] (or an int for both). Exactly one of outputSize / outputRatio. */
  outputSize?: IntPair | null;
  /** The output size as a fraction of the input: oH = ⌊H·ratio⌋ (a number or [rH, rW]). */
  outputRatio?: number | readonly number[] | null;
  /**
   * The per-plane samples in [0, 1), a tensor [N, C, 2] (N = 1 for an unbatched input) of the
   * input's dtype; drawn from the global generator when not given (PyTorch's `_random_samples`).
   */
  randomSamples?: Tensor | null;
}

/** PyTorch's generate_intervals: the start of each of the `out` windows of size k along an axis of size n. */
function intervals(sample: number, n: number, out: number, k: number, f32: boolean): Int32Array {
  const r = f32 ? Math.fround : (v: number) => v;
  const seq = new Int32Array(out);
  if (out > 1) {
    const alpha = r(r(n - k) / r(out - 1));
    const base = Math.trunc(r(sample * alpha));
    for (let i = 0; i < out - 1; i++) seq[i] = Math.trunc(r(r(i + sample) * alpha)) - base;
  }
  if (out > 0) seq[out - 1] = n - k;
  return seq;
}

function outputSizeOf(op: string, x: Tensor, opts: FractionalMaxPool2dOptions): [number, number] {
  const H = x.shape[x.ndim - 2], W = x.shape[x.ndim - 1];
  if (opts.outputSize != null && opts.outputRatio != null) {
    throw new Error(`${op}: give only one of outputSize and outputRatio, got both (${JSON.stringify(opts.outputSize)} and ${JSON.stringify(opts.outputRatio)})`);
  }
  if (opts.outputSize != null) return pair(op, "outputSize", opts.outputSize, 1);
  if (opts.outputRatio != null) {
    const r = typeof opts.outputRatio === "number" ? [opts.outputRatio, opts.outputRatio] : opts.outputRatio;
    if (r.length !== 2 || !r.every((v) => typeof v === "number" && v > 0 && v < 1)) {
      throw new Error(`${op}: outputRatio must be a number in (0, 1) or a pair of them, got ${JSON.stringify(opts.outputRatio)}`);
    }
    return [Math.trunc(H * r[0]), Math.trunc(W * r[1])];
  }
  throw new Error(`${op}: requires specifying either an outputSize or an outputRatio`);
}

/**
 * fractionalMaxPool2d that also returns the argmax of each window as int32 flat positions
 * h·W + w within its plane (PyTorch returns int64 indices; the positions are the same).
 */
export function fractionalMaxPool2dWithIndices(x: Tensor, kernelSize: IntPair, options: FractionalMaxPool2dOptions = {}): { output: Tensor; indices: Tensor } {
  const op = "fractionalMaxPool2d";
  checkTensor(op, x);
  checkFloat(op, x);
  if ((x.ndim !== 3 && x.ndim !== 4) || x.shape.slice(-3).some((s) => s === 0)) {
    throw new Error(`${op}: expected a 3-d (unbatched [C, H, W]) or 4-d ([N, C, H, W]) input with non-zero C, H, W, got shape ${fmtShape(x.shape)}`);
  }
  const [kH, kW] = pair(op, "kernelSize", kernelSize, 1);
  const [oH, oW] = outputSizeOf(op, x, options);
  const x4 = x.ndim === 4 ? x : unsqueeze(x, 0);
  const [N, C, H, W] = x4.shape;
  if (oH + kH - 1 > H) throw new Error(`${op}: pool height ${kH} too large relative to input height ${H} (output height ${oH}); need outputH + kH − 1 ≤ H`);
  if (oW + kW - 1 > W) throw new Error(`${op}: pool width ${kW} too large relative to input width ${W} (output width ${oW}); need outputW + kW − 1 ≤ W`);
  const f32 = x.dtype === "float32";
  let samples: ArrayLike<number>;
  if (options.randomSamples != null) {
    const s = checkTensor(op, options.randomSamples, "randomSamples");
    if (s.ndim !== 3 || s.shape[0] !== N || s.shape[1] !== C || s.shape[2] !== 2) {
      throw new Error(`${op}: randomSamples must have shape [${N}, ${C}, 2] (batch, channels, 2), got ${fmtShape(s.shape)}`);
    }
    checkFloat(op, s, "randomSamples");
    samples = s.dataRowMajor();
  } else {
    // torch.rand(N, C, 2, dtype=input.dtype): one pair per plane from the global generator.
    const a = new Float64Array(N * C * 2);
    for (let i = 0; i < a.length; i++) a[i] = f32 ? Math.fround(defaultGenerator.random()) : defaultGenerator.random();
    samples = a;
  }
  const src = x4.dataRowMajor();
  const plane = H * W, outPlane = oH * oW;
  const idx = new Int32Array(N * C * outPlane);
  for (let p = 0; p < N * C; p++) {
    const seqW = intervals(samples[2 * p], W, oW, kW, f32);
    const seqH = intervals(samples[2 * p + 1], H, oH, kH, f32);
    const base = p * plane;
    for (let h = 0; h < oH; h++) {
      const h0 = seqH[h];
      for (let w = 0; w < oW; w++) {
        const w0 = seqW[w];
        let best = -Infinity, bestIdx = h0 * W + w0;
        for (let h2 = h0; h2 < h0 + kH; h2++) {
          for (let w2 = w0; w2 < w0 + kW; w2++) {
            const v = src[base + h2 * W + w2];
            // PyTorch's rule: strictly greater wins (first max on ties), and a NaN always wins.
            if (v > best || Number.isNaN(v)) { best = v; bestIdx = h2 * W + w2; }
          }
        }
        idx[p * outPlane + h * oW + w] = bestIdx;
      }
    }
  }
  const indices4 = Tensor.fromData(idx, [N, C, oH, oW]);
  const flat = gather(reshape(x4, [N, C, plane]), 2, reshape(indices4, [N, C, outPlane]));
  const output4 = reshape(flat, [N, C, oH, oW]);
  if (x.ndim === 4) return { output: output4, indices: indices4 };
  return { output: squeeze(output4, 0), indices: squeeze(indices4, 0) };
}

/**
 * Fractional max-pooling over kernelSize windows at pseudo-random positions, to an output of
 * `outputSize` or `outputRatio` × the input (PyTorch's F.fractional_max_pool2d). Random in
 * training and evaluation alike (as in PyTorch); pass `randomSamples` to fix the windows.
 *
 * @example
 * F.fractionalMaxPool2d(randn([1, 3, 32, 32]), 2, { outputRatio: 1 / Math.SQRT2 }).shape; // [1, 3, 22, 22]
 */
export function fractionalMaxPool2d(x: Tensor, kernelSize: IntPair, options: FractionalMaxPool2dOptions = {}): Tensor {
  return fractionalMaxPool2dWithIndices(x, kernelSize, options).output;
}
