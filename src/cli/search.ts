// `kestrel search`: random hyper-parameter search (Bergstra & Bengio 2012; lecture 6: random
// beats grid, search in log space, coarse then fine). Short runs — by default 1 epoch on 3,000
// images — each from the same seed, scored by validation accuracy; a table sorted best first.

import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { F, train, io, manualSeed, classic, Generator } from "../index.js";
import { UsageError, parseArgs, formatOptions, type OptionSpec } from "./args.js";
import { RUN_OPTIONS, makeConfig, applyBackend, loadData, buildModel, buildOptimizer, buildSchedule, makeLoaders, type DataInfo, type RunConfig } from "./setup.js";
import { describeData } from "./train.js";
import { pct, num, sci, fmtDuration } from "./progress.js";
import type { CliIO } from "./main.js";

const SEARCH_OPTIONS: Record<string, OptionSpec> = {
  ...RUN_OPTIONS,
  epochs: { ...RUN_OPTIONS.epochs, default: "1" },
  limit: { ...RUN_OPTIONS.limit, default: "3000" },
  "val-split": { ...RUN_OPTIONS["val-split"], min: 0.01, default: "0.2" },
  trials: { type: "int", min: 1, help: "settings to try", default: "8" },
  "lr-range": { type: "string", help: "learning rate, log-uniform in LO,HI", default: "1e-4,1e-1 (sgd: 1e-3,1)", meta: "LO,HI" },
  "wd-range": { type: "string", help: "weight decay, log-uniform in LO,HI", default: "1e-6,1e-2", meta: "LO,HI" },
  "dropout-range": { type: "string", help: "dropout, uniform in LO,HI (none: keep the model's)", default: "0,0.5", meta: "LO,HI|none" },
  out: { type: "string", help: "also write search.jsonl (one line per trial) into DIR", meta: "DIR" },
};

export const SEARCH_USAGE = `usage: kestrel search [options]

  Random search over learning rate and weight decay (log-uniform) and dropout (uniform):
  each trial trains from the same seed for --epochs on --limit images and is scored by
  validation accuracy. Prints a table sorted best first. Narrow the ranges around the best
  and search again (coarse to fine), then train the winner with kestrel train.

${formatOptions(SEARCH_OPTIONS)}`;

function range(name: string, raw: string | undefined, dflt: [number, number]): [number, number] {
  if (raw === undefined) return dflt;
  const v = raw.split(",").map(Number);
  if (v.length !== 2 || v.some((x) => !Number.isFinite(x)) || !(v[0] < v[1])) throw new UsageError(`--${name} must be LO,HI with LO < HI, got ${JSON.stringify(raw)}`);
  return [v[0], v[1]];
}

interface TrialResult { index: number; lr: number; weightDecay: number; dropout: number | null; valAccuracy: number; valLoss: number; trainLoss: number; seconds: number }

