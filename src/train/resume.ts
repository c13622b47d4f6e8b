// Exact resume. A checkpoint holds, besides the model / optimizer / scheduler: the epoch and
// step, the global random state at the moment of saving, the batches already done in the epoch,
// the train loader's generator state and epoch counter AS THEY WERE WHEN THE EPOCH STARTED, the
// running metrics, the history and every callback's state.
//
// Why the loader's epoch-start state: a DataLoader draws its whole epoch (a base seed for the
// augmentations and, with shuffle, the permutation) from its generator when the epoch starts.
// Resuming mid-epoch rewinds that generator, lets the loader draw the same order again, skips
// the batches already trained on (their samples are loaded but not used; per-sample transform
// seeds do not touch the global stream), then restores the global random state saved after the
// last step, so dropout masks and everything after continue as in an uninterrupted run.

import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { type Generator, type GeneratorState, getRngState, setRngState } from "../tensor/random.js";
import { type Checkpoint, loadCheckpoint } from "../io/checkpoint.js";
import type { Trainer } from "./trainer.js";
import { History } from "./callback.js";

/** A train or validation loader: a data.DataLoader or any (async) iterable of batches. */
export type LoaderLike = (AsyncIterable<unknown> | Iterable<unknown>) & {
  readonly length?: number;
  /** DataLoader's shuffling generator (saved and rewound for exact resume). */
  readonly generator?: Generator;
  /** DataLoader's count of epochs started. */
  epoch?: number;
};

const FORMAT_VERSION = 1;

/** The checkpoint of the trainer's current state, in io.saveCheckpoint's shape. */
export function buildCheckpoint(t: Trainer, extra?: Record<string, unknown>): Checkpoint {
  const loader = t.trainLoader;
  // At an epoch end (or outside fit) the next epoch starts from the loader's current state.
  const midEpoch = !t.atEpochEnd && t.epochStartLoader !== null && t.batchInEpoch > 0;
  const loaderState = midEpoch
    ? t.epochStartLoader
    : loader?.generator && typeof loader.epoch === "number" ? { rng: loader.generator.getState(), epoch: loader.epoch } : null;
  const callbacks: Record<string, unknown> = {};
  for (const c of t.callbacks) {
    const s = c.stateDict();
    if (s !== null) callbacks[c.stateKey] = s;
  }
  const trainerState = {
    version: FORMAT_VERSION,
    batchInEpoch: midEpoch ? t.batchInEpoch : 0,
    loader: loaderState,
    metrics: midEpoch ? t._metricState() : null,
    history: { epochs: t.history.epochs, stopped: t.history.stopped, stopReason: t.history.stopReason },
    callbacks,
  };
  return {
    model: t.model.stateDict(),
    optimizer: t.optimizer.stateDict(),
    scheduler: t.scheduler ? t.scheduler.stateDict() : undefined,
    epoch: midEpoch || !t.atEpochEnd ? t.epoch : t.epoch + 1,
    step: t.step,
    rng: getRngState(),
    config: t.config,
    extra: { ...(extra ?? {}), trainer: trainerState },
  };
}

/** Where and how a resumed fit() continues (used by Trainer.trainEpoch for the first epoch). */
export interface ResumePoint {
  /** Rewind the loader to the interrupted epoch's start; returns how many batches to skip. */
  apply(loader: LoaderLike): number;
  /** Called after the skipped batches: restores the global random state. */
  afterSkip(): void;
  loaderStart: { rng: GeneratorState; epoch: number } | null;
}

/** The newest checkpoint in a folder (by step, from ModelCheckpoint's `step-<n>.ckpt` names), or null. */
export function latestCheckpoint(dir: string): string | null {
  let best: string | null = null, bestStep = -1;
  for (const name of readdirSync(dir)) {
    const m = /^(?:.*-)?step-(\d+)\.ckpt$/.exec(name);
    if (m && Number(m[1]) > bestStep) { bestStep = Number(m[1]); best = join(dir, name); }
  }
  return best;
}

interface TrainerCkptState {
  version: number;
  batchInEpoch: number;
  loader: { rng: GeneratorState; epoch: number } | null;
  metrics: Record<string, unknown> | null;
  history: { epochs: Record<string, number>[]; stopped: boolean; stopReason: string | null };
  callbacks: Record<string, Record<string, unknown>>;
}

/** Load a checkpoint (file, or newest in a folder) into the trainer; returns how to continue. */
export function restoreCheckpoint(t: Trainer, path: string): ResumePoint {
  let file = path;
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
    const found = latestCheckpoint(path);
    if (!found) throw new Error(`Trainer.fit: resume: no checkpoint (step-<n>.ckpt) in folder ${path}`);
    file = found;
  }
  const ck = loadCheckpoint(file);
  const ts = (ck.extra as { trainer?: TrainerCkptState } | undefined)?.trainer;
  if (!ts || ts.version !== FORMAT_VERSION) {
    throw new Error(`Trainer.fit: resume: ${file} has no trainer state (it was not written by a Trainer's ModelCheckpoint); load its weights with model.loadStateDict(io.loadCheckpoint(path).model) instead`);
  }
  t.model.loadStateDict(ck.model);
  if (ck.optimizer !== undefined) t.optimizer.loadStateDict(ck.optimizer as Parameters<typeof t.optimizer.loadStateDict>[0]);
  if (t.scheduler && ck.scheduler !== undefined) t.scheduler.loadStateDict(ck.scheduler as Record<string, unknown>);
  for (const c of t.callbacks) {
    const s = ts.callbacks[c.stateKey];
    if (s !== undefined) c.loadStateDict(s);
  }
  t.epoch = ck.epoch;
  t.step = ck.step;
  t.batchInEpoch = ts.batchInEpoch;
  t.history = Object.assign(new History(), { epochs: ts.history.epochs, stopped: false, stopReason: null });
  if (ts.metrics) t._loadMetricState(ts.metrics);
  const rng = ck.rng ?? null;
  const skip = ts.batchInEpoch;
  return {
    loaderStart: ts.loader,
    apply(loader: LoaderLike): number {
      if (ts.loader) {
        if (!loader.generator || typeof loader.epoch !== "number") {
          throw new Error("Trainer.fit: resume: the checkpoint recorded a DataLoader's shuffling state, but this train loader has no generator/epoch; resume with the same kind of loader");
        }
        loader.generator.setState(ts.loader.rng);
        loader.epoch = ts.loader.epoch;
      }
      if (skip === 0 && rng) setRngState(rng);
      return skip;
    },
    afterSkip(): void {
      if (rng) setRngState(rng);
    },
  };
}
