// `kestrel doctor [--model m --data d]`: the babysitting checklist of CS231n lecture 6, run on the
// chosen model, data and optimizer: initial loss ≈ ln C, overfitting 20 examples, loss rising
// with regularisation, a learning-rate range test (PNG) proposing an lr, and activation /
// gradient statistics per layer at initialisation. Exit code 0 when no check FAILs, else 1.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { data, io, manualSeed, noGrad, Generator, type Tensor, type nn } from "../index.js";
import { parseArgs, formatOptions, type OptionSpec } from "./args.js";
import { RUN_OPTIONS, makeConfig, applyBackend, loadData, buildModel, buildOptimizer, type DataInfo } from "./setup.js";
import { checkInitialLoss, checkOverfitAndRegularisation, lrRangeTest, judgeRange, checkLayerStats, type CheckResult, type Setup } from "./doctor_checks.js";
import { describeData } from "./train.js";
import { sci } from "./progress.js";
import type { CliIO } from "./main.js";

const { epochs: _e, schedule: _s, augment: _a, "val-split": _v, workers: _w, ...SHARED } = RUN_OPTIONS;
const DOCTOR_OPTIONS: Record<string, OptionSpec> = {
  ...SHARED,
  out: { type: "string", help: "folder for lr_range.png", default: "runs/doctor-<model>", meta: "DIR" },
  "overfit-examples": { type: "int", min: 2, help: "examples for the overfitting check", default: "20" },
  "overfit-steps": { type: "int", min: 1, help: "full-batch steps for the overfitting check", default: "100" },
  "range-steps": { type: "int", min: 10, help: "steps of the learning-rate range test", default: "100" },
  "stats-batch": { type: "int", min: 2, help: "examples for the initial-loss and layer-statistics checks", default: "256" },
  "init-scale": { type: "number", help: "multiply every weight at initialisation by this (to see what a bad init looks like)", default: "1" },
};

export const DOCTOR_USAGE = `usage: kestrel doctor [--model NAME|FILE] [--data NAME|DIR] [options]

  Runs the lecture-6 checklist on a model and dataset before you spend hours training:
    1. initial loss ≈ ln(#classes) with regularisation off
    2. the model overfits 20 examples to ~100% training accuracy
    3. the training loss rises when strong weight decay is added
    4. a learning-rate range test (loss vs lr, log scale → lr_range.png) that proposes an lr
    5. activation / gradient statistics and dead ReLUs per layer at initialisation
  Each prints PASS / WARN / FAIL with its numbers; the exit code is 1 when one FAILs.

${formatOptions(DOCTOR_OPTIONS)}`;

/** The first `n` examples of a (shuffled, seeded) order of the dataset, as one batch. */
async function batchOf(ds: data.Dataset, n: number, seed: number): Promise<[Tensor, Tensor]> {
  const loader = new data.DataLoader(ds, { batchSize: Math.min(n, ds.length), shuffle: true, generator: new Generator(seed) });
  for await (const b of loader) return b as [Tensor, Tensor];
  throw new Error("doctor: the dataset is empty");
}

