// Shape and lookup layers: Flatten, Unflatten, Identity, Embedding.

import { Tensor } from "../tensor/tensor.js";
import type { DType } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import { noGrad } from "../autograd/grad_mode.js";
import { flatten, unflatten } from "../ops/shape.js";
import { embedding } from "../ops/embedding.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { normal_ } from "./init.js";
import { floatDtype, intArg, newParam } from "./util.js";
import { pyFloat, pyTuple } from "./repr.js";

/**
 * Flattens dims startDim..endDim into one (torch.nn.Flatten); the bridge from conv features to
 * Linear layers. Unlike Tensor.flatten, startDim defaults to 1 so the batch dim is kept.
 * Args: startDim (1), endDim (−1). Shape: [N, *dims] → [N, ∏ dims].
 * Example: new nn.Flatten().forward(randn([32, 1, 5, 5])).shape; // [32, 25]
 */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;

  constructor(startDim = 1, endDim = -1) {
    super();
    this.startDim = intArg("Flatten", "startDim", startDim, -Infinity);
    this.endDim = intArg("Flatten", "endDim", endDim, -Infinity);
  }

  override forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/**
 * Expands dim `dim` into the shape `unflattenedSize` (torch.nn.Unflatten); the inverse of Flatten.
 * Args: dim, unflattenedSize (one entry may be −1). Shape: [N, C·H·W] → [N, C, H, W] (dim 1).
 * Example: new nn.Unflatten(1, [2, 5, 5]).forward(randn([2, 50])).shape; // [2, 2, 5, 5]
 */
export class Unflatten extends Module {
  readonly dim: number;
  readonly unflattenedSize: number[];

  constructor(dim: number, unflattenedSize: readonly number[]) {
    super();
    this.dim = intArg("Unflatten", "dim", dim, -Infinity);
    if (!Array.isArray(unflattenedSize) || !unflattenedSize.every((s) => Number.isInteger(s) && s >= -1)) {
      throw new Error(`Unflatten: unflattenedSize must be an array of integers, got ${JSON.stringify(unflattenedSize)}`);
    }
    this.unflattenedSize = [...unflattenedSize];
  }

  override forward(x: Tensor): Tensor {
    return unflatten(x, this.dim, this.unflattenedSize);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)}`;
  }
}

/**
 * Returns its input unchanged (torch.nn.Identity): a placeholder, e.g. to drop a model's head.
 * Constructor arguments are accepted and ignored, as in PyTorch.
 * Example: model.registerModule("fc", new nn.Identity());
 */
export class Identity extends Module {
  constructor(..._args: unknown[]) {
    super();
  }

  override forward<T>(x: T): T {
    return x;
  }
}

export interface EmbeddingOptions {
  /** Row that stays zero and gets no gradient (a padding token); negative counts from the end. */
  paddingIdx?: number | null;
  /** Renormalise looked-up rows whose normType-norm exceeds maxNorm (in place). */
  maxNorm?: number | null;
  normType?: number;
  /** Scale gradients by the inverse frequency of each index in the batch. */
  scaleGradByFreq?: boolean;
  /** Use this [numEmbeddings, embeddingDim] tensor as the weight (shared, not copied). */
  weight?: Tensor;
  /** Whether the weight is trained (default true; see fromPretrained's freeze). */
  requiresGrad?: boolean;
  dtype?: DType;
}

/**
 * A lookup table of numEmbeddings vectors of size embeddingDim (torch.nn.Embedding): row i is
 * the embedding of index i. Weight initialised N(0, 1), with the paddingIdx row zero.
 *
 * Args: numEmbeddings, embeddingDim, options: paddingIdx, maxNorm, normType (2), scaleGradByFreq.
 * Shape: int32 indices [*] → [*, embeddingDim].
 *
 * Example:
 *   const emb = new nn.Embedding(10, 3, { paddingIdx: 0 });
 *   emb.forward(tensor([[1, 2, 4, 5], [4, 3, 2, 9]], { dtype: "int32" })).shape; // [2, 4, 3]
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    this.numEmbeddings = intArg("Embedding", "numEmbeddings", numEmbeddings);
    this.embeddingDim = intArg("Embedding", "embeddingDim", embeddingDim);
    let p = options.paddingIdx ?? null;
    if (p !== null) {
      if (!Number.isInteger(p) || p >= numEmbeddings || p < -numEmbeddings) {
        throw new Error(`Embedding: paddingIdx must be within numEmbeddings (${numEmbeddings}), got ${p}`);
      }
      if (p < 0) p += numEmbeddings;
    }
    this.paddingIdx = p;
    this.maxNorm = options.maxNorm ?? null;
    this.normType = options.normType ?? 2;
    this.scaleGradByFreq = options.scaleGradByFreq ?? false;
    if (options.weight !== undefined) {
      const w = options.weight;
      if (!(w instanceof Tensor) || w.ndim !== 2 || w.shape[0] !== numEmbeddings || w.shape[1] !== embeddingDim) {
        throw new Error(`Embedding: weight must have shape [${numEmbeddings}, ${embeddingDim}], got ${w instanceof Tensor ? fmtShape(w.shape) : typeof w}`);
      }
      this.weight = new Parameter(w, options.requiresGrad ?? true);
    } else {
      this.weight = newParam([numEmbeddings, embeddingDim], floatDtype("Embedding", options.dtype));
      if (options.requiresGrad === false) this.weight.requiresGrad_(false);
      this.resetParameters();
    }
  }

  /** Build from an existing [num, dim] matrix (shared), frozen (no grad) unless freeze is false. */
  static fromPretrained(embeddings: Tensor, options: Omit<EmbeddingOptions, "weight" | "requiresGrad" | "dtype"> & { freeze?: boolean } = {}): Embedding {
    if (!(embeddings instanceof Tensor) || embeddings.ndim !== 2) {
      throw new Error(`Embedding.fromPretrained: embeddings must be a 2-d tensor, got ${embeddings instanceof Tensor ? fmtShape(embeddings.shape) : typeof embeddings}`);
    }
    const [n, d] = embeddings.shape;
    return new Embedding(n, d, { ...options, weight: embeddings, requiresGrad: !(options.freeze ?? true) });
  }

  /** N(0, 1) weights with the padding row zeroed. */
  resetParameters(): void {
    normal_(this.weight);
    const p = this.paddingIdx;
    if (p !== null) noGrad(() => this.weight.select(0, p).fill_(0)); // select is a view of the weight
  }

  override forward(idx: Tensor): Tensor {
    return embedding(idx, this.weight, {
      paddingIdx: this.paddingIdx, maxNorm: this.maxNorm, normType: this.normType, scaleGradByFreq: this.scaleGradByFreq,
    });
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    if (this.scaleGradByFreq) s += ", scale_grad_by_freq=True";
    return s;
  }
}
