// The Trainer: the training loop a user would otherwise write by hand (forward, loss, backward,
// step, metrics, validation), with callbacks at each point and checkpoints that resume a killed
// run exactly (same data order, same dropout masks, same final weights).

import { Tensor } from "../tensor/tensor.js";
import type { GeneratorState } from "../tensor/random.js";
import { noGrad } from "../autograd/grad_mode.js";
import { cat, stack } from "../ops/shape.js";
import { log } from "../ops/elementwise.js";
import type { Module } from "../nn/module.js";
import type { Optimizer, BaseOptions } from "../optim/optimizer.js";
import type { LRScheduler } from "../optim/scheduler.js";
import type { ReduceLROnPlateau } from "../optim/scheduler_cyclic.js";
import { averageOverCrops } from "../data/transforms/tta.js";
import { Callback, History, type BatchLogs, type EpochLogs } from "./callback.js";
import { LRSchedulerCallback } from "./callbacks.js";
import { Accuracy, ConfusionMatrix, Loss, TopKAccuracy, type Metric, metricFromName } from "./metrics.js";
import { type ResumePoint, buildCheckpoint, restoreCheckpoint, type LoaderLike } from "./resume.js";

/** A loss: a function of (output, target) or a loss module (its forward). */
export type LossFn = ((output: Tensor, target: Tensor) => Tensor) | { forward(output: Tensor, target: Tensor): Tensor };

export interface TrainerOptions {
  model: Module;
  optimizer: Optimizer<BaseOptions>;
  lossFn: LossFn;
  /** Stepped by the trainer: per epoch (default) or per step; ReduceLROnPlateau with `schedulerMonitor`. */
  scheduler?: LRScheduler | ReduceLROnPlateau;
  schedulerInterval?: "epoch" | "step";
  /** The epoch log ReduceLROnPlateau watches (default "val_loss", or "loss" without validation). */
  schedulerMonitor?: string;
  /** Training metrics besides the loss (default ["accuracy"]): Metric objects or names ("top5"). */
  metrics?: (Metric | string)[];
  callbacks?: Callback[];
  /** The run's configuration, stored in checkpoints (plain JSON). */
  config?: Record<string, unknown>;
  /** Turns a loader item into [input, target] (default: the item is already [input, target]). */
  prepareBatch?: (batch: unknown) => [Tensor, Tensor];
  /** Stop when the loss becomes NaN or infinite (default true). */
  terminateOnNan?: boolean;
}

export interface FitOptions {
  /** Train until this many epochs are done (counting epochs before startEpoch or the resumed ones). */
  epochs: number;
  valLoader?: LoaderLike;
  /** The first epoch's index (default 0; ignored with resume, which continues where the checkpoint left off). */
  startEpoch?: number;
  /** A checkpoint file to continue from (see ModelCheckpoint; a folder means its newest checkpoint). */
  resume?: string;
}

export interface EvaluateOptions {
  /**
   * Test-time augmentation: each image [C, H, W] → its crops (an array of [C, h, w] or a tensor
   * [ncrops, C, h, w], e.g. `(x) => transforms.TenCrop(24)(x)`); predictions are the softmax
   * averaged over the crops (data.transforms.averageOverCrops). Batches that already are
   * [N, ncrops, C, h, w] are averaged without this option.
   */
  tta?: (image: Tensor) => Tensor[] | Tensor;
}

export interface EvaluateResult {
  loss: number;
  accuracy: number;
  top5: number;
  /** [K, K] int32: row = true class, column = predicted. */
  confusion: Tensor;
  /** Recall of each class (NaN for a class absent from the data). */
  perClassAccuracy: number[];
  count: number;
}

/**
 * Yields to the event loop's task queue. Storage of collected tensors is recycled by finalizers,
 * which run only between tasks; a loader that resolves its batches at once never leaves the
 * microtask queue, so without this every step's activations stayed allocated (~60 MB a step
 * for the reference CNN at batch 128).
 */
