// Regularisation from CS231n lecture 7 beyond plain dropout: stochastic depth (drop-path),
// DropConnect, fractional max-pooling (the layer over F.fractionalMaxPool2d) and model
// ensembles. Random draws come from the one seedable generator, so manualSeed(s) repeats them.

import { Tensor } from "../tensor/tensor.js";
import { allocate } from "../tensor/dtype.js";
import { defaultGenerator } from "../tensor/random.js";
import { checkFloat, checkTensor } from "../ops/util.js";
import { mul, log } from "../ops/elementwise.js";
import { linear } from "../ops/matmul.js";
import { softmax } from "../ops/activation.js";
import { mean } from "../ops/reduce.js";
import { stack } from "../ops/shape.js";
import { type FractionalMaxPool2dOptions, fractionalMaxPool2d, fractionalMaxPool2dWithIndices } from "../ops/pool_fractional.js";
import { Module } from "./module.js";
import { ModuleList } from "./containers.js";
import { Linear, type LinearOptions } from "./linear.js";
import { pairArg, probArg } from "./util.js";
import { pyFloat, pyTuple } from "./repr.js";
import type { PoolWithIndices } from "./pool.js";

/** A tensor of `shape` (x's dtype) whose entries are 1/keep with probability keep, else 0. */
function keepMask(x: Tensor, shape: readonly number[], keep: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const m = allocate(x.dtype, n);
  const scale = keep > 0 ? 1 / keep : 0;
  for (let i = 0; i < n; i++) m[i] = defaultGenerator.random() < keep ? scale : 0;
  return Tensor.fromData(m, shape);
}

// ---- stochastic depth ----------------------------------------------------------------------------

/**
 * Stochastic depth (Huang et al. 2016), torchvision.ops.stochastic_depth: while training, drop
 * the whole input (a residual branch) with probability p, per sample ("row": one draw per
 * batch entry) or for the whole batch ("batch": one draw), scaling survivors by 1/(1 − p).
 * Identity when not training or p = 0. Use it on the residual branch: `x + stochasticDepth(f(x), p, "row")`.
 */
export function stochasticDepth(x: Tensor, p: number, mode: "row" | "batch", training = true): Tensor {
  const op = "stochasticDepth";
  checkTensor(op, x);
  checkFloat(op, x);
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new Error(`${op}: drop probability has to be between 0 and 1, but got ${p}`);
  if (mode !== "row" && mode !== "batch") throw new Error(`${op}: mode has to be either 'batch' or 'row', but got ${JSON.stringify(mode)}`);
  if (!training || p === 0) return x;
  if (mode === "row" && x.ndim === 0) throw new Error(`${op}: mode "row" needs an input with a batch dim, got a 0-d tensor`);
  const shape = mode === "row" ? [x.shape[0], ...x.shape.slice(1).map(() => 1)] : x.shape.map(() => 1);
  return mul(x, keepMask(x, shape, 1 - p));
}

/** Drop-path (timm's name for row-mode stochastic depth): each sample's branch dropped with probability p. */
export function dropPath(x: Tensor, p = 0, training = true): Tensor {
  return stochasticDepth(x, p, "row", training);
}

/**
 * Stochastic depth as a layer (torchvision.ops.StochasticDepth): active in training mode only.
 *
 * Example:
 *   const sd = new nn.StochasticDepth(0.2, "row");
 *   const y = x.add(sd.forward(branch.forward(x))); // a residual block that is sometimes skipped
 */