export async function searchCommand(args: string[], out: CliIO): Promise<number> {
  const p = parseArgs("kestrel search", args, SEARCH_OPTIONS);
  if (p.help) { out.log(SEARCH_USAGE); return 0; }
  const cfg = makeConfig({ epochs: 1, limit: 3000, valSplit: 0.2, ...p.opts });
  const lrR = range("lr-range", p.opts.lrRange as string | undefined, cfg.optimizer === "sgd" ? [1e-3, 1] : [1e-4, 1e-1]);
  const wdR = range("wd-range", p.opts.wdRange as string | undefined, [1e-6, 1e-2]);
  const dropRaw = p.opts.dropoutRange as string | undefined;
  const dropR = dropRaw === "none" ? null : range("dropout-range", dropRaw, [0, 0.5]);
  if (lrR[0] <= 0 || wdR[0] <= 0) throw new UsageError("--lr-range and --wd-range are searched in log space: LO must be > 0");
  if (dropR && (dropR[0] < 0 || dropR[1] > 1)) throw new UsageError("--dropout-range must lie within 0,1");
  const space: classic.SearchSpace = { lr: classic.logUniform(lrR[0], lrR[1]), weightDecay: classic.logUniform(wdR[0], wdR[1]) };
  if (dropR) space.dropout = classic.uniform(dropR[0], dropR[1]);
  const trials = (p.opts.trials as number | undefined) ?? 8;

  applyBackend(cfg.backend);
  manualSeed(cfg.seed);
  const d = loadData(cfg);
  if (!d.val) throw new UsageError("search needs a validation split (--val-split > 0)");
  const info: DataInfo = { classes: d.classes, channels: d.channels, height: d.height, width: d.width, mean: d.mean, std: d.std };
  out.log(`kestrel search: ${trials} trials of ${cfg.model} on ${describeData(cfg)} (${d.train.length} train / ${d.val.length} val images, ${cfg.epochs} epoch${cfg.epochs > 1 ? "s" : ""} each); ${cfg.optimizer}, schedule ${cfg.schedule}`);
  out.log(`  lr ∈ [${sci(lrR[0])}, ${sci(lrR[1])}] log, weight decay ∈ [${sci(wdR[0])}, ${sci(wdR[1])}] log${dropR ? `, dropout ∈ [${dropR[0]}, ${dropR[1]}]` : ""}`);
  const gen = new Generator(cfg.seed + 1000);
  const draws = Array.from({ length: trials }, () => Object.fromEntries(Object.entries(space).map(([k, dim]) => [k, dim.sample(gen)])) as Record<string, number>);
  const dir = p.opts.out as string | undefined;
  const log = dir ? (mkdirSync(dir, { recursive: true }), new io.JsonlLogger(join(dir, "search.jsonl"))) : null;
  const results: TrialResult[] = [];
  for (const [index, prm] of draws.entries()) {
    const t0 = performance.now();
    const tc: RunConfig = { ...cfg, lr: prm.lr, weightDecay: prm.weightDecay, dropout: prm.dropout ?? cfg.dropout };
    manualSeed(cfg.seed); // same initialisation and data order for every trial
    const model = await buildModel(tc, info);
    const optimizer = buildOptimizer(tc, model.parameters());
    const loaders = makeLoaders(tc, d);
    const sched = buildSchedule(tc, optimizer, loaders.train.length);
    const trainer = new train.Trainer({ model, optimizer, lossFn: F.crossEntropy, scheduler: sched.scheduler, schedulerInterval: sched.interval });
    const h = await trainer.fit(loaders.train, { epochs: tc.epochs, valLoader: loaders.val! });
    const last = h.epochs[h.epochs.length - 1] ?? {};
    const r: TrialResult = {
      index, lr: prm.lr, weightDecay: prm.weightDecay, dropout: prm.dropout ?? null,
      valAccuracy: trainer.diverged ? NaN : last.val_accuracy ?? NaN, valLoss: last.val_loss ?? NaN, trainLoss: last.loss ?? NaN, seconds: (performance.now() - t0) / 1000,
    };
    results.push(r);
    log?.log({ type: "trial", ...r });
    out.log(`  trial ${index + 1}/${trials}: lr ${sci(r.lr)}  wd ${sci(r.weightDecay)}${r.dropout !== null ? `  dropout ${r.dropout.toFixed(2)}` : ""}  → val acc ${trainer.diverged ? "diverged" : pct(r.valAccuracy)}  (${fmtDuration(r.seconds)})`);
  }
  const sorted = [...results].sort((a, b) => (Number.isNaN(a.valAccuracy) ? 1 : 0) - (Number.isNaN(b.valAccuracy) ? 1 : 0) || b.valAccuracy - a.valAccuracy || a.index - b.index);
  out.log("");
  out.log(`rank  trial  ${"lr".padStart(9)}  ${"weight decay".padStart(12)}${dropR ? "  dropout" : ""}  val acc  val loss  train loss`);
  sorted.forEach((r, i) => out.log(
    `${String(i + 1).padStart(4)}  ${String(r.index + 1).padStart(5)}  ${r.lr.toExponential(2).padStart(9)}  ${r.weightDecay.toExponential(2).padStart(12)}${dropR ? `  ${(r.dropout ?? 0).toFixed(2).padStart(7)}` : ""}  ${pct(r.valAccuracy).padStart(7)}  ${num(r.valLoss).padStart(8)}  ${num(r.trainLoss).padStart(10)}`,
  ));
  const best = sorted[0];
  if (best && Number.isFinite(best.valAccuracy)) {
    out.log(`best: kestrel train --model ${cfg.model} --optimizer ${cfg.optimizer} --lr ${sci(best.lr)} --weight-decay ${sci(best.weightDecay)}${best.dropout !== null ? ` --dropout ${best.dropout.toFixed(2)}` : ""}`);
  }
  return 0;
}
