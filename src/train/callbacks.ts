// Callbacks that steer training: early stopping, learning-rate scheduling, gradient clipping.

import { Tensor } from "../tensor/tensor.js";
import { clone } from "../ops/elementwise.js";
import { noGrad } from "../autograd/grad_mode.js";
import type { LRScheduler } from "../optim/scheduler.js";
import { ReduceLROnPlateau } from "../optim/scheduler_cyclic.js";
import { clipGradNorm_, clipGradValue_ } from "../nn/utils.js";
import { Callback, type BatchLogs, type EpochLogs } from "./callback.js";
import type { Trainer } from "./trainer.js";

/** Read a monitored value from epoch logs, with an error that lists what exists. */
export function monitored(who: string, logs: EpochLogs, key: string): number {
  if (!(key in logs)) {
    throw new Error(`${who}: monitor "${key}" is not in the epoch logs (available: ${Object.keys(logs).join(", ")}); pass a valLoader to fit() for val_* keys`);
  }
  return logs[key];
}

/** "min" for losses and errors, "max" for accuracies (mode "auto"). */
export function resolveMode(who: string, mode: string | undefined, monitor: string): "min" | "max" {
  const m = mode ?? "auto";
  if (m === "min" || m === "max") return m;
  if (m !== "auto") throw new Error(`${who}: mode must be "min", "max" or "auto", got ${JSON.stringify(mode)}`);
  return /acc|top\d|auc|f1|precision|recall/i.test(monitor) ? "max" : "min";
}

export interface EarlyStoppingOptions {
  /** Epoch log to watch (default "val_loss"). */
  monitor?: string;
  /** "min", "max" or "auto" (default: from the name, accuracies are maximised). */
  mode?: "min" | "max" | "auto";
  /** Epochs without improvement before stopping (default 3). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** At the end of training, load the weights of the best epoch (default false). */
  restoreBest?: boolean;
}

/**
 * Stop when the monitored value has not improved for `patience` epochs (Lightning's rule:
 * improvement means better than the best by more than minDelta).
 *
 * @example new train.EarlyStopping({ monitor: "val_accuracy", patience: 2, restoreBest: true })
 */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly mode: "min" | "max";
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBest: boolean;
  best: number;
  bestEpoch = -1;
  wait = 0;
  /** The epoch at which training was stopped (-1: not stopped). */
  stoppedEpoch = -1;
  private bestWeights: Record<string, Tensor> | null = null;

  constructor(opts: EarlyStoppingOptions = {}) {
    super();
    this.monitor = opts.monitor ?? "val_loss";
    this.mode = resolveMode("EarlyStopping", opts.mode, this.monitor);
    this.patience = opts.patience ?? 3;
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new Error(`EarlyStopping: patience must be a non-negative integer, got ${opts.patience}`);
    this.minDelta = Math.abs(opts.minDelta ?? 0);
    this.restoreBest = opts.restoreBest ?? false;
    this.best = this.mode === "min" ? Infinity : -Infinity;
  }

  private improves(v: number): boolean {
    return this.mode === "min" ? v < this.best - this.minDelta : v > this.best + this.minDelta;
  }

  override onEpochEnd(t: Trainer, epoch: number, logs: EpochLogs): void {
    const v = monitored("EarlyStopping", logs, this.monitor);
    if (this.improves(v)) {
      this.best = v;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBest) this.bestWeights = snapshot(t);
      return;
    }
    this.wait++;
    if (this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      t.stop(`early stopping: ${this.monitor} did not improve for ${this.wait} epoch(s) (best ${this.best} at epoch ${this.bestEpoch})`);
    }
  }

  override onTrainEnd(t: Trainer): void {
    if (this.restoreBest && this.bestWeights) t.model.loadStateDict(this.bestWeights);
  }

  override stateDict(): Record<string, unknown> {
    return { best: this.best, bestEpoch: this.bestEpoch, wait: this.wait, stoppedEpoch: this.stoppedEpoch, bestWeights: this.bestWeights };
  }
  override loadStateDict(s: Record<string, unknown>): void {
    this.best = s.best as number;
    this.bestEpoch = s.bestEpoch as number;
    this.wait = s.wait as number;
    this.stoppedEpoch = s.stoppedEpoch as number;
    this.bestWeights = (s.bestWeights as Record<string, Tensor> | null) ?? null;
  }
}

