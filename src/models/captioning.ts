// Image captioning (CS231n assignment 3; Show and Tell / Show, Attend and Tell): a CNN encoder
// turns an image into a grid of feature vectors, a recurrent decoder (vanilla RNN or LSTM cell)
// writes the caption one word at a time. The grid's mean, through a linear layer, gives the
// initial hidden (and cell) state; with `attention` the decoder also attends over the grid at
// every step (SoftAttention) and reads the attended context together with the word embedding.
// Training is teacher forcing with the masked temporal softmax loss (<NULL> padding masked);
// decoding is greedy (`sample`) or beam search (`beamSearch`); both return the attention weights.

import { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import { tensor, zeros } from "../tensor/creation.js";
import { noGrad } from "../autograd/grad_mode.js";
import { cat, narrow, select, stack } from "../ops/shape.js";
import { logSoftmax } from "../ops/activation.js";
import { Module } from "../nn/module.js";
import { Linear } from "../nn/linear.js";
import { Embedding } from "../nn/misc.js";
import { Sequential } from "../nn/containers.js";
import { MaxPool2d } from "../nn/pool.js";
import { LSTMCell, RNNCell } from "../nn/rnn_cells.js";
import { temporalSoftmaxLoss } from "../nn/sequence.js";
import { END_ID, NULL_ID, START_ID, type Vocabulary } from "../text/vocab.js";
import { SoftAttention } from "./captioning_attention.js";
import { simpleCnn } from "./simple_cnn.js";
import { truncateAt } from "./transfer.js";

export { SoftAttention } from "./captioning_attention.js";
export type { SoftAttentionOptions } from "./captioning_attention.js";

export interface CaptioningOptions {
  /** Images [N, C, S, S] → a feature grid [N, C', H', W'] (e.g. a zoo CNN cut before its pooling). */
  encoder: Module;
  /** Words, specials included (or give `vocab`). */
  vocabSize?: number;
  /** The vocabulary (kept for `caption()`); its size is the vocabSize. */
  vocab?: Vocabulary;
  /** The recurrent cell (default "lstm"). */
  cellType?: "rnn" | "lstm";
  /** Soft attention over the feature grid (default false). */
  attention?: boolean;
  /** Word embedding size (default 64), hidden size (default 128), attention width (default 64). */
  embedDim?: number;
  hiddenDim?: number;
  attentionDim?: number;
  /** Channels C' of the encoder's grid; found by running the encoder on zeros of `inputShape` when omitted. */
  featureChannels?: number;
  /** One image's shape [C, S, S] for that probe (default [3, 32, 32]). */
  inputShape?: readonly number[];
}

/** What decoding returns. */
export interface CaptionOutput {
  /** int32 [N, T]: the words, then <END>, then <NULL> padding. */
  captions: Tensor;
  /** [N, T, L] attention weights per emitted word (zeros after <END>); null without attention. */
  attention: Tensor | null;
  /** The encoder grid [H', W'] (L = H'·W'), for drawing the weights over the image. */
  grid: [number, number];
  /** Sum of the log-probabilities of each caption's words (and <END> when reached). */
  logProbs: number[];
}

type State = { h: Tensor; c: Tensor | null };

/**
 * An encoder–decoder captioning model. Keys: encoder.*, initH, initC (LSTM), embed, attention
 * (with attention), cell (weight_ih, weight_hh, bias_ih, bias_hh as nn.RNNCell/LSTMCell), head.
 *
 * Example:
 *   const vocab = text.Vocabulary.fromCaptions(captions);
 *   const model = new models.CaptioningModel({ encoder: models.captioningEncoder(), vocab, attention: true });
 *   const loss = model.loss(images, tensor(vocab.encodeBatch(captions), { dtype: "int32" }));
 *   const { captions: ids, attention } = noGrad(() => model.eval().sample(images));
 */
export class CaptioningModel extends Module {
  readonly vocabSize: number;
  readonly cellType: "rnn" | "lstm";
  readonly useAttention: boolean;
  readonly featureChannels: number;
  readonly embedDim: number;
  readonly hiddenDim: number;
  encoder: Module;
  initH: Linear;
  initC: Linear | null;
  embed: Embedding;
  attention: SoftAttention | null;
  cell: RNNCell | LSTMCell;
  head: Linear;
  private declare readonly vocab: Vocabulary | null;

  constructor(options: CaptioningOptions) {
    super();
    const op = "CaptioningModel";
    if (!options || !(options.encoder instanceof Module)) throw new Error(`${op}: options.encoder must be a Module (images → [N, C, H, W] features), got ${typeof options?.encoder}`);
    const V = options.vocab?.size ?? options.vocabSize;
    if (!Number.isInteger(V) || V! <= END_ID + 1) throw new Error(`${op}: give vocabSize (an integer > 3, the specials included) or vocab; got ${V}`);
    if (options.vocab && options.vocabSize !== undefined && options.vocabSize !== V) throw new Error(`${op}: vocabSize ${options.vocabSize} disagrees with vocab.size ${V}`);
    const cellType = options.cellType ?? "lstm";
    if (cellType !== "rnn" && cellType !== "lstm") throw new Error(`${op}: cellType must be "rnn" or "lstm", got ${JSON.stringify(cellType)}`);
    const dims = { embedDim: options.embedDim ?? 64, hiddenDim: options.hiddenDim ?? 128, attentionDim: options.attentionDim ?? 64 };
    for (const [k, v] of Object.entries(dims)) if (!Number.isInteger(v) || v < 1) throw new Error(`${op}: ${k} must be an integer ≥ 1, got ${v}`);
    this.vocabSize = V!;
    this.cellType = cellType;
    this.useAttention = options.attention ?? false;
    this.embedDim = dims.embedDim;
    this.hiddenDim = dims.hiddenDim;
    this.encoder = options.encoder;
    this.featureChannels = options.featureChannels ?? probeChannels(options.encoder, options.inputShape ?? [3, 32, 32]);
    const C = this.featureChannels, H = dims.hiddenDim;
    this.initH = new Linear(C, H);
    this.initC = cellType === "lstm" ? new Linear(C, H) : null;
    this.embed = new Embedding(V!, dims.embedDim);
    this.attention = this.useAttention ? new SoftAttention(C, H, { attentionDim: dims.attentionDim }) : null;
    const inSize = dims.embedDim + (this.useAttention ? C : 0);
    this.cell = cellType === "lstm" ? new LSTMCell(inSize, H) : new RNNCell(inSize, H);
    // With attention the read-out sees the context too (a "deep output" in Show, Attend and Tell).
    this.head = new Linear(H + (this.useAttention ? C : 0), V!);
    Object.defineProperty(this, "vocab", { value: options.vocab ?? null, enumerable: false });
  }

  /** Images [N, C, S, S] → features [N, L, C'] (grid positions in row-major order) and the grid [H', W']. */
  encode(images: Tensor): { features: Tensor; grid: [number, number] } {
    checkImages(images);
    const f = this.encoder.forward(images) as Tensor;
    if (!(f instanceof Tensor) || f.ndim !== 4 || f.shape[1] !== this.featureChannels) {
      throw new Error(`CaptioningModel: the encoder must return [N, ${this.featureChannels}, H, W] features, got ${f instanceof Tensor ? fmtShape(f.shape) : typeof f}`);
    }
    const [N, C, Hf, Wf] = f.shape;
    return { features: f.reshape(N, C, Hf * Wf).transpose(1, 2).contiguous(), grid: [Hf, Wf] };
  }

  /** The initial state from the mean feature vector: h0 = W_h·mean + b (and c0 likewise for the LSTM). */
  initState(features: Tensor): State {
    const m = features.mean(1);
    return { h: this.initH.forward(m), c: this.initC ? this.initC.forward(m) : null };
  }

  /**
   * One decoding step: word ids [N] (int32) and the state → scores [N, V], the next state and
   * the attention weights [N, L] (null without attention). `projected` is the attention's
   * projectFeatures(features), computed once per sequence.
   */
  step(words: Tensor, state: State, features: Tensor, projected: Tensor | null): { scores: Tensor; state: State; alpha: Tensor | null } {
    let x = this.embed.forward(words);
    let alpha: Tensor | null = null, context: Tensor | null = null;
    if (this.attention) {
      [context, alpha] = this.attention.forward(features, state.h, projected);
      x = cat([x, context], 1);
    }
    let next: State;
    if (this.cell instanceof LSTMCell) {
      const [h, c] = this.cell.forward(x, [state.h, state.c!]);
      next = { h, c };
    } else {
      next = { h: this.cell.forward(x, state.h), c: null };
    }
    const scores = this.head.forward(context ? cat([next.h, context], 1) : next.h);
    return { scores, state: next, alpha };
  }

  /**
   * Teacher forcing: images [N, C, S, S] and input words [N, T] (int32, starting with <START>)
   * → scores [N, T, V] for the next word at each step and attention weights [N, T, L] (or null).
   */
  override forward(images: Tensor, words: Tensor): { scores: Tensor; attention: Tensor | null } {
    if (!(words instanceof Tensor) || words.ndim !== 2 || words.dtype !== "int32") {
      throw new Error(`CaptioningModel: words must be int32 [N, T], got ${words instanceof Tensor ? `${words.dtype} ${fmtShape(words.shape)}` : typeof words}`);
    }
    checkImages(images);
    if (words.shape[0] !== images.shape[0]) throw new Error(`CaptioningModel: ${images.shape[0]} images but ${words.shape[0]} captions`);
    const { features } = this.encode(images);
    const projected = this.attention ? this.attention.projectFeatures(features) : null;
    let state = this.initState(features);
    const scores: Tensor[] = [], alphas: Tensor[] = [];
    for (let t = 0; t < words.shape[1]; t++) {
      const out = this.step(select(words, 1, t), state, features, projected);
      state = out.state;
      scores.push(out.scores);
      if (out.alpha) alphas.push(out.alpha);
    }
    return { scores: stack(scores, 1), attention: alphas.length ? stack(alphas, 1) : null };
  }

  /**
   * The masked temporal softmax loss of captions [N, T+1] (int32: <START> w1 … <END> <NULL>…):
   * the model reads captions[:, :T] and predicts captions[:, 1:]; <NULL> targets are masked.
   * Summed over time, averaged over the batch (CS231n's convention).
   */
  loss(images: Tensor, captions: Tensor): Tensor {
    if (!(captions instanceof Tensor) || captions.ndim !== 2 || captions.shape[1] < 2 || captions.dtype !== "int32") {
      throw new Error(`CaptioningModel.loss: captions must be int32 [N, T+1] with T ≥ 1 (<START> … <END>), got ${captions instanceof Tensor ? `${captions.dtype} ${fmtShape(captions.shape)}` : typeof captions}`);
    }
    const T = captions.shape[1] - 1;
    const input = narrow(captions, 1, 0, T), target = narrow(captions, 1, 1, T).contiguous();
    const { scores } = this.forward(images, input.contiguous());
    return temporalSoftmaxLoss(scores, target, target.ne(NULL_ID));
  }

  /** Greedy decoding: the most probable word at each step, until <END> (all captions) or maxLength words. */
  sample(images: Tensor, options: { maxLength?: number } = {}): CaptionOutput {
    const maxLength = checkMaxLength("sample", options.maxLength);
    return noGrad(() => {
      const { features, grid } = this.encode(images);
      const N = features.shape[0], L = features.shape[1];
      const projected = this.attention ? this.attention.projectFeatures(features) : null;
      let state = this.initState(features);
      let words = new Int32Array(N).fill(START_ID);
      const rows: number[][] = Array.from({ length: N }, () => []);
      const alphas: number[][][] = Array.from({ length: N }, () => []);
      const logProbs = new Array<number>(N).fill(0);
      const done = new Array<boolean>(N).fill(false);
      for (let t = 0; t < maxLength && !done.every(Boolean); t++) {
        const out = this.step(tensor(words, { dtype: "int32" }), state, features, projected);
        state = out.state;
        const lp = logSoftmax(out.scores, 1).toArray(), V = this.vocabSize;
        const a = out.alpha?.toArray();
        const next = new Int32Array(N);
        for (let n = 0; n < N; n++) {
          let best = 0;
          for (let v = 1; v < V; v++) if (lp[n * V + v] > lp[n * V + best]) best = v;
          next[n] = best;
          if (done[n]) continue;
          rows[n].push(best);
          logProbs[n] += lp[n * V + best];
          if (a) alphas[n].push(Array.from(a.subarray(n * L, (n + 1) * L)));
          if (best === END_ID) done[n] = true;
        }
        words = next;
      }
      return packOutput(rows, this.attention ? alphas : null, L, grid, logProbs);
    });
  }

  /**
   * Beam search: keeps the `beamSize` (default 3) most probable partial captions per image; a
   * caption ends at <END> or after maxLength words. With `lengthNormalization` finished captions
   * are ranked by log-probability per word instead of in total (which favours short captions).
   * beamSize 1 is greedy decoding.
   */
  beamSearch(images: Tensor, options: { beamSize?: number; maxLength?: number; lengthNormalization?: boolean } = {}): CaptionOutput {
    const K = options.beamSize ?? 3;
    if (!Number.isInteger(K) || K < 1) throw new Error(`beamSearch: beamSize must be an integer ≥ 1, got ${K}`);
    const maxLength = checkMaxLength("beamSearch", options.maxLength);
    const norm = options.lengthNormalization ?? false;
    return noGrad(() => {
      const enc = this.encode(images);
      const N = enc.features.shape[0], L = enc.features.shape[1];
      const rows: number[][] = [], alphas: number[][][] = [], logProbs: number[] = [];
      for (let n = 0; n < N; n++) {
        const best = this.beamOne(narrow(enc.features, 0, n, 1), K, maxLength, norm);
        rows.push(best.ids); alphas.push(best.alphas); logProbs.push(best.logProb);
      }
      return packOutput(rows, this.attention ? alphas : null, L, enc.grid, logProbs);
    });
  }

  /** Beam search for one image's features [1, L, C]. */
  private beamOne(features1: Tensor, K: number, maxLength: number, norm: boolean): { ids: number[]; alphas: number[][]; logProb: number } {
    type Beam = { ids: number[]; alphas: number[][]; logProb: number };
    const V = this.vocabSize, L = features1.shape[1];
    const rank = (b: Beam): number => (norm ? b.logProb / Math.max(1, b.ids.length) : b.logProb);
    let beams: Beam[] = [{ ids: [], alphas: [], logProb: 0 }];
    let state = this.initState(features1);
    const finished: Beam[] = [];
    for (let t = 0; t < maxLength && beams.length > 0; t++) {
      const B = beams.length;
      const features = features1.expand(B, L, this.featureChannels);
      const projected = this.attention ? this.attention.projectFeatures(features) : null;
      const words = tensor(Int32Array.from(beams, (b) => (b.ids.length ? b.ids[b.ids.length - 1] : START_ID)), { dtype: "int32" });
      const out = this.step(words, state, features, projected);
      const lp = logSoftmax(out.scores, 1).toArray(), a = out.alpha?.toArray();
      const cands: { b: number; v: number; s: number }[] = [];
      for (let b = 0; b < B; b++) for (let v = 0; v < V; v++) cands.push({ b, v, s: beams[b].logProb + lp[b * V + v] });
      cands.sort((x, y) => y.s - x.s || x.b - y.b || x.v - y.v);
      const alive: { beam: Beam; from: number }[] = [];
      for (const c of cands) {
        if (alive.length >= K) break;
        const src = beams[c.b];
        const beam = { ids: [...src.ids, c.v], alphas: a ? [...src.alphas, Array.from(a.subarray(c.b * L, (c.b + 1) * L))] : [], logProb: c.s };
        if (c.v === END_ID) finished.push(beam);
        else alive.push({ beam, from: c.b });
      }
      // Stop once K captions have finished and no live beam can still beat the best of them
      // (log-probabilities only fall as words are added; with normalisation keep going).
      finished.sort((x, y) => rank(y) - rank(x));
      if (finished.length >= K && !norm && alive.every((x) => x.beam.logProb <= rank(finished[0]))) { beams = []; break; }
      beams = alive.map((x) => x.beam);
      if (beams.length) {
        const idx = tensor(Int32Array.from(alive, (x) => x.from), { dtype: "int32" });
        state = { h: out.state.h.indexSelect(0, idx), c: out.state.c ? out.state.c.indexSelect(0, idx) : null };
      }
    }
    const pool = finished.length ? finished : beams;
    pool.sort((x, y) => rank(y) - rank(x));
    return pool[0];
  }

  /** Captions as text (needs the vocabulary given at construction): greedy, or beam search with beamSize > 1. */
  caption(images: Tensor, options: { beamSize?: number; maxLength?: number } = {}): string[] {
    if (!this.vocab) throw new Error("CaptioningModel.caption: the model was built without a vocab; decode the ids of sample() with your Vocabulary");
    const out = (options.beamSize ?? 1) > 1 ? this.beamSearch(images, options) : this.sample(images, options);
    const ids = out.captions.tolist() as number[][];
    return ids.map((r) => this.vocab!.decode(r));
  }

  override extraRepr(): string {
    return `cellType=${this.cellType}, attention=${this.useAttention}, vocabSize=${this.vocabSize}`;
  }
}

function checkImages(images: Tensor): void {
  if (!(images instanceof Tensor) || images.ndim !== 4) throw new Error(`CaptioningModel: images must be [N, C, H, W], got ${images instanceof Tensor ? fmtShape(images.shape) : typeof images}`);
}

function checkMaxLength(op: string, m: number | undefined): number {
  const v = m ?? 20;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${op}: maxLength must be an integer ≥ 1, got ${v}`);
  return v;
}

/** Rows of ids (each may end with <END>) → a padded int32 [N, T] and the attention [N, T, L]. */
function packOutput(rows: number[][], alphas: number[][][] | null, L: number, grid: [number, number], logProbs: number[]): CaptionOutput {
  const N = rows.length, T = Math.max(1, ...rows.map((r) => r.length));
  const ids = new Int32Array(N * T).fill(NULL_ID);
  rows.forEach((r, n) => ids.set(r, n * T));
  let attention: Tensor | null = null;
  if (alphas) {
    const a = new Float32Array(N * T * L);
    alphas.forEach((rs, n) => rs.forEach((w, t) => a.set(w, (n * T + t) * L)));
    attention = tensor(a, { dtype: "float32" }).reshape([N, T, L]);
  }
  return { captions: tensor(ids, { dtype: "int32" }).reshape([N, T]), attention, grid, logProbs };
}

/** The channels of an encoder's output grid, from one forward pass on zeros (eval mode, no grad). */
function probeChannels(encoder: Module, inputShape: readonly number[]): number {
  const was = encoder.training;
  try {
    const f = noGrad(() => encoder.eval().forward(zeros([1, ...inputShape]))) as Tensor;
    if (!(f instanceof Tensor) || f.ndim !== 4) throw new Error(`the encoder returned ${f instanceof Tensor ? fmtShape(f.shape) : typeof f}, expected [N, C, H, W]`);
    return f.shape[1];
  } catch (e) {
    throw new Error(`CaptioningModel: could not find the encoder's feature channels from an input of shape [1, ${inputShape.join(", ")}] (${(e as Error).message}); pass featureChannels`);
  } finally {
    encoder.train(was);
  }
}

/**
 * The default encoder: the zoo's reference CNN (simple_cnn) cut after its convolutional
 * `features` — two conv-BN-ReLU-pool stages, a 32×32 image becomes a 64-channel 8×8 grid — then
 * a `pool`×`pool` max-pool (default 2: a 4×4 grid, 16 positions to attend over; 1: none).
 */
export function captioningEncoder(options: { inChannels?: number; inputSize?: number; pool?: number } = {}): Module {
  const trunk = truncateAt(simpleCnn({ inChannels: options.inChannels ?? 3, inputSize: options.inputSize ?? 32, numClasses: 1 }), "features");
  const pool = options.pool ?? 2;
  if (!Number.isInteger(pool) || pool < 1) throw new Error(`captioningEncoder: pool must be an integer ≥ 1, got ${pool}`);
  return pool === 1 ? trunk : new Sequential(trunk, new MaxPool2d(pool));
}
