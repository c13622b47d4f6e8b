// DataLoader (torch.utils.data.DataLoader): batches of a dataset, shuffled through the seeded
// generator, optionally loaded and augmented ahead of the loop by worker threads.

import { Worker } from "node:worker_threads";
import { type Generator, defaultGenerator, Generator as GeneratorClass } from "../tensor/random.js";
import type { Dataset } from "./dataset.js";
import { type Sampler, SequentialSampler, RandomSampler, BatchSampler } from "./sampler.js";
import { defaultCollate } from "./collate.js";
import { sampleSeed, withSeed } from "./seed.js";
import { describe, type WorkerSource } from "./spec.js";
import { decode } from "./transport.js";

export interface DataLoaderOptions {
  /** Samples per batch (default 1); null turns batching (and collation) off. */
  batchSize?: number | null;
  /** A new random order every epoch (default false). */
  shuffle?: boolean;
  /** Custom index order: a Sampler, or an array of indices. Exclusive with shuffle. */
  sampler?: Sampler | ArrayLike<number>;
  /** Yields whole batches of indices. Exclusive with batchSize, shuffle, sampler and dropLast. */
  batchSampler?: Iterable<number[]> & { length?: number };
  /** Drop the last incomplete batch (default false). */
  dropLast?: boolean;
  /** Turns a list of samples into a batch (default: defaultCollate). */
  collateFn?: (samples: any[]) => unknown;
  /** The generator for shuffling and per-epoch base seeds (default: the global one). */
  generator?: Generator;
  /** Shorthand for `generator: new Generator(seed)`: this loader's own seeded stream. */
  seed?: number;
  /** Worker threads that load, transform and collate ahead of the loop (default 0: in the loop). */
  numWorkers?: number;
  /** Batches each worker keeps ready ahead of the loop (default 2). */
  prefetchFactor?: number;
  /** Keep the workers between epochs (default false: started per epoch, ended when it ends). */
  persistentWorkers?: boolean;
  /** How workers rebuild a dataset Kestrel cannot describe (a user class): see spec.ts. */
  workerSource?: WorkerSource;
}

/**
 * Starts a worker on worker.js (dist) or worker.ts (sources). A worker thread does not inherit
 * the TypeScript loader that runs the sources (tsx), so when running from src/ the worker is
 * bootstrapped by registering tsx first.
 */
function startWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./worker.js", import.meta.url), { workerData });
  const entry = new URL("./worker.ts", import.meta.url).href;
  let api: string;
  try {
    api = import.meta.resolve("tsx/esm/api");
  } catch {
    throw new Error("DataLoader: numWorkers > 0 from the TypeScript sources needs tsx to load them in the worker; build (npm run build) or install tsx");
  }
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

interface Pending { resolve: (v: unknown) => void; reject: (e: Error) => void }

/** Worker threads for one loader. They hold the process only while batches are outstanding. */
class WorkerPool {
  private workers: Worker[] = [];
  private pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | null = null;

  constructor(n: number, datasetDescription: unknown, collate: "default" | "none") {
    for (let w = 0; w < n; w++) {
      const worker = startWorker({ dataset: datasetDescription, collate });
      worker.unref();
      worker.on("message", (m: { id: number; ok: boolean; value?: unknown; message?: string; stack?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return; // a batch of an abandoned epoch
        this.pending.delete(m.id);
        this.updateRef();
        if (m.ok) p.resolve(m.value);
        else {
          const e = new Error(m.message);
          e.stack = `${m.message}\n    (in DataLoader worker ${w})\n${(m.stack ?? "").split("\n").slice(1).join("\n")}`;
          p.reject(e);
        }
      });
      worker.on("error", (e) => this.fail(new Error(`DataLoader worker ${w} failed: ${e.message}`)));
      worker.on("exit", (code) => { if (!this.closed) this.fail(new Error(`DataLoader worker ${w} exited unexpectedly (code ${code})`)); });
      this.workers.push(worker);
    }
  }

  closed = false;
  get size(): number { return this.workers.length; }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.updateRef();
  }

  // Ref the workers only while a batch is outstanding, so an abandoned loop never keeps Node alive.
  private refd = false;
  private updateRef(): void {
    const want = this.pending.size > 0;
    if (want === this.refd) return;
    this.refd = want;
    for (const w of this.workers) { if (want) w.ref(); else w.unref(); }
  }

