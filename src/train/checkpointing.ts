// Checkpoint writers: ModelCheckpoint (periodic, rotating, best-by-metric; every file resumes
// training exactly) and SnapshotEnsemble (a model snapshot at the end of each cosine cycle,
// Huang et al. 2017, "Snapshot Ensembles: Train 1, get M for free").

import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Tensor } from "../tensor/tensor.js";
import type { Module } from "../nn/module.js";
import { Ensemble, type EnsembleOptions } from "../nn/regularization.js";
import { saveCheckpoint } from "../io/checkpoint.js";
import { Callback, type BatchLogs, type EpochLogs } from "./callback.js";
import { monitored, resolveMode, snapshot } from "./callbacks.js";
import type { Trainer } from "./trainer.js";

export interface ModelCheckpointOptions {
  /** Folder for the files: step-<step>.ckpt (periodic) and best.ckpt. */
  dir: string;
  /** Also save every this many optimizer steps (mid-epoch). */
  everySteps?: number;
  /** Save every this many epochs (default 1; 0 turns epoch saves off). */
  everyEpochs?: number;
  /** Periodic files to keep, oldest deleted first (default 3; 0 keeps all). */
  keepLast?: number;
  /** Keep best.ckpt for this epoch log (e.g. "val_accuracy"); none by default. */
  monitor?: string;
  mode?: "min" | "max" | "auto";
}

/**
 * Writes checkpoints io.loadCheckpoint reads and `trainer.fit(loader, { resume })` continues
 * from (a file, or this folder: its newest step-<n>.ckpt). Files are written to a temporary
 * name and renamed, so a kill leaves the previous checkpoint intact. Runs after the other
 * callbacks, so the saved state includes their work at the same step.
 *
 * @example new train.ModelCheckpoint({ dir: "runs/exp1", everySteps: 500, keepLast: 2, monitor: "val_accuracy" })
 */
export class ModelCheckpoint extends Callback {
  readonly dir: string;
  readonly everySteps: number;
  readonly everyEpochs: number;
  readonly keepLast: number;
  readonly monitor: string | null;
  readonly mode: "min" | "max";
  /** Periodic files written and not yet rotated away, oldest first. */
  kept: string[] = [];
  best: number;
  /** Path of the last file written. */
  lastPath: string | null = null;

  constructor(opts: ModelCheckpointOptions) {
    super();
    if (!opts || typeof opts.dir !== "string" || opts.dir === "") throw new Error("ModelCheckpoint: dir (a folder path) is required");
    this.order = 100;
    this.dir = opts.dir;
    const int = (name: string, v: number | undefined, dflt: number): number => {
      const x = v ?? dflt;
      if (!Number.isInteger(x) || x < 0) throw new Error(`ModelCheckpoint: ${name} must be a non-negative integer, got ${v}`);
      return x;
    };
    this.everySteps = int("everySteps", opts.everySteps, 0);
    this.everyEpochs = int("everyEpochs", opts.everyEpochs, 1);
    this.keepLast = int("keepLast", opts.keepLast, 3);
    this.monitor = opts.monitor ?? null;
    this.mode = resolveMode("ModelCheckpoint", opts.mode, this.monitor ?? "");
    this.best = this.mode === "min" ? Infinity : -Infinity;
  }

  /** The periodic file name for a step. */
  pathFor(step: number): string {
    return join(this.dir, `step-${String(step).padStart(8, "0")}.ckpt`);
  }

  override onBatchEnd(t: Trainer, logs: BatchLogs): void {
    if (this.everySteps > 0 && logs.step % this.everySteps === 0) this.savePeriodic(t);
  }

  override onEpochEnd(t: Trainer, epoch: number, logs: EpochLogs): void {
    let saveBest = false;
    if (this.monitor !== null) {
      const v = monitored("ModelCheckpoint", logs, this.monitor);
      if (this.mode === "min" ? v < this.best : v > this.best) { this.best = v; saveBest = true; }
    }
    if (this.everyEpochs > 0 && (epoch + 1) % this.everyEpochs === 0) this.savePeriodic(t);
    if (saveBest) saveCheckpoint(join(this.dir, "best.ckpt"), t.checkpoint({ [this.monitor!]: this.best }));
  }

