// Recurrent layers: RNN (tanh/relu), LSTM and GRU (torch.nn.RNN/LSTM/GRU), multi-layer and
// bidirectional, with PyTorch's parameter names, order, shapes, gate order and initialisation,
// so a PyTorch state dict loads and gives the same numbers. Each layer and direction runs as
// one fused op (ops/rnn.ts): the input projection for all steps is a single matmul, then one
// GEMM plus one pass of gate arithmetic per step, with hand-written BPTT as its backward.

import { Tensor } from "../tensor/tensor.js";
import type { DType } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import { zeros } from "../tensor/creation.js";
import { linear } from "../ops/matmul.js";
import { cat, reshape, select, squeeze, stack, transpose, unsqueeze } from "../ops/shape.js";
import { dropout } from "../ops/dropout.js";
import { type RecurrentMode, gateCount, recurrentLayer } from "../ops/rnn.js";
import { Module } from "./module.js";
import type { Parameter } from "./parameter.js";
import { uniform_ } from "./init.js";
import { floatDtype, intArg, newParam, probArg } from "./util.js";
import { pyBool, pyFloat } from "./repr.js";

export interface RNNBaseOptions {
  /** Stacked recurrent layers (default 1); layer k > 0 reads layer k − 1's output. */
  numLayers?: number;
  /** Learn b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are [batch, seq, feature] instead of [seq, batch, feature] (default false). */
  batchFirst?: boolean;
  /** Dropout on each layer's output except the last, while training (default 0). */
  dropout?: number;
  /** Also run each layer backwards in time and concatenate both directions (default false). */
  bidirectional?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: DType;
}

export interface RNNOptions extends RNNBaseOptions {
  /** "tanh" (default) or "relu". */
  nonlinearity?: "tanh" | "relu";
}

/**
 * The shared machinery of RNN, LSTM and GRU (torch.nn.RNNBase). Parameters per layer k and
 * direction (suffix "" or "_reverse"), registered in PyTorch's order: weight_ih_l{k}
 * [G·H, in], weight_hh_l{k} [G·H, H], bias_ih_l{k} [G·H], bias_hh_l{k} [G·H] with G gates
 * (RNN 1, LSTM 4 as i,f,g,o, GRU 3 as r,z,n); all initialised U(−1/√H, 1/√H).
 */
export class RNNBase extends Module {
  readonly mode: RecurrentMode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;

