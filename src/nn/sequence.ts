// Sequence utilities for recurrent models: padding variable-length sequences into a batch
// (torch.nn.utils.rnn.pad_sequence), masks from lengths, the temporal (per-step) affine map and
// the masked temporal softmax loss of CS231n's captioning assignment, and the pieces of
// truncated backpropagation through time (streams, chunks, detached carried states).
//
// Truncated BPTT, the whole recipe (see `kestrel charrnn` for a full program):
//   const streams = batchify(tokens, 32);                 // [32, L] int32: 32 parallel streams
//   let state = null;
//   for (const { input, target } of bpttChunks(streams, 64)) {
//     state = detachState(state);                         // carry forward, but cut the graph
//     const [out, next] = lstm.forward(embed.forward(input), state); state = next;
//     const loss = F.crossEntropy(head.forward(out).reshape(-1, V), target.reshape(-1));
//     opt.zeroGrad(); loss.backward();                    // backpropagates within this chunk only
//     nn.utils.clipGradNorm_(params, 5);                  // tame exploding gradients
//     opt.step();
//   }

import { Tensor } from "../tensor/tensor.js";
import type { DType } from "../tensor/dtype.js";
import { fmtShape, shapeEquals } from "../tensor/shape.js";
import { full, tensor } from "../tensor/creation.js";
import { cat, narrow, reshape, stack } from "../ops/shape.js";
import { linear } from "../ops/matmul.js";
import { mul } from "../ops/elementwise.js";
import { sum } from "../ops/reduce.js";
import { crossEntropy } from "../ops/loss.js";

export interface PadSequenceOptions {
  /** Output [B, T, *] instead of [T, B, *] (default false, like PyTorch). */
  batchFirst?: boolean;
  /** Value for the padded positions (default 0). */
  paddingValue?: number;
  /** Pad after ("right", default) or before ("left") each sequence. */
  paddingSide?: "right" | "left";
}

/**
 * Stack sequences of different lengths ([L_i, *] each, same trailing dims and dtype) into one
 * tensor padded to the longest: [T, B, *], or [B, T, *] with batchFirst. Differentiable.
 *
 * Example: padSequence([ones([3, 2]), ones([1, 2])], { batchFirst: true }).shape; // [2, 3, 2]
 */
export function padSequence(sequences: readonly Tensor[], options: PadSequenceOptions = {}): Tensor {
  const op = "padSequence";
  if (!Array.isArray(sequences) || sequences.length === 0) throw new Error(`${op}: expected a non-empty array of tensors, got ${Array.isArray(sequences) ? "an empty array" : typeof sequences}`);
  const { batchFirst = false, paddingValue = 0, paddingSide = "right" } = options;
  if (paddingSide !== "right" && paddingSide !== "left") throw new Error(`${op}: paddingSide must be "right" or "left", got ${JSON.stringify(paddingSide)}`);
  const first = sequences[0];
  sequences.forEach((s, i) => {
    if (!(s instanceof Tensor)) throw new Error(`${op}: item ${i} is not a Tensor`);
    if (s.ndim < 1) throw new Error(`${op}: item ${i} is 0-d; each sequence needs a length dim`);
    if (!shapeEquals(s.shape.slice(1), first.shape.slice(1)) || s.dtype !== first.dtype) {
      throw new Error(`${op}: item ${i} has shape ${fmtShape(s.shape)} (${s.dtype}) but item 0 has ${fmtShape(first.shape)} (${first.dtype}); all must agree beyond the first dim`);
    }
  });
  const T = Math.max(...sequences.map((s) => s.shape[0]));
  const padded = sequences.map((s) => {
    const n = T - s.shape[0];
    if (n === 0) return s;
    const pad = full([n, ...s.shape.slice(1)], paddingValue, { dtype: s.dtype });
    return cat(paddingSide === "right" ? [s, pad] : [pad, s], 0);
  });
  return stack(padded, batchFirst ? 0 : 1);
}

/**
 * A [B, maxLen] mask with 1 where t < lengths[b] and 0 after (dtype float32 unless given), the
 * mask temporalSoftmaxLoss takes. maxLen defaults to the longest length.
 *
 * Example: lengthsToMask([2, 3]).tolist(); // [[1, 1, 0], [1, 1, 1]]
 */
export function lengthsToMask(lengths: Tensor | readonly number[], maxLen?: number, options: { dtype?: DType } = {}): Tensor {
  const op = "lengthsToMask";
  const ls = lengths instanceof Tensor ? Array.from(lengths.dataRowMajor()) : Array.isArray(lengths) ? lengths : null;
  if (ls === null || (lengths instanceof Tensor && lengths.ndim !== 1)) throw new Error(`${op}: lengths must be a 1-d tensor or an array of integers`);
  ls.forEach((l, i) => { if (!Number.isInteger(l) || l < 0) throw new Error(`${op}: lengths[${i}] must be a non-negative integer, got ${l}`); });
  const T = maxLen ?? Math.max(0, ...ls);
  if (!Number.isInteger(T) || T < 0) throw new Error(`${op}: maxLen must be a non-negative integer, got ${maxLen}`);
  const bad = ls.findIndex((l) => l > T);
  if (bad >= 0) throw new Error(`${op}: lengths[${bad}] = ${ls[bad]} exceeds maxLen ${T}`);
  const data = ls.map((l) => Array.from({ length: T }, (_, t) => (t < l ? 1 : 0)));
  return tensor(ls.length ? data : [], { dtype: options.dtype ?? "float32" }).reshape([ls.length, T]);
}

