// Recurrent cells (torch.nn.RNNCell / LSTMCell / GRUCell): one time step, for loops the caller
// writes (decoders, attention). Same equations, parameter names (weight_ih, weight_hh, bias_ih,
// bias_hh) and U(−1/√H, 1/√H) initialisation as PyTorch; built from ops (ops/rnn.ts rnnCellStep).

import { Tensor } from "../tensor/tensor.js";
import type { DType } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import { zeros } from "../tensor/creation.js";
import { linear } from "../ops/matmul.js";
import { squeeze, unsqueeze } from "../ops/shape.js";
import { type RecurrentMode, gateCount, rnnCellStep } from "../ops/rnn.js";
import { Module } from "./module.js";
import type { Parameter } from "./parameter.js";
import { uniform_ } from "./init.js";
import { floatDtype, intArg, newParam } from "./util.js";
import { pyBool } from "./repr.js";

export interface RNNCellOptions {
  /** Learn b_ih and b_hh (default true). */
  bias?: boolean;
  /** RNNCell only: "tanh" (default) or "relu". */
  nonlinearity?: "tanh" | "relu";
  dtype?: DType;
}

/** Shared parameters and checks of the three cells (torch.nn.RNNCellBase). */
export class RNNCellBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null;
  bias_hh: Parameter | null;
  /** @internal */
  readonly mode: RecurrentMode;

  constructor(mode: RecurrentMode, inputSize: number, hiddenSize: number, options: RNNCellOptions = {}) {
    super();
    const name = this.getName();
    this.mode = mode;
    this.inputSize = intArg(name, "inputSize", inputSize, 0);
    this.hiddenSize = intArg(name, "hiddenSize", hiddenSize, 1);
    this.bias = options.bias ?? true;
    const dtype = floatDtype(name, options.dtype);
    const GH = gateCount(mode) * hiddenSize;
    this.weight_ih = newParam([GH, inputSize], dtype);
    this.weight_hh = newParam([GH, hiddenSize], dtype);
    this.bias_ih = this.bias ? newParam([GH], dtype) : null;
    this.bias_hh = this.bias ? newParam([GH], dtype) : null;
    this.resetParameters();
  }

  /** Re-draw every parameter from U(−1/√hiddenSize, 1/√hiddenSize). */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -bound, bound);
  }

  /** @internal One step on a checked input; states may be null (zeros). Returns batched or unbatched like the input. */
  protected step(input: Tensor, h: Tensor | null | undefined, c: Tensor | null | undefined): [Tensor, Tensor | null] {
    const name = this.getName();
    if (!(input instanceof Tensor)) throw new Error(`${name}: input must be a Tensor, got ${typeof input}`);
    if (input.ndim !== 1 && input.ndim !== 2) throw new Error(`${name}: expected input to be 1-D or 2-D, got ${input.ndim}-D tensor of shape ${fmtShape(input.shape)}`);
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new Error(`${name}: input has inconsistent input_size: got ${input.shape[input.ndim - 1]} expected ${this.inputSize}`);
    }
    const unbatched = input.ndim === 1;
    const x = unbatched ? unsqueeze(input, 0) : input;
    const state = (s: Tensor | null | undefined, what: string): Tensor => {
      if (s == null) return zeros([x.shape[0], this.hiddenSize], { dtype: input.dtype });
      if (!(s instanceof Tensor)) throw new Error(`${name}: ${what} must be a Tensor, got ${typeof s}`);
      const want = unbatched ? [this.hiddenSize] : [x.shape[0], this.hiddenSize];
      if (s.ndim !== want.length || s.shape.some((v, i) => v !== want[i])) {
        throw new Error(`${name}: ${what} has shape ${fmtShape(s.shape)}, expected ${fmtShape(want)}`);
      }
      return unbatched ? unsqueeze(s, 0) : s;
    };
    const gx = linear(x, this.weight_ih, this.bias_ih);
    const [h2, c2] = rnnCellStep(this.mode, gx, state(h, "hx"), this.mode === "LSTM" ? state(c, "cx") : null, this.weight_hh, this.bias_hh);
    const out = (t: Tensor): Tensor => (unbatched ? squeeze(t, 0) : t);
    return [out(h2), c2 ? out(c2) : null];
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (!this.bias) s += `, bias=${pyBool(this.bias)}`;
    if (this.mode === "RNN_RELU") s += ", nonlinearity=relu";
    return s;
  }
}

/**
 * An Elman RNN cell: h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (or relu).
 * Shape: input [B, I] or [I], hx [B, H] or [H] (optional, zeros) → h' [B, H] or [H].
 * Example: const cell = new nn.RNNCell(10, 20); let h = cell.forward(randn([3, 10]));
 */
export class RNNCell extends RNNCellBase {
  readonly nonlinearity: "tanh" | "relu";

  constructor(inputSize: number, hiddenSize: number, options: RNNCellOptions = {}) {
    const nl = options.nonlinearity ?? "tanh";
    if (nl !== "tanh" && nl !== "relu") throw new Error(`RNNCell: unknown nonlinearity ${JSON.stringify(nl)}; expected "tanh" or "relu"`);
    super(nl === "tanh" ? "RNN_TANH" : "RNN_RELU", inputSize, hiddenSize, options);
    this.nonlinearity = nl;
  }

  override forward(input: Tensor, hx?: Tensor | null): Tensor {
    return this.step(input, hx, null)[0];
  }
}

/**
 * An LSTM cell (gates i, f, g, o). Shape: input [B, I] or [I], optional [h, c] each [B, H]
 * or [H] → [h', c'].
 * Example: const cell = new nn.LSTMCell(10, 20); const [h, c] = cell.forward(randn([3, 10]));
 */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: Omit<RNNCellOptions, "nonlinearity"> = {}) {
    super("LSTM", inputSize, hiddenSize, options);
  }

  override forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    if (hx != null && (!Array.isArray(hx) || hx.length !== 2)) throw new Error("LSTMCell: the state must be a pair [h, c]");
    const [h, c] = this.step(input, hx?.[0], hx?.[1]);
    return [h, c!];
  }
}

/**
 * A GRU cell (gates r, z, n; n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn))).
 * Shape: as RNNCell. Example: const cell = new nn.GRUCell(10, 20); h = cell.forward(x, h);
 */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: Omit<RNNCellOptions, "nonlinearity"> = {}) {
    super("GRU", inputSize, hiddenSize, options);
  }

  override forward(input: Tensor, hx?: Tensor | null): Tensor {
    return this.step(input, hx, null)[0];
  }
}