const nextTask = (): Promise<void> => new Promise((r) => (typeof setImmediate === "function" ? setImmediate(r) : setTimeout(r, 0)));

function isTensorPair(b: unknown): b is [Tensor, Tensor] {
  return Array.isArray(b) && b.length >= 2 && b[0] instanceof Tensor && b[1] instanceof Tensor;
}

/**
 * Trains a model with an optimizer and a loss, running callbacks at each point of the loop.
 *
 * @example
 * const trainer = new train.Trainer({ model, optimizer: new optim.Adam(model.parameters(), { lr: 1e-3 }),
 *   lossFn: F.crossEntropy, callbacks: [new train.EarlyStopping({ monitor: "val_loss", patience: 2 })] });
 * const history = await trainer.fit(trainLoader, { epochs: 10, valLoader });
 * const { accuracy, confusion } = await trainer.evaluate(testLoader);
 */
export class Trainer {
  readonly model: Module;
  readonly optimizer: Optimizer<BaseOptions>;
  readonly lossFn: LossFn;
  readonly scheduler: LRScheduler | ReduceLROnPlateau | null;
  readonly callbacks: Callback[];
  readonly metrics: Metric<unknown>[];
  config: Record<string, unknown>;
  readonly prepareBatch: (batch: unknown) => [Tensor, Tensor];
  readonly terminateOnNan: boolean;

  /** Current 0-based epoch (during fit) or the next one to run (after). */
  epoch = 0;
  /** Optimizer steps taken so far. */
  step = 0;
  /** Batches finished in the current epoch. */
  batchInEpoch = 0;
  /** Set by a callback (or NaN loss) to end fit() after the current batch/epoch. */
  stopTraining = false;
  stopReason: string | null = null;
  totalEpochs = 0;
  batchesPerEpoch: number | null = null;
  history = new History();
  /** The loader fit() is iterating, and its shuffling state at the start of the current epoch. */
  trainLoader: LoaderLike | null = null;
  epochStartLoader: { rng: GeneratorState; epoch: number } | null = null;
  /** True while the onEpochEnd callbacks run (a checkpoint then resumes at the next epoch). */
  atEpochEnd = false;
  /** True when fit() stopped because the loss became NaN or infinite. */
  diverged = false;
  private readonly lossMetric = new Loss();
  /** The learning rate when the current epoch started (the epoch log's "lr"). */
  private epochStartLr = NaN;

  constructor(opts: TrainerOptions) {
    if (!opts || typeof opts !== "object") throw new Error("Trainer: expected options { model, optimizer, lossFn, ... }");
    if (!opts.model || typeof opts.model.forward !== "function" || typeof opts.model.train !== "function") throw new Error("Trainer: model must be an nn.Module");
    if (!opts.optimizer || typeof opts.optimizer.step !== "function") throw new Error("Trainer: optimizer must be an optim.Optimizer (e.g. new optim.SGD(model.parameters(), { lr: 0.1 }))");
    if (typeof opts.lossFn !== "function" && typeof (opts.lossFn as { forward?: unknown })?.forward !== "function") {
      throw new Error("Trainer: lossFn must be a function (output, target) => loss or a loss module such as new nn.CrossEntropyLoss()");
    }
    this.model = opts.model;
    this.optimizer = opts.optimizer;
    this.lossFn = opts.lossFn;
    this.scheduler = opts.scheduler ?? null;
    this.metrics = (opts.metrics ?? ["accuracy"]).map((m) => (typeof m === "string" ? metricFromName(m) : m));
    const cbs = [...(opts.callbacks ?? [])];
    cbs.forEach((c, i) => { if (!(c instanceof Callback)) throw new Error(`Trainer: callbacks[${i}] is not a train.Callback`); });
    if (this.scheduler) cbs.unshift(new LRSchedulerCallback({ scheduler: this.scheduler, interval: opts.schedulerInterval ?? "epoch", monitor: opts.schedulerMonitor }));
    // Stable sort by order: checkpoint writers last, so they save what the others did.
    this.callbacks = cbs.map((c, i) => [c, i] as const).sort((a, b) => a[0].order - b[0].order || a[1] - b[1]).map(([c]) => c);
    const keys = this.callbacks.map((c) => c.stateKey);
    const dup = keys.find((k, i) => keys.indexOf(k) !== i);
    if (dup) throw new Error(`Trainer: two callbacks share the state key "${dup}"; give one a distinct stateKey (override the getter) so checkpoints can tell them apart`);
    this.config = opts.config ?? {};
    this.prepareBatch = opts.prepareBatch ?? ((b) => {
      if (!isTensorPair(b)) throw new Error(`Trainer: a batch should be [input, target] tensors; got ${Array.isArray(b) ? `an array of ${b.length}` : typeof b}. Pass prepareBatch to convert your loader's items`);
      return [b[0], b[1]];
    });
    this.terminateOnNan = opts.terminateOnNan ?? true;
  }