export class StochasticDepth extends Module {
  readonly p: number;
  readonly mode: "row" | "batch";
  constructor(p: number, mode: "row" | "batch" = "row") {
    super();
    this.p = probArg("StochasticDepth", p);
    if (mode !== "row" && mode !== "batch") throw new Error(`StochasticDepth: mode has to be either 'batch' or 'row', but got ${JSON.stringify(mode)}`);
    this.mode = mode;
  }
  override forward(x: Tensor): Tensor {
    return stochasticDepth(x, this.p, this.mode, this.training);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, mode=${this.mode}`;
  }
}

// ---- DropConnect ----------------------------------------------------------------------------------

/**
 * DropConnect (Wan et al. 2013) for a linear map: while training, each weight is zeroed with
 * probability p and the survivors scaled by 1/(1 − p) (inverted, like dropout, so evaluation
 * uses the plain weights); one mask per forward pass, shared by the batch. The bias is kept.
 */
export function dropConnectLinear(x: Tensor, weight: Tensor, bias: Tensor | null, p = 0.5, training = true): Tensor {
  const op = "dropConnectLinear";
  checkTensor(op, weight, "weight");
  checkFloat(op, weight, "weight");
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new Error(`${op}: drop probability has to be between 0 and 1, but got ${p}`);
  if (!training || p === 0) return linear(x, weight, bias);
  return linear(x, mul(weight, keepMask(weight, weight.shape, 1 - p)), bias);
}

/**
 * A Linear layer with DropConnect on its weights (training mode only). Same parameters and
 * state-dict keys as nn.Linear (weight, bias), so a trained model loads into a plain Linear.
 *
 * Example:
 *   const fc = new nn.DropConnectLinear(256, 10, { p: 0.5 });
 *   fc.forward(x);          // training: a fresh random weight mask
 *   fc.eval().forward(x);   // the full weights
 */
export class DropConnectLinear extends Linear {
  readonly p: number;
  constructor(inFeatures: number, outFeatures: number, options: LinearOptions & { p?: number } = {}) {
    super(inFeatures, outFeatures, options);
    this.p = probArg("DropConnectLinear", options.p ?? 0.5);
  }
  override forward(x: Tensor): Tensor {
    return dropConnectLinear(x, this.weight, this.bias, this.p, this.training);
  }
  override extraRepr(): string {
    return `${super.extraRepr()}, p=${pyFloat(this.p)}`;
  }
}

// ---- fractional max-pooling -----------------------------------------------------------------------

type IntPair = number | readonly number[];

/**
 * Fractional max-pooling (torch.nn.FractionalMaxPool2d): kernelSize windows at pseudo-random
 * positions, output `outputSize` or `outputRatio` × input. Give exactly one of them.
 *
 * Example:
 *   new nn.FractionalMaxPool2d(2, { outputRatio: 0.7 }).forward(randn([8, 16, 32, 32])).shape; // [8, 16, 22, 22]
 */
export class FractionalMaxPool2d<R extends boolean = false> extends Module {
  readonly kernelSize: IntPair;
  readonly outputSize: IntPair | null;
  readonly outputRatio: number | readonly number[] | null;
  readonly returnIndices: R;
  /** Fixed samples [N, C, 2] (PyTorch's _random_samples), or null to draw new ones each call. */
  randomSamples: Tensor | null;

  constructor(kernelSize: IntPair, options: Omit<FractionalMaxPool2dOptions, "randomSamples"> & { returnIndices?: R; randomSamples?: Tensor | null } = {}) {
    super();
    const layer = "FractionalMaxPool2d";
    pairArg(layer, "kernelSize", kernelSize, 1);
    this.kernelSize = kernelSize;
    this.outputSize = options.outputSize ?? null;
    this.outputRatio = options.outputRatio ?? null;
    if (this.outputSize === null && this.outputRatio === null) throw new Error(`${layer}: requires specifying either an outputSize, or an outputRatio`);
    if (this.outputSize !== null && this.outputRatio !== null) throw new Error(`${layer}: only one of outputSize and outputRatio may be specified`);
    if (this.outputSize !== null) pairArg(layer, "outputSize", this.outputSize, 1);
    if (this.outputRatio !== null) {
      const r = typeof this.outputRatio === "number" ? [this.outputRatio, this.outputRatio] : this.outputRatio;
      if (r.length !== 2 || !r.every((v) => v > 0 && v < 1)) throw new Error(`${layer}: outputRatio must be between 0 and 1 (got ${JSON.stringify(this.outputRatio)})`);
    }
    this.returnIndices = (options.returnIndices ?? false) as R;
    this.randomSamples = options.randomSamples ?? null;
  }

  override forward(x: Tensor): R extends true ? PoolWithIndices : Tensor {
    const o = { outputSize: this.outputSize, outputRatio: this.outputRatio, randomSamples: this.randomSamples };
    return (this.returnIndices ? fractionalMaxPool2dWithIndices(x, this.kernelSize, o) : fractionalMaxPool2d(x, this.kernelSize, o)) as R extends true ? PoolWithIndices : Tensor;
  }

  override extraRepr(): string {
    const size = this.outputSize !== null ? `output_size=${pyTuple(this.outputSize)}` : `output_ratio=${typeof this.outputRatio === "number" ? pyFloat(this.outputRatio) : pyTuple(this.outputRatio as number[])}`;
    return `kernel_size=${pyTuple(this.kernelSize)}, ${size}`;
  }
}

// ---- ensembles ------------------------------------------------------------------------------------

export interface EnsembleOptions {
  /**
   * "logProbs" (default): log of the averaged softmax probabilities, so crossEntropy / nllLoss
   * and argmax work on the output as on one model's logits; "probs": the averaged probabilities.
   */
  output?: "logProbs" | "probs";
}

/**
 * Independent-model (or snapshot) ensemble: runs every member on the input and averages their
 * softmax predictions over the class dim (1). State-dict keys are `members.<i>.<key>`.
 *
 * Example:
 *   const ens = new nn.Ensemble([modelA, modelB, modelC]).eval();
 *   ens.forward(x).argmax(1); // the ensemble's predicted classes
 */
export class Ensemble extends Module {
  readonly members: ModuleList;
  readonly output: "logProbs" | "probs";
  constructor(models: Iterable<Module>, options: EnsembleOptions = {}) {
    super();
    this.members = new ModuleList(models);
    if (this.members.length === 0) throw new Error("Ensemble: needs at least one model, got an empty list");
    this.output = options.output ?? "logProbs";
    if (this.output !== "logProbs" && this.output !== "probs") throw new Error(`Ensemble: output must be "logProbs" or "probs", got ${JSON.stringify(this.output)}`);
  }
  override forward(x: Tensor): Tensor {
    const probs = this.members.children().map((m, i) => {
      const out = m.forward(x);
      if (!(out instanceof Tensor) || out.ndim < 2) throw new Error(`Ensemble: member ${i} returned ${out instanceof Tensor ? `shape [${out.shape.join(", ")}]` : typeof out}; expected scores [N, K]`);
      return softmax(out, 1);
    });
    const avg = mean(stack(probs, 0), 0);
    return this.output === "probs" ? avg : log(avg);
  }
}