  submit(worker: number, indices: number[], baseSeed: number, epoch: number): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const p = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.updateRef();
    this.workers[worker].postMessage({ id, indices, baseSeed, epoch });
    p.catch(() => {}); // awaited later, in order; never an unhandled rejection meanwhile
    return p;
  }

  /** Forgets outstanding batches (their results will be dropped). */
  abandon(): void {
    this.pending.clear();
    this.updateRef();
  }

  terminate(): void {
    this.closed = true;
    this.abandon();
    for (const w of this.workers) void w.terminate();
    this.workers = [];
  }
}

// Persistent pools are ended when their loader is garbage-collected (they are unref'd meanwhile).
const poolReaper = new FinalizationRegistry<WorkerPool>((pool) => pool.terminate());

/**
 * Iterates a dataset in batches: `for await (const [x, y] of loader) { ... }`.
 *
 * - Order: sequential, or with `shuffle` a new permutation each epoch drawn from the loader's
 *   generator (`seed`/`generator`, else the global one): the same seed gives the same order.
 * - Randomness of transforms: each sample runs with the global generator seeded from (the
 *   epoch's base seed, the epoch, the dataset index), so a sample gets the same augmentation
 *   whatever `numWorkers` is; the global stream itself only advances by one draw per epoch.
 * - `numWorkers > 0`: worker threads rebuild the dataset (see spec.ts: Kestrel datasets and
 *   transforms need nothing; a user class gives `workerSource()`), then load, transform and
 *   collate batches ahead of the loop (`prefetchFactor` per worker); batches arrive in order,
 *   their buffers moved, not copied. Workers never keep the process alive after the loop ends
 *   or breaks, and need no dispose. A custom `collateFn` runs in the loop's thread.
 * - Default collate: see defaultCollate (Images become float32 [B, C, H, W] in [0, 1]).
 *
 * @example
 * const loader = new data.DataLoader(ds, { batchSize: 64, shuffle: true, seed: 0, numWorkers: 2 });
 * for (let epoch = 0; epoch < 10; epoch++) for await (const [x, y] of loader) { ... }
 */
export class DataLoader<B = any> implements AsyncIterable<B> {
  readonly dataset: Dataset;
  readonly batchSize: number | null;
  readonly dropLast: boolean;
  readonly numWorkers: number;
  readonly prefetchFactor: number;
  readonly persistentWorkers: boolean;
  readonly generator: Generator;
  readonly sampler: Sampler;
  readonly batchSampler: (Iterable<number[]> & { length?: number }) | null;
  readonly collateFn: ((samples: any[]) => unknown) | null;
  readonly workerSource: WorkerSource | undefined;
  /** Epochs started so far. */
  epoch = 0;
  private pool: WorkerPool | null = null;