  /** The loss of a batch. */
  computeLoss(output: Tensor, target: Tensor): Tensor {
    const f = this.lossFn;
    return typeof f === "function" ? f(output, target) : f.forward(output, target);
  }

  /** Learning rate of the first param group. */
  get lr(): number {
    return this.optimizer.paramGroups[0]?.lr ?? NaN;
  }

  private async emit<K extends keyof Callback>(hook: K, ...args: unknown[]): Promise<void> {
    for (const c of this.callbacks) await (c[hook] as (...a: unknown[]) => unknown).call(c, this, ...args);
  }

  /** Stop training at the next check (after this batch's callbacks, or after this epoch). */
  stop(reason: string): void {
    this.stopTraining = true;
    this.stopReason ??= reason;
  }

  /** Train for `epochs` epochs (minus those already done); validates after each epoch when valLoader is given. */
  async fit(trainLoader: LoaderLike, opts: FitOptions): Promise<History> {
    if (!opts || !Number.isInteger(opts.epochs) || opts.epochs < 0) throw new Error(`Trainer.fit: epochs must be a non-negative integer, got ${opts?.epochs}`);
    if (!trainLoader || (typeof (trainLoader as AsyncIterable<unknown>)[Symbol.asyncIterator] !== "function" && typeof (trainLoader as Iterable<unknown>)[Symbol.iterator] !== "function")) {
      throw new Error("Trainer.fit: trainLoader must be a data.DataLoader (or any iterable of [input, target] batches)");
    }
    this.trainLoader = trainLoader;
    this.totalEpochs = opts.epochs;
    this.stopTraining = false;
    this.stopReason = null;
    this.diverged = false;
    let resume: ResumePoint | null = null;
    if (opts.resume !== undefined) {
      resume = restoreCheckpoint(this, opts.resume);
    } else {
      this.epoch = opts.startEpoch ?? 0;
      this.batchInEpoch = 0;
      this.history = new History();
    }
    try { this.batchesPerEpoch = typeof trainLoader.length === "number" ? trainLoader.length : null; } catch { this.batchesPerEpoch = null; }
    await this.emit("onTrainBegin");
    for (; this.epoch < opts.epochs && !this.stopTraining; this.epoch++) {
      const logs = await this.trainEpoch(trainLoader, resume);
      resume = null;
      if (this.diverged) { this.history.epochs.push(logs); break; } // no validation of a NaN model
      if (opts.valLoader) {
        const r = await this.evaluate(opts.valLoader);
        Object.assign(logs, { val_loss: r.loss, val_accuracy: r.accuracy, val_top5: r.top5 });
      }
      this.history.epochs.push(logs);
      // Epoch-end checkpoints resume at the start of the next epoch.
      this.batchInEpoch = 0;
      this.epochStartLoader = null;
      this.atEpochEnd = true;
      try { await this.emit("onEpochEnd", this.epoch, logs); } finally { this.atEpochEnd = false; }
    }
    this.history.stopped = this.stopTraining;
    this.history.stopReason = this.stopReason;
    await this.emit("onTrainEnd");
    return this.history;
  }