/** A copy of the model's state dict (not sharing storage). */
export function snapshot(t: Trainer): Record<string, Tensor> {
  return noGrad(() => Object.fromEntries(Object.entries(t.model.stateDict()).map(([k, v]) => [k, clone(v)])));
}

export interface LRSchedulerCallbackOptions {
  scheduler: LRScheduler | ReduceLROnPlateau;
  /** Step after every optimizer step or after every epoch (default "epoch"). */
  interval?: "epoch" | "step";
  /** For ReduceLROnPlateau: the epoch log to watch (default "val_loss", else "loss"). */
  monitor?: string;
}

/**
 * Steps a learning-rate scheduler per step or per epoch; a ReduceLROnPlateau is stepped with the
 * monitored epoch value. (Trainer's `scheduler` option adds one of these for you.)
 */
export class LRSchedulerCallback extends Callback {
  readonly scheduler: LRScheduler | ReduceLROnPlateau;
  readonly interval: "epoch" | "step";
  readonly monitor: string | undefined;
  constructor(opts: LRSchedulerCallbackOptions) {
    super();
    if (!opts?.scheduler || typeof opts.scheduler.step !== "function") throw new Error("LRSchedulerCallback: scheduler must be an optim.lrScheduler object");
    this.scheduler = opts.scheduler;
    this.interval = opts.interval ?? "epoch";
    if (this.interval !== "epoch" && this.interval !== "step") throw new Error(`LRSchedulerCallback: interval must be "epoch" or "step", got ${JSON.stringify(opts.interval)}`);
    if (this.scheduler instanceof ReduceLROnPlateau && this.interval === "step") throw new Error("LRSchedulerCallback: ReduceLROnPlateau watches an epoch metric; use interval \"epoch\"");
    this.monitor = opts.monitor;
  }
  override onBatchEnd(): void {
    if (this.interval === "step") (this.scheduler as LRScheduler).step();
  }
  override onEpochEnd(_t: Trainer, _epoch: number, logs: EpochLogs): void {
    if (this.interval !== "epoch") return;
    if (this.scheduler instanceof ReduceLROnPlateau) {
      const key = this.monitor ?? ("val_loss" in logs ? "val_loss" : "loss");
      this.scheduler.step(monitored("ReduceLROnPlateau", logs, key));
    } else {
      this.scheduler.step();
    }
  }
  override stateDict(): Record<string, unknown> {
    return this.scheduler.stateDict();
  }
  override loadStateDict(s: Record<string, unknown>): void {
    this.scheduler.loadStateDict(s);
  }
}

export interface GradientClippingOptions {
  /** Clip the total gradient norm to this (clipGradNorm_). */
  maxNorm?: number;
  /** The norm's order for maxNorm (default 2; "inf" for max-abs). */
  normType?: number | "inf";
  /** Clamp every gradient element into [−clipValue, clipValue] (clipGradValue_). */
  clipValue?: number;
}

/**
 * Clips gradients between backward and the optimizer step. Records the total norm before
 * clipping in `lastNorm` and in the step logs as `grad_norm`.
 *
 * @example new train.GradientClipping({ maxNorm: 1.0 })
 */
export class GradientClipping extends Callback {
  readonly opts: GradientClippingOptions;
  lastNorm = NaN;
  constructor(opts: GradientClippingOptions) {
    super();
    if (!opts || (opts.maxNorm === undefined && opts.clipValue === undefined)) throw new Error("GradientClipping: give maxNorm (clip the total norm) and/or clipValue (clamp each element)");
    this.opts = opts;
    this.order = -5; // before the loggers, so grad_norm is in the step logs they see
  }
  override onAfterBackward(t: Trainer): void {
    const params = t.model.parameters();
    if (this.opts.clipValue !== undefined) clipGradValue_(params, this.opts.clipValue);
    if (this.opts.maxNorm !== undefined) this.lastNorm = clipGradNorm_(params, this.opts.maxNorm, { normType: this.opts.normType }).item();
  }
  override onBatchEnd(_t: Trainer, logs: BatchLogs): void {
    if (this.opts.maxNorm !== undefined) logs.grad_norm = this.lastNorm;
  }
}
