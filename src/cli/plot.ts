// `kestrel plot <run-dir>`: pictures of a run. loss.png and accuracy.png (train vs validation per
// epoch, with the per-step training loss as a thin line) from metrics.jsonl, and confusion.png
// from eval.json (written at the end of kestrel train and by kestrel eval).

import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { io } from "../index.js";
import { UsageError, parseArgs, formatOptions, type OptionSpec } from "./args.js";
import { firstLine } from "./setup.js";
import type { CliIO } from "./main.js";

const PLOT_OPTIONS: Record<string, OptionSpec> = {
  out: { type: "string", help: "folder for the PNG files (default: the run folder)", meta: "DIR" },
  normalize: { type: "bool", help: "confusion matrix as fractions of each true class" },
};

export const PLOT_USAGE = `usage: kestrel plot <run-dir> [--out DIR]

  Writes loss.png and accuracy.png (train vs validation, from metrics.jsonl) and confusion.png
  (from eval.json) into the run folder.

${formatOptions(PLOT_OPTIONS)}`;

type Rec = Record<string, unknown>;
const numOf = (r: Rec, k: string): number => (typeof r[k] === "number" ? (r[k] as number) : NaN);

/** Epoch records of a run, the last one per epoch (a resumed run may repeat an epoch's lines). */
export function epochRecords(records: Rec[]): Rec[] {
  const byEpoch = new Map<number, Rec>();
  for (const r of records) if (r.type === "epoch" && typeof r.epoch === "number") byEpoch.set(r.epoch, r);
  return [...byEpoch.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
}

export async function plotCommand(args: string[], out: CliIO): Promise<number> {
  const p = parseArgs("kestrel plot", args, PLOT_OPTIONS, 1);
  if (p.help) { out.log(PLOT_USAGE); return 0; }
  const dir = p.positionals[0];
  if (dir === undefined) throw new UsageError("which run? kestrel plot <run-dir>");
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir}: no such folder`);
  const metricsPath = join(dir, "metrics.jsonl");
  if (!existsSync(metricsPath)) throw new UsageError(`${dir}: no metrics.jsonl (is it a kestrel train run folder?)`);
  const dest = (p.opts.out as string | undefined) ?? dir;
  let records: Rec[];
  try { records = io.readJsonl(metricsPath); } catch (e) { throw new UsageError(`${metricsPath}: ${firstLine(e)}`); }
  const epochs = epochRecords(records);
  if (epochs.length === 0) throw new UsageError(`${metricsPath}: no finished epoch yet`);
  const x = epochs.map((r) => numOf(r, "epoch") + 1);
  const written: string[] = [];

  // Per-step training loss at fractional epochs (epoch + batch/steps), from the step lines.
  const steps = records.filter((r) => r.type === "step");
  const stepsPerEpoch = epochs.length ? numOf(epochs[0], "step") / (numOf(epochs[0], "epoch") + 1) : NaN;
  const stepSeries = steps.length > 1 && Number.isFinite(stepsPerEpoch) && stepsPerEpoch > 0
    ? [{ name: "train (per step)", x: steps.map((r) => numOf(r, "step") / stepsPerEpoch), y: steps.map((r) => numOf(r, "loss")), color: [180, 200, 230] as const }]
    : [];
  const hasVal = epochs.some((r) => typeof r.val_loss === "number");
  const lossPath = join(dest, "loss.png");
  io.plotCurves(lossPath, {
    title: "Loss", xLabel: "epoch", yLabel: "cross-entropy",
    series: [...stepSeries, { name: "train", x, y: epochs.map((r) => numOf(r, "loss")) }, ...(hasVal ? [{ name: "val", x, y: epochs.map((r) => numOf(r, "val_loss")) }] : [])],
  });
  written.push(lossPath);
  if (epochs.some((r) => typeof r.accuracy === "number")) {
    const accPath = join(dest, "accuracy.png");
    const test = records.filter((r) => r.type === "test").pop();
    io.plotCurves(accPath, {
      title: "Accuracy", xLabel: "epoch", yLabel: "accuracy",
      series: [
        { name: "train", x, y: epochs.map((r) => numOf(r, "accuracy")) },
        ...(hasVal ? [{ name: "val", x, y: epochs.map((r) => numOf(r, "val_accuracy")) }] : []),
        ...(test ? [{ name: "test (final)", x: [x[x.length - 1]], y: [numOf(test, "accuracy")] }] : []),
      ],
    });
    written.push(accPath);
  }
  const evalPath = join(dir, "eval.json");
  if (existsSync(evalPath)) {
    const ev = JSON.parse(readFileSync(evalPath, "utf8")) as { confusion: number[][]; classes: string[]; accuracy: number; split: string };
    const confPath = join(dest, "confusion.png");
    io.plotConfusionMatrix(confPath, ev.confusion, ev.classes, { normalize: Boolean(p.opts.normalize), title: `Confusion matrix (${ev.split}, accuracy ${(ev.accuracy * 100).toFixed(1)}%)` });
    written.push(confPath);
  } else {
    out.log(`(no eval.json in ${dir} yet: run kestrel eval --run ${dir} for the confusion matrix)`);
  }
  for (const w of written) out.log(`wrote ${w}`);
  return 0;
}