  private async trainEpoch(loader: LoaderLike, resume: ResumePoint | null): Promise<EpochLogs> {
    const start = performance.now();
    this.model.train();
    // Resuming: the loader replays the interrupted epoch's order; see resume.ts.
    const skip = resume ? resume.apply(loader) : 0;
    if (skip === 0) {
      // A fresh epoch (a mid-epoch resume keeps the running metrics loaded from the checkpoint).
      this.batchInEpoch = 0;
      this.lossMetric.reset();
      for (const m of this.metrics) m.reset();
      this.epochStartLr = this.lr;
    }
    this.epochStartLoader = loader.generator && typeof loader.epoch === "number" ? { rng: loader.generator.getState(), epoch: loader.epoch } : null;
    if (resume) this.epochStartLoader = resume.loaderStart;
    await this.emit("onEpochBegin", this.epoch);
    let b = 0;
    for await (const item of loader as AsyncIterable<unknown>) {
      if (b < skip) {
        // Replaying the interrupted epoch's order: these batches were trained before the kill.
        if (++b === skip) resume!.afterSkip();
        continue;
      }
      await this.trainBatch(item, b);
      await nextTask();
      b++;
      if (this.stopTraining) break;
    }
    if (skip > 0 && b < skip) throw new Error(`Trainer.fit: the checkpoint was taken after batch ${skip} of epoch ${this.epoch}, but the loader now gives only ${b} batches per epoch; resume with the same data and batch size`);
    const logs: EpochLogs = { epoch: this.epoch, loss: this.lossMetric.compute(), lr: this.epochStartLr };
    for (const m of this.metrics) { const v = m.compute(); if (typeof v === "number") logs[m.name] = v; }
    logs.time = (performance.now() - start) / 1000;
    return logs;
  }

  private async trainBatch(item: unknown, b: number): Promise<void> {
    const [x, y] = this.prepareBatch(item);
    await this.emit("onBatchBegin", b);
    const lr = this.lr;
    this.optimizer.zeroGrad();
    const out = this.model.forward(x) as Tensor;
    const loss = this.computeLoss(out, y);
    if (!(loss instanceof Tensor) || loss.size !== 1) throw new Error(`Trainer: the loss should be a scalar tensor; got ${loss instanceof Tensor ? `shape [${loss.shape.join(", ")}]` : typeof loss} (use reduction "mean")`);
    const lossValue = loss.item();
    if (this.terminateOnNan && !Number.isFinite(lossValue)) {
      this.diverged = true;
      this.stop(`loss is ${lossValue} at step ${this.step + 1} (epoch ${this.epoch}, batch ${b}); lower the learning rate or check the data`);
      return;
    }
    loss.backward();
    await this.emit("onAfterBackward");
    this.optimizer.step();
    this.step++;
    this.batchInEpoch = b + 1;
    const detached = out.detach();
    this.lossMetric.update(detached, y, lossValue);
    for (const m of this.metrics) m.update(detached, y, lossValue);
    const running: Record<string, number> = { loss: this.lossMetric.compute() };
    for (const m of this.metrics) { const v = m.compute(); if (typeof v === "number") running[m.name] = v; }
    const logs: BatchLogs = { loss: lossValue, batchSize: x.shape[0] ?? 1, step: this.step, epoch: this.epoch, batch: b, lr, running };
    await this.emit("onBatchEnd", logs);
  }