  constructor(mode: RecurrentMode, inputSize: number, hiddenSize: number, options: RNNBaseOptions = {}) {
    super();
    const name = mode.startsWith("RNN") ? "RNN" : mode;
    this.mode = mode;
    this.inputSize = intArg(name, "inputSize", inputSize, 0);
    this.hiddenSize = intArg(name, "hiddenSize", hiddenSize, 1);
    this.numLayers = intArg(name, "numLayers", options.numLayers ?? 1, 1);
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = probArg(name, options.dropout ?? 0);
    this.bidirectional = options.bidirectional ?? false;
    const dtype = floatDtype(name, options.dtype);
    const G = gateCount(mode), H = this.hiddenSize, D = this.numDirections;
    for (let k = 0; k < this.numLayers; k++) {
      const inK = k === 0 ? this.inputSize : H * D;
      for (let dir = 0; dir < D; dir++) {
        const sfx = `_l${k}${dir === 1 ? "_reverse" : ""}`;
        this.registerParameter(`weight_ih${sfx}`, newParam([G * H, inK], dtype));
        this.registerParameter(`weight_hh${sfx}`, newParam([G * H, H], dtype));
        if (this.bias) {
          this.registerParameter(`bias_ih${sfx}`, newParam([G * H], dtype));
          this.registerParameter(`bias_hh${sfx}`, newParam([G * H], dtype));
        }
      }
    }
    this.resetParameters();
  }

  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** Re-draw every parameter from U(−1/√hiddenSize, 1/√hiddenSize), as PyTorch does. */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -bound, bound);
  }

  /** @internal The parameters of layer k, direction dir. */
  layerParams(k: number, dir: number): { wIh: Parameter; wHh: Parameter; bIh: Parameter | null; bHh: Parameter | null } {
    const sfx = `_l${k}${dir === 1 ? "_reverse" : ""}`;
    const self = this as unknown as Record<string, Parameter | undefined>;
    return { wIh: self[`weight_ih${sfx}`]!, wHh: self[`weight_hh${sfx}`]!, bIh: self[`bias_ih${sfx}`] ?? null, bHh: self[`bias_hh${sfx}`] ?? null };
  }

  /** @internal Check the input and an initial state; returns the input as [T, B, I] and whether it was unbatched. */
  protected prepare(input: Tensor, states: (Tensor | null | undefined)[]): { x: Tensor; unbatched: boolean; hx: (Tensor | null)[] } {
    const name = this.getName();
    if (!(input instanceof Tensor)) throw new Error(`${name}: input must be a Tensor, got ${typeof input}`);
    if (input.ndim !== 2 && input.ndim !== 3) {
      throw new Error(`${name}: expected input to be 2-d (unbatched [seq, ${this.inputSize}]) or 3-d (batched), got ${input.ndim}-d of shape ${fmtShape(input.shape)}`);
    }
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new Error(`${name}: input.size(-1) must be equal to inputSize; expected ${this.inputSize}, got ${input.shape[input.ndim - 1]} (input shape ${fmtShape(input.shape)})`);
    }
    const unbatched = input.ndim === 2;
    let x = unbatched ? unsqueeze(input, 1) : this.batchFirst ? transpose(input, 0, 1) : input;
    if (x.shape[0] === 0) throw new Error(`${name}: the input sequence is empty (shape ${fmtShape(input.shape)}); expected at least one time step`);
    const B = x.shape[1];
    const expect = [this.numLayers * this.numDirections, ...(unbatched ? [] : [B]), this.hiddenSize];
    const hx = states.map((h) => {
      if (h == null) return null;
      if (!(h instanceof Tensor)) throw new Error(`${name}: initial states must be Tensors, got ${typeof h}`);
      if (h.ndim !== expect.length) {
        throw new Error(`${name}: for ${unbatched ? "unbatched 2-D" : "batched 3-D"} input, hx should be ${expect.length}-D but got ${h.ndim}-D tensor of shape ${fmtShape(h.shape)}`);
      }
      if (h.shape.some((s, i) => s !== expect[i])) throw new Error(`${name}: expected hidden size ${fmtShape(expect)}, got ${fmtShape(h.shape)}`);
      if (h.dtype !== input.dtype) throw new Error(`${name}: hx is ${h.dtype} but input is ${input.dtype}`);
      return unbatched ? unsqueeze(h, 1) : h;
    });
    return { x, unbatched, hx };
  }

  /**
   * @internal Run all layers on x [T, B, I] from states [L·D, B, H] (zeros when null); returns
   * output [T, B, D·H] and final states [L·D, B, H] (h, and c for LSTM).
   */
  protected runLayers(x: Tensor, h0: Tensor | null, c0: Tensor | null): { output: Tensor; h: Tensor; c: Tensor | null } {
    const [T, B] = x.shape;
    const H = this.hiddenSize, D = this.numDirections;
    const zero = (): Tensor => zeros([B, H], { dtype: x.dtype });
    const hs: Tensor[] = [], cs: Tensor[] = [];
    let layerIn = x;
    for (let k = 0; k < this.numLayers; k++) {
      if (k > 0 && this.dropout > 0 && this.training) layerIn = dropout(layerIn, this.dropout, true);
      // One GEMM for the input projection of all T steps: [T·B, in] · W_ihᵀ.
      const flat = reshape(layerIn, [T * B, layerIn.shape[2]]);
      const outs: Tensor[] = [];
      for (let dir = 0; dir < D; dir++) {
        const p = this.layerParams(k, dir);
        const xProj = reshape(linear(flat, p.wIh, p.bIh), [T, B, gateCount(this.mode) * H]);
        const idx = k * D + dir;
        const r = recurrentLayer(this.mode, xProj, p.wHh, p.bHh, h0 ? select(h0, 0, idx) : zero(),
          this.mode === "LSTM" ? (c0 ? select(c0, 0, idx) : zero()) : null, { reverse: dir === 1 });
        outs.push(r.output);
        hs.push(r.h);
        if (r.c) cs.push(r.c);
      }
      layerIn = D === 1 ? outs[0] : cat(outs, 2);
    }
    return { output: layerIn, h: stack(hs, 0), c: cs.length ? stack(cs, 0) : null };
  }

  /** @internal Output back to the caller's layout. */
  protected finish(output: Tensor, unbatched: boolean): Tensor {
    return unbatched ? squeeze(output, 1) : this.batchFirst ? transpose(output, 0, 1) : output;
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += `, bias=${pyBool(this.bias)}`;
    if (this.batchFirst) s += `, batch_first=${pyBool(this.batchFirst)}`;
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional) s += `, bidirectional=${pyBool(this.bidirectional)}`;
    return s;
  }
}