export async function doctorCommand(args: string[], out: CliIO): Promise<number> {
  const p = parseArgs("kestrel doctor", args, DOCTOR_OPTIONS);
  if (p.help) { out.log(DOCTOR_USAGE); return 0; }
  const cfg = makeConfig({ ...p.opts, augment: "none", valSplit: 0, workers: 0 });
  applyBackend(cfg.backend);
  manualSeed(cfg.seed);
  const d = loadData(cfg, { augment: false });
  const info: DataInfo = { classes: d.classes, channels: d.channels, height: d.height, width: d.width, mean: d.mean, std: d.std };
  const scale = (p.opts.initScale as number | undefined) ?? 1;
  const first = await buildModel(cfg, info);
  const init = first.stateDict();
  const setup: Setup = {
    // Every check starts from the same initial weights.
    fresh: (): nn.Module => {
      manualSeed(cfg.seed);
      const m = first;
      noGrad(() => m.loadStateDict(init));
      if (scale !== 1) noGrad(() => { for (const [k, prm] of m.namedParameters()) if (/weight$/.test(k) && prm.ndim > 1) prm.mul_(scale); });
      return m;
    },
    optimizer: (params, over) => buildOptimizer({ ...cfg, weightDecay: over.weightDecay ?? 0, lr: over.lr ?? cfg.lr }, params),
    numClasses: d.classes.length,
    lr: cfg.lr,
  };
  // The model is reused across checks: keep a pristine copy of its state (loadStateDict copies into it).
  for (const [k, v] of Object.entries(init)) init[k] = v.clone();
  const dir = (p.opts.out as string | undefined) ?? join("runs", `doctor-${cfg.model.replace(/[^\w.-]+/g, "_")}`);
  mkdirSync(dir, { recursive: true });

  out.log(`kestrel doctor: ${cfg.model} (${first.numParameters().toLocaleString("en-US")} parameters) on ${describeData(cfg)}, ${d.classes.length} classes; ${cfg.optimizer} lr ${sci(cfg.lr)}${scale !== 1 ? `; weights × ${scale} at init` : ""}`);
  const results: CheckResult[] = [];
  const report = (r: CheckResult): void => {
    results.push(r);
    out.log(`${r.verdict.padEnd(4)}  ${r.name}: ${r.detail}`);
    for (const l of r.lines ?? []) out.log(`        ${l}`);
  };
  const [xs, ys] = await batchOf(d.train, (p.opts.statsBatch as number | undefined) ?? 256, cfg.seed);
  report(checkInitialLoss(setup, xs, ys));
  const [x20, y20] = await batchOf(d.train, (p.opts.overfitExamples as number | undefined) ?? 20, cfg.seed + 1);
  for (const r of await checkOverfitAndRegularisation(setup, x20, y20, (p.opts.overfitSteps as number | undefined) ?? 100)) report(r);

  // The range test walks through shuffled training batches (they are loaded up front: it is short).
  const steps = (p.opts.rangeSteps as number | undefined) ?? 100;
  const batches: [Tensor, Tensor][] = [];
  const loader = new data.DataLoader(d.train, { batchSize: cfg.batchSize, shuffle: true, generator: new Generator(cfg.seed + 2) });
  while (batches.length < steps) {
    const before = batches.length;
    for await (const b of loader) { batches.push(b as [Tensor, Tensor]); if (batches.length >= steps) break; }
    if (batches.length === before) break;
  }
  const range = await lrRangeTest(setup, () => batches[Symbol.iterator](), steps);
  const rangeResult = judgeRange(range, cfg.lr);
  const png = join(dir, "lr_range.png");
  if (range.lrs.length >= 2) {
    // The y axis spans the interesting part: from the lowest smoothed loss to a bit above the start
    // (the final blow-up would otherwise flatten everything).
    const top = 1.25 * Math.max(...range.losses.slice(0, 3), range.startLoss), bottom = Math.min(...range.smoothed);
    const pad = 0.05 * (top - bottom);
    io.plotCurves(png, {
      title: `LR range test: ${cfg.model}, ${cfg.optimizer} (suggested ${sci(range.suggested)})`, xLabel: "learning rate", yLabel: "training loss", logX: true,
      yLim: [Math.max(0, bottom - pad), top + pad],
      series: [
        { name: "loss", x: range.lrs, y: range.losses, color: [190, 190, 190] },
        { name: "smoothed", x: range.lrs, y: range.smoothed },
        { name: `suggested ${sci(range.suggested)}`, x: [range.suggested, range.suggested], y: [bottom, top] },
      ],
    });
    rangeResult.detail += `; plot ${png}`;
  }
  report(rangeResult);
  report(checkLayerStats(setup, xs, ys));

  const count = (v: string): number => results.filter((r) => r.verdict === v).length;
  out.log(`doctor: ${results.length} checks: ${count("PASS")} PASS, ${count("WARN")} WARN, ${count("FAIL")} FAIL`);
  return count("FAIL") > 0 ? 1 : 0;
}