  /** Model outputs for one batch under TTA / crops (log of the averaged softmax) or plainly. */
  private forwardEval(x: Tensor, tta?: EvaluateOptions["tta"]): Tensor {
    if (tta) {
      const crops = stack(Array.from({ length: x.shape[0] }, (_, i) => {
        const c = tta(x.select(0, i));
        return Array.isArray(c) ? stack(c, 0) : c;
      }), 0);
      return log(averageOverCrops(this.model, crops));
    }
    if (x.ndim === 5) return log(averageOverCrops(this.model, x));
    return this.model.forward(x) as Tensor;
  }

  /**
   * Loss, accuracy, top-5, confusion matrix and per-class accuracy over a loader, in eval mode
   * without gradients (callbacks such as ModelEMA may swap in their weights meanwhile).
   */
  async evaluate(loader: LoaderLike, opts: EvaluateOptions = {}): Promise<EvaluateResult> {
    const lossM = new Loss(), acc = new Accuracy(), top5 = new TopKAccuracy(5), conf = new ConfusionMatrix();
    await this.withEval(async () => {
      for await (const item of loader as AsyncIterable<unknown>) {
        const [x, y] = this.prepareBatch(item);
        noGrad(() => {
          const out = this.forwardEval(x, opts.tta);
          const l = this.computeLoss(out, y).item();
          lossM.update(out, y, l);
          acc.update(out, y);
          top5.update(out, y);
          conf.update(out, y);
        });
        await nextTask();
      }
    });
    const confusion = conf.compute();
    const d = confusion.dataRowMajor(), K = confusion.shape[0];
    const perClassAccuracy = Array.from({ length: K }, (_, c) => { let r = 0; for (let j = 0; j < K; j++) r += d[c * K + j]; return r ? d[c * K + c] / r : NaN; });
    return { loss: lossM.compute(), accuracy: acc.compute(), top5: top5.compute(), confusion, perClassAccuracy, count: lossM.total };
  }

  /** The model's outputs (eval mode, no gradients) for a tensor or every batch of a loader, concatenated. */
  async predict(input: Tensor | LoaderLike, opts: EvaluateOptions = {}): Promise<Tensor> {
    const outs: Tensor[] = [];
    await this.withEval(async () => {
      if (input instanceof Tensor) { outs.push(noGrad(() => this.forwardEval(input, opts.tta))); return; }
      for await (const item of input as AsyncIterable<unknown>) {
        const x = item instanceof Tensor ? item : Array.isArray(item) && item[0] instanceof Tensor ? item[0] : null;
        if (!x) throw new Error("Trainer.predict: loader items should be tensors or [input, ...] arrays");
        outs.push(noGrad(() => this.forwardEval(x, opts.tta)));
      }
    });
    if (outs.length === 0) throw new Error("Trainer.predict: the loader gave no batches");
    return outs.length === 1 ? outs[0] : cat(outs, 0);
  }

  private async withEval(fn: () => Promise<void>): Promise<void> {
    const wasTraining = this.model.training;
    this.model.eval();
    await this.emit("onEvalBegin");
    try {
      await fn();
    } finally {
      await this.emit("onEvalEnd");
      this.model.train(wasTraining);
    }
  }

  /** Everything needed to resume, as io.saveCheckpoint's argument (see resume.ts). */
  checkpoint(extra?: Record<string, unknown>): ReturnType<typeof buildCheckpoint> {
    return buildCheckpoint(this, extra);
  }

  /** @internal Metric state of the epoch in progress (for mid-epoch checkpoints). */
  _metricState(): Record<string, unknown> {
    return { loss: this.lossMetric.stateDict(), metrics: this.metrics.map((m) => m.stateDict()), lr: this.epochStartLr };
  }
  /** @internal */
  _loadMetricState(s: Record<string, unknown>): void {
    this.lossMetric.loadStateDict(s.loss as Record<string, unknown>);
    (s.metrics as Record<string, unknown>[]).forEach((m, i) => this.metrics[i]?.loadStateDict(m));
    this.epochStartLr = s.lr as number;
  }
}