/**
 * Elman RNN (torch.nn.RNN): h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh) (or relu).
 *
 * Args: inputSize, hiddenSize, options: numLayers (1), nonlinearity ("tanh"), bias (true),
 * batchFirst (false), dropout (0), bidirectional (false).
 * Shape: input [T, B, I] ([B, T, I] with batchFirst, or unbatched [T, I]); h0 [L·D, B, H]
 * (optional, zeros) → [output [T, B, D·H], hN [L·D, B, H]].
 *
 * Example:
 *   const rnn = new nn.RNN(10, 20, { numLayers: 2 });
 *   const [output, hn] = rnn.forward(randn([5, 3, 10]), randn([2, 3, 20])); // [5, 3, 20], [2, 3, 20]
 */
export class RNN extends RNNBase {
  readonly nonlinearity: "tanh" | "relu";

  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    const nl = options.nonlinearity ?? "tanh";
    if (nl !== "tanh" && nl !== "relu") throw new Error(`RNN: unknown nonlinearity ${JSON.stringify(nl)}; expected "tanh" or "relu"`);
    super(nl === "tanh" ? "RNN_TANH" : "RNN_RELU", inputSize, hiddenSize, options);
    this.nonlinearity = nl;
  }

  override forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const { x, unbatched, hx } = this.prepare(input, [h0]);
    const r = this.runLayers(x, hx[0], null);
    return [this.finish(r.output, unbatched), unbatched ? squeeze(r.h, 1) : r.h];
  }
}

/**
 * Long short-term memory (torch.nn.LSTM): gates i, f, g, o = σ, σ, tanh, σ of
 * x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh; c_t = f⊙c_{t−1} + i⊙g; h_t = o⊙tanh(c_t).
 *
 * Options as RNN (without nonlinearity). Shape: input as RNN; optional [h0, c0], each
 * [L·D, B, H] → [output [T, B, D·H], [hN, cN]].
 *
 * Example:
 *   const lstm = new nn.LSTM(10, 20, { numLayers: 2, bidirectional: true });
 *   const [out, [hn, cn]] = lstm.forward(randn([5, 3, 10])); // [5, 3, 40], [4, 3, 20], [4, 3, 20]
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNBaseOptions = {}) {
    if ((options as { projSize?: number }).projSize) throw new Error("LSTM: projSize is not supported");
    super("LSTM", inputSize, hiddenSize, options);
  }

  override forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    if (hx != null && (!Array.isArray(hx) || hx.length !== 2)) throw new Error("LSTM: the initial state must be a pair [h0, c0]");
    const { x, unbatched, hx: st } = this.prepare(input, hx ? [hx[0], hx[1]] : [null, null]);
    const r = this.runLayers(x, st[0], st[1]);
    const un = (t: Tensor): Tensor => (unbatched ? squeeze(t, 1) : t);
    return [this.finish(r.output, unbatched), [un(r.h), un(r.c!)]];
  }
}

/**
 * Gated recurrent unit (torch.nn.GRU): r, z = σ(x_t·W_irᵀ + b_ir + h·W_hrᵀ + b_hr), …;
 * n = tanh(x_t·W_inᵀ + b_in + r⊙(h·W_hnᵀ + b_hn)); h_t = (1 − z)⊙n + z⊙h_{t−1}.
 *
 * Options and shapes as RNN. Example:
 *   const gru = new nn.GRU(10, 20, { batchFirst: true });
 *   const [out, hn] = gru.forward(randn([3, 5, 10])); // [3, 5, 20], [1, 3, 20]
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNBaseOptions = {}) {
    super("GRU", inputSize, hiddenSize, options);
  }

  override forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const { x, unbatched, hx } = this.prepare(input, [h0]);
    const r = this.runLayers(x, hx[0], null);
    return [this.finish(r.output, unbatched), unbatched ? squeeze(r.h, 1) : r.h];
  }
}

// The cells and the sequence utilities are part of the same family; nn/index.ts re-exports this file.
export * from "./rnn_cells.js";
export * from "./sequence.js";