  private savePeriodic(t: Trainer): void {
    const path = this.pathFor(t.step);
    const kept = [...this.kept.filter((p) => p !== path), path];
    const drop = this.keepLast > 0 ? kept.slice(0, Math.max(0, kept.length - this.keepLast)) : [];
    this.kept = kept.slice(drop.length);
    this.lastPath = path;
    // The new file first, then the rotation: a kill in between leaves one file too many, never too few.
    saveCheckpoint(path, t.checkpoint());
    for (const p of drop) if (existsSync(p)) rmSync(p, { force: true });
  }

  override stateDict(): Record<string, unknown> {
    return { kept: this.kept, best: this.best };
  }
  override loadStateDict(s: Record<string, unknown>): void {
    this.kept = [...(s.kept as string[])];
    this.best = s.best as number;
  }
}

export interface SnapshotEnsembleOptions {
  /** Length of the first cosine cycle in epochs (CosineAnnealingWarmRestarts' T0 when stepped per epoch). */
  cycleEpochs: number;
  /** Each cycle is this many times longer than the previous (TMult; default 1). */
  cycleMult?: number;
  /** Also write each snapshot to <dir>/snapshot-<i>.ckpt (loadable with io.loadCheckpoint). */
  dir?: string;
}

/**
 * Takes a snapshot of the model at the end of every learning-rate cycle (pair it with
 * optim.lrScheduler.CosineAnnealingWarmRestarts), then builds an ensemble of the snapshots.
 *
 * @example
 * const snaps = new train.SnapshotEnsemble({ cycleEpochs: 5 });
 * await trainer.fit(loader, { epochs: 20 });                     // 4 snapshots
 * const ens = snaps.ensemble(() => makeModel());                 // nn.Ensemble of them
 */
export class SnapshotEnsemble extends Callback {
  readonly cycleEpochs: number;
  readonly cycleMult: number;
  readonly dir: string | null;
  /** The snapshots' state dicts, oldest first. */
  snapshots: Record<string, Tensor>[] = [];

  constructor(opts: SnapshotEnsembleOptions) {
    super();
    if (!opts || !Number.isInteger(opts.cycleEpochs) || opts.cycleEpochs < 1) throw new Error(`SnapshotEnsemble: cycleEpochs must be a positive integer, got ${opts?.cycleEpochs}`);
    this.cycleEpochs = opts.cycleEpochs;
    this.cycleMult = opts.cycleMult ?? 1;
    if (!Number.isInteger(this.cycleMult) || this.cycleMult < 1) throw new Error(`SnapshotEnsemble: cycleMult must be a positive integer, got ${opts.cycleMult}`);
    this.dir = opts.dir ?? null;
  }

  /** Whether epoch `epoch` (0-based) is the last of a cycle. */
  endsCycle(epoch: number): boolean {
    let end = 0, len = this.cycleEpochs;
    while (end < epoch + 1) { end += len; len *= this.cycleMult; }
    return end === epoch + 1;
  }

  override onEpochEnd(t: Trainer, epoch: number): void {
    if (!this.endsCycle(epoch)) return;
    const sd = snapshot(t);
    this.snapshots.push(sd);
    if (this.dir) saveCheckpoint(join(this.dir, `snapshot-${this.snapshots.length - 1}.ckpt`), { model: sd, epoch: epoch + 1, step: t.step, config: t.config });
  }

  /** An nn.Ensemble of fresh models from `factory`, each loaded with one snapshot (eval mode). */
  ensemble(factory: () => Module, options: EnsembleOptions = {}): Ensemble {
    if (this.snapshots.length === 0) throw new Error("SnapshotEnsemble.ensemble: no snapshots yet (train for at least one cycle)");
    const models = this.snapshots.map((sd) => { const m = factory(); m.loadStateDict(sd); return m; });
    return new Ensemble(models, options).eval();
  }

  override stateDict(): Record<string, unknown> {
    return { snapshots: this.snapshots };
  }
  override loadStateDict(s: Record<string, unknown>): void {
    this.snapshots = [...(s.snapshots as Record<string, Tensor>[])];
  }
}
