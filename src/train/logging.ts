// Logging callbacks: a JSON Lines metrics log (what `kestrel plot` draws) and TensorBoard event
// files (scalars per step and epoch, weight and gradient histograms per epoch).

import { JsonlLogger } from "../io/jsonl.js";
import { SummaryWriter } from "../io/tensorboard/writer.js";
import { Callback, type BatchLogs, type EpochLogs } from "./callback.js";
import type { Trainer } from "./trainer.js";

export interface JsonlLoggingOptions {
  /** Also log one line every this many steps (default 0: epochs only). */
  everySteps?: number;
  /** Start the file empty instead of appending (default false: a resumed run appends). */
  truncate?: boolean;
}

/**
 * Appends `{ type: "step", step, epoch, batch, loss, lr, ... }` lines (every `everySteps` steps)
 * and `{ type: "epoch", epoch, step, loss, accuracy, val_loss, val_accuracy, ..., lr, time }`
 * lines to a JSONL file.
 *
 * @example new train.JsonlLogging("runs/exp1/metrics.jsonl", { everySteps: 50 })
 */
export class JsonlLogging extends Callback {
  readonly path: string;
  readonly everySteps: number;
  private readonly truncate: boolean;
  private logger: JsonlLogger | null = null;

  constructor(path: string, opts: JsonlLoggingOptions = {}) {
    super();
    this.path = path;
    this.everySteps = opts.everySteps ?? 0;
    this.truncate = opts.truncate ?? false;
  }

  private get out(): JsonlLogger {
    this.logger ??= new JsonlLogger(this.path, { truncate: this.truncate });
    return this.logger;
  }

  override onTrainBegin(): void {
    void this.out;
  }
  override onBatchEnd(_t: Trainer, logs: BatchLogs): void {
    if (this.everySteps > 0 && logs.step % this.everySteps === 0) {
      const rec: Record<string, unknown> = { type: "step", step: logs.step, epoch: logs.epoch, batch: logs.batch, loss: logs.loss, lr: logs.lr };
      for (const [k, v] of Object.entries(logs.running)) if (k !== "loss") rec[`running_${k}`] = v;
      if (typeof logs.grad_norm === "number") rec.grad_norm = logs.grad_norm;
      this.out.log(rec);
    }
  }
  override onEpochEnd(t: Trainer, epoch: number, logs: EpochLogs): void {
    this.out.log({ type: "epoch", ...logs, epoch, step: t.step });
  }
}

export interface TensorBoardLoggingOptions {
  /** Scalars every this many steps (default 10; 0: epochs only). */
  everySteps?: number;
  /** Weight and gradient histograms at each epoch end (default true). */
  histograms?: boolean;
}

/**
 * Writes TensorBoard event files to `logDir`: train/loss and train/lr per `everySteps` steps;
 * epoch/<key> for every epoch log; <param> and <param>.grad histograms per epoch.
 *
 * @example new train.TensorBoardLogging("runs/exp1")   // then: tensorboard --logdir runs
 */
export class TensorBoardLogging extends Callback {
  readonly logDir: string;
  readonly everySteps: number;
  readonly histograms: boolean;
  writer: SummaryWriter | null = null;

  constructor(logDir: string, opts: TensorBoardLoggingOptions = {}) {
    super();
    this.logDir = logDir;
    this.everySteps = opts.everySteps ?? 10;
    this.histograms = opts.histograms ?? true;
  }

  override onTrainBegin(): void {
    this.writer ??= new SummaryWriter(this.logDir);
  }
  override onBatchEnd(_t: Trainer, logs: BatchLogs): void {
    if (!this.writer || this.everySteps <= 0 || logs.step % this.everySteps !== 0) return;
    this.writer.addScalar("train/loss", logs.loss, logs.step);
    this.writer.addScalar("train/lr", logs.lr, logs.step);
    if (typeof logs.grad_norm === "number") this.writer.addScalar("train/grad_norm", logs.grad_norm, logs.step);
  }
  override onEpochEnd(t: Trainer, epoch: number, logs: EpochLogs): void {
    if (!this.writer) return;
    for (const [k, v] of Object.entries(logs)) if (k !== "epoch" && Number.isFinite(v)) this.writer.addScalar(`epoch/${k}`, v, epoch + 1);
    if (this.histograms) {
      for (const [name, p] of t.model.namedParameters()) {
        if (p.size === 0) continue;
        this.writer.addHistogram(name, p.detach(), epoch + 1);
        // The last step's gradients (they stay until the next zeroGrad).
        if (p.grad) this.writer.addHistogram(`${name}.grad`, p.grad, epoch + 1);
      }
    }
    this.writer.flush();
  }
  override onTrainEnd(): void {
    this.writer?.close();
    this.writer = null;
  }
}