  constructor(dataset: Dataset, opts: DataLoaderOptions = {}) {
    if (!dataset || typeof (dataset as Dataset).get !== "function" || !Number.isInteger(dataset.length)) {
      throw new Error("DataLoader: expected a dataset with get(index) and an integer length");
    }
    this.dataset = dataset;
    const batchSize = opts.batchSize === undefined ? 1 : opts.batchSize;
    const numWorkers = opts.numWorkers ?? 0;
    if (!Number.isInteger(numWorkers) || numWorkers < 0) throw new Error(`DataLoader: numWorkers option should be a non-negative integer, got ${numWorkers}`);
    const prefetchFactor = opts.prefetchFactor ?? 2;
    if (!Number.isInteger(prefetchFactor) || prefetchFactor < 1) throw new Error(`DataLoader: prefetchFactor should be a positive integer, got ${prefetchFactor}`);
    if (batchSize !== null && (!Number.isInteger(batchSize) || batchSize <= 0)) throw new Error(`DataLoader: batchSize should be a positive integer or null, got ${batchSize}`);
    if (opts.generator && opts.seed !== undefined) throw new Error("DataLoader: pass generator or seed, not both");
    this.generator = opts.generator ?? (opts.seed !== undefined ? new GeneratorClass(opts.seed) : defaultGenerator);
    if (opts.sampler && opts.shuffle) throw new Error("DataLoader: sampler option is mutually exclusive with shuffle");
    if (opts.batchSampler) {
      if (opts.batchSize !== undefined && opts.batchSize !== 1 || opts.shuffle || opts.sampler || opts.dropLast) {
        throw new Error("DataLoader: batchSampler option is mutually exclusive with batchSize, shuffle, sampler, and dropLast");
      }
    }
    if (opts.sampler !== undefined) {
      const s = opts.sampler;
      this.sampler = typeof (s as Sampler)[Symbol.iterator] === "function" && !ArrayBuffer.isView(s) && !Array.isArray(s)
        ? (s as Sampler) : new IndexSampler(Array.from(s as ArrayLike<number>));
    } else {
      this.sampler = opts.shuffle ? new RandomSampler(dataset, { generator: this.generator }) : new SequentialSampler(dataset);
    }
    this.batchSize = opts.batchSampler ? null : batchSize;
    this.dropLast = opts.dropLast ?? false;
    this.batchSampler = opts.batchSampler ?? (batchSize === null ? null : new BatchSampler(this.sampler, batchSize, this.dropLast));
    this.collateFn = opts.collateFn ?? (this.batchSampler ? defaultCollate : null);
    this.numWorkers = numWorkers;
    this.prefetchFactor = prefetchFactor;
    this.persistentWorkers = opts.persistentWorkers ?? false;
    if (this.persistentWorkers && numWorkers === 0) throw new Error("DataLoader: persistentWorkers option needs numWorkers > 0");
    this.workerSource = opts.workerSource;
  }

  /** Batches per epoch (`len(loader)`). */
  get length(): number {
    const src = this.batchSampler ?? this.sampler;
    if (typeof src.length !== "number") throw new Error("DataLoader: the sampler has no length, so the loader has none");
    return src.length;
  }

  private batches(): Iterator<number[]> {
    if (this.batchSampler) return this.batchSampler[Symbol.iterator]();
    const it = this.sampler[Symbol.iterator]();
    return { next: () => { const r = it.next(); return r.done ? { done: true, value: undefined } : { done: false, value: [r.value] }; } };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    const epoch = this.epoch++;
    const baseSeed = this.generator.nextUint32();
    const batches = this.batches();
    if (this.numWorkers === 0) {
      for (let r = batches.next(); !r.done; r = batches.next()) {
        const samples: unknown[] = [];
        for (const i of r.value) samples.push(await withSeed(sampleSeed(baseSeed, epoch, i), () => this.dataset.get(i)));
        yield (this.batchSampler ? this.collateFn!(samples) : samples[0]) as B;
      }
      return;
    }
    const customCollate = this.batchSampler !== null && this.collateFn !== defaultCollate;
    if (!this.pool) {
      const desc = this.workerSource
        ? describe({ workerSource: () => this.workerSource! }, "workerSource")
        : describe(this.dataset, "dataset");
      this.pool = new WorkerPool(this.numWorkers, desc, this.batchSampler && !customCollate ? "default" : "none");
      if (this.persistentWorkers) poolReaper.register(this, this.pool, this);
    }
    const pool = this.pool;
    const window = this.numWorkers * this.prefetchFactor;
    const queue: Promise<unknown>[] = [];
    let k = 0, done = false;
    const fill = (): void => {
      while (!done && queue.length < window) {
        const r = batches.next();
        if (r.done) { done = true; break; }
        queue.push(pool.submit(k++ % pool.size, r.value, baseSeed, epoch));
      }
    };
    try {
      fill();
      while (queue.length > 0) {
        const value = decode(await queue.shift()!);
        fill();
        if (!this.batchSampler) yield (value as unknown[])[0] as B;
        else yield (customCollate ? this.collateFn!(value as unknown[]) : value) as B;
      }
    } finally {
      if (this.persistentWorkers) pool.abandon();
      else { pool.terminate(); this.pool = null; }
    }
  }
}

/** A fixed list of indices used as a sampler. */
class IndexSampler implements Sampler {
  constructor(readonly indices: number[]) {}
  get length(): number { return this.indices.length; }
  [Symbol.iterator](): Iterator<number> { return this.indices[Symbol.iterator](); }
}