/**
 * The same affine map at every time step: x [N, T, D] · wᵀ + b → [N, T, M], with PyTorch's
 * weight layout w [M, D] (CS231n's temporal_affine_forward takes w as [D, M]; pass wᵀ). This is
 * exactly F.linear (and nn.Linear) on a 3-d input; the name documents the intent.
 */
export function temporalAffine(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (!(x instanceof Tensor) || x.ndim !== 3) throw new Error(`temporalAffine: x must be [N, T, D], got ${x instanceof Tensor ? fmtShape(x.shape) : typeof x}`);
  return linear(x, weight, bias);
}

/**
 * The masked temporal softmax loss of CS231n: scores [N, T, V], targets [N, T] (int32) and mask
 * [N, T] (1 = count this step); loss = −Σ_{n,t} mask·log softmax(scores[n,t])[targets[n,t]] / N
 * (summed over time, averaged over the minibatch). Without a mask every step counts.
 */
export function temporalSoftmaxLoss(scores: Tensor, targets: Tensor, mask?: Tensor | null): Tensor {
  const op = "temporalSoftmaxLoss";
  if (!(scores instanceof Tensor) || scores.ndim !== 3) throw new Error(`${op}: scores must be [N, T, V], got ${scores instanceof Tensor ? fmtShape(scores.shape) : typeof scores}`);
  const [N, T, V] = scores.shape;
  if (!(targets instanceof Tensor) || !shapeEquals(targets.shape, [N, T])) {
    throw new Error(`${op}: targets must be [N, T] = [${N}, ${T}] to match scores ${fmtShape(scores.shape)}, got ${targets instanceof Tensor ? fmtShape(targets.shape) : typeof targets}`);
  }
  if (targets.dtype !== "int32") throw new Error(`${op}: targets must be int32 class indices, got ${targets.dtype}`);
  const perStep = crossEntropy(reshape(scores, [N * T, V]), reshape(targets, [N * T]), { reduction: "none" });
  if (mask == null) return sum(perStep).div(N);
  if (!(mask instanceof Tensor) || !shapeEquals(mask.shape, [N, T])) {
    throw new Error(`${op}: mask must be [N, T] = [${N}, ${T}], got ${mask instanceof Tensor ? fmtShape(mask.shape) : typeof mask}`);
  }
  // The mask is data, not a parameter: cast (int32 or float) to the scores' dtype.
  return sum(mul(perStep, reshape(mask.to(scores.dtype), [N * T]))).div(N);
}

/**
 * Cut a recurrent state from the graph, keeping its values: a Tensor, an array/tuple of them
 * ([h, c]), or null. The step between truncated-BPTT chunks.
 */
export function detachState<S>(state: S): S {
  if (state == null) return state;
  if (state instanceof Tensor) return state.detach() as S;
  if (Array.isArray(state)) return state.map((s) => detachState(s)) as S;
  throw new Error(`detachState: expected a Tensor, an array of Tensors or null, got ${typeof state}`);
}

/**
 * Split a token sequence into `batchSize` equal contiguous streams, as rows of an int32
 * [batchSize, L] tensor (L = ⌊n / batchSize⌋; the remainder is dropped). Row b continues where
 * it left off from one chunk to the next, so carried hidden states stay meaningful.
 */
export function batchify(tokens: ArrayLike<number>, batchSize: number): Tensor {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchify: batchSize must be a positive integer, got ${batchSize}`);
  const L = Math.floor(tokens.length / batchSize);
  if (L < 2) throw new Error(`batchify: ${tokens.length} tokens are too few for ${batchSize} streams (each needs at least 2)`);
  const out = new Int32Array(batchSize * L);
  for (let i = 0; i < out.length; i++) out[i] = tokens[i];
  return tensor(out, { dtype: "int32" }).reshape([batchSize, L]);
}

/**
 * Consecutive truncated-BPTT chunks of streams [B, L]: input = streams[:, i : i+T] and
 * target = streams[:, i+1 : i+1+T] (the next token), for i = 0, T, 2T, … (the last chunk may
 * be shorter). Both [B, T'] int32.
 */
export function* bpttChunks(streams: Tensor, seqLen: number): Generator<{ input: Tensor; target: Tensor }> {
  if (!(streams instanceof Tensor) || streams.ndim !== 2) throw new Error(`bpttChunks: streams must be [B, L], got ${streams instanceof Tensor ? fmtShape(streams.shape) : typeof streams}`);
  if (!Number.isInteger(seqLen) || seqLen < 1) throw new Error(`bpttChunks: seqLen must be a positive integer, got ${seqLen}`);
  const L = streams.shape[1];
  for (let i = 0; i + 1 < L; i += seqLen) {
    const n = Math.min(seqLen, L - 1 - i);
    yield { input: narrow(streams, 1, i, n), target: narrow(streams, 1, i + 1, n) };
  }
}
