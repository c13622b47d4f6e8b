// Loading a trained model back for `kestrel eval` and `kestrel predict`: a checkpoint file, or a
// run folder (its best.ckpt, else its newest step-<n>.ckpt). The checkpoint carries the run's
// config (model, data, class names, normalisation), so nothing else is needed.

import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { io, train, type nn } from "../index.js";
import { UsageError } from "./args.js";
import { DEFAULTS, buildModel, firstLine, type DataInfo, type RunConfig } from "./setup.js";

export interface Restored {
  model: nn.Module;
  cfg: RunConfig;
  info: DataInfo;
  /** The checkpoint file and its run folder. */
  path: string;
  dir: string;
  epoch: number;
  step: number;
}

/** Finds the checkpoint of --checkpoint FILE or --run DIR. */
export function resolveCheckpoint(checkpoint: string | undefined, run: string | undefined): string {
  if (checkpoint === undefined && run === undefined) throw new UsageError("which model? pass --checkpoint FILE or --run DIR");
  if (checkpoint !== undefined && run !== undefined) throw new UsageError("pass --checkpoint or --run, not both");
  if (checkpoint !== undefined) {
    if (!existsSync(checkpoint)) throw new UsageError(`--checkpoint ${checkpoint}: no such file`);
    if (statSync(checkpoint).isDirectory()) return resolveCheckpoint(undefined, checkpoint);
    return checkpoint;
  }
  if (!existsSync(run!) || !statSync(run!).isDirectory()) throw new UsageError(`--run ${run}: no such folder`);
  const best = join(run!, "best.ckpt");
  const found = existsSync(best) ? best : train.latestCheckpoint(run!);
  if (!found) throw new UsageError(`--run ${run}: no checkpoint in the folder (best.ckpt or step-<n>.ckpt)`);
  return found;
}

/** Loads the checkpoint and rebuilds its model (weights loaded strictly). */
export async function restoreModel(path: string, overrides: Partial<RunConfig> = {}): Promise<Restored> {
  let ck: io.Checkpoint;
  try { ck = io.loadCheckpoint(path); } catch (e) { throw new UsageError(`${path}: ${firstLine(e)}`); }
  const c = ck.config as (RunConfig & DataInfo) | undefined;
  if (!c || typeof c !== "object" || typeof c.model !== "string" || !Array.isArray(c.classes)) {
    throw new UsageError(`${path}: the checkpoint holds no run configuration (it was not written by kestrel train); load it in code with io.loadCheckpoint`);
  }
  const cfg: RunConfig = { ...DEFAULTS, ...c };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (cfg as unknown as Record<string, unknown>)[k] = v;
  const info: DataInfo = { classes: c.classes, channels: c.channels, height: c.height, width: c.width, mean: c.mean, std: c.std };
  const model = await buildModel(cfg, info);
  try { model.loadStateDict(ck.model, { strict: true }); } catch (e) { throw new UsageError(`${path}: its weights do not fit model ${cfg.model}: ${firstLine(e)}`); }
  model.eval();
  return { model, cfg, info, path, dir: dirname(path), epoch: ck.epoch, step: ck.step };
}
