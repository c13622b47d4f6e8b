// Samplers (torch.utils.data.sampler): what order a DataLoader visits the dataset in.
// A sampler is any iterable of indices with a `length`; iterating it again starts a new epoch.

import { type Generator, defaultGenerator } from "../tensor/random.js";
import { randomPermutation } from "./dataset.js";

/** Yields dataset indices; `length` is how many per epoch. */
export interface Sampler extends Iterable<number> {
  readonly length: number;
}

/** 0, 1, ..., n-1 (torch SequentialSampler). */
export class SequentialSampler implements Sampler {
  constructor(readonly dataSource: { length: number }) {}
  get length(): number { return this.dataSource.length; }
  *[Symbol.iterator](): Iterator<number> { for (let i = 0; i < this.dataSource.length; i++) yield i; }
}

export interface RandomSamplerOptions {
  /** Draw with replacement (default false). */
  replacement?: boolean;
  /** Samples per epoch (default: the dataset length; only with replacement may it differ). */
  numSamples?: number;
  /** The generator shuffles come from (default: the global one). */
  generator?: Generator;
}

/** A fresh random permutation every epoch, drawn from `generator` (torch RandomSampler). */
export class RandomSampler implements Sampler {
  readonly replacement: boolean;
  generator: Generator;
  private readonly _numSamples: number | undefined;
  constructor(readonly dataSource: { length: number }, opts: RandomSamplerOptions = {}) {
    this.replacement = opts.replacement ?? false;
    this._numSamples = opts.numSamples;
    this.generator = opts.generator ?? defaultGenerator;
    if (this._numSamples !== undefined && (!Number.isInteger(this._numSamples) || this._numSamples <= 0)) {
      throw new Error(`RandomSampler: numSamples should be a positive integer, got ${this._numSamples}`);
    }
    if (this._numSamples !== undefined && !this.replacement && this._numSamples !== dataSource.length) {
      throw new Error(`RandomSampler: numSamples (${this._numSamples}) may differ from the dataset length (${dataSource.length}) only with replacement: true`);
    }
  }
  get length(): number { return this._numSamples ?? this.dataSource.length; }
  *[Symbol.iterator](): Iterator<number> {
    const n = this.dataSource.length;
    if (this.replacement) {
      for (let k = 0; k < this.length; k++) yield this.generator.int(0, n);
      return;
    }
    yield* randomPermutation(n, this.generator);
  }
}

/** The given indices in a random order each epoch (torch SubsetRandomSampler). */
export class SubsetRandomSampler implements Sampler {
  readonly indices: number[];
  constructor(indices: ArrayLike<number>, readonly generator: Generator = defaultGenerator) {
    this.indices = Array.from(indices);
  }
  get length(): number { return this.indices.length; }
  *[Symbol.iterator](): Iterator<number> {
    for (const k of randomPermutation(this.indices.length, this.generator)) yield this.indices[k];
  }
}

/** Groups a sampler's indices into batches (torch BatchSampler). */
export class BatchSampler implements Iterable<number[]> {
  constructor(readonly sampler: Iterable<number> & { length: number }, readonly batchSize: number, readonly dropLast = false) {
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`BatchSampler: batchSize should be a positive integer, got ${batchSize}`);
  }
  get length(): number {
    const n = this.sampler.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }
  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const i of this.sampler) {
      batch.push(i);
      if (batch.length === this.batchSize) { yield batch; batch = []; }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }
}
