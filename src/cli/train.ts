// `kestrel train`: trains a model (default: the reference CNN on the built-in Fashion-MNIST
// subset) with a progress display, writes a run folder (config.json, checkpoints, metrics.jsonl,
// TensorBoard events, eval.json) and reports test accuracy. `--resume DIR` continues a run
// exactly where its last checkpoint left it.

import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { F, train, io, manualSeed, backend } from "../index.js";
import { UsageError, parseArgs, formatOptions, type OptionSpec } from "./args.js";
import {
  RUN_OPTIONS, DEFAULTS, makeConfig, applyBackend, loadData, buildModel, buildOptimizer, buildSchedule, makeLoaders,
  firstLine, type RunConfig, type DataInfo,
} from "./setup.js";
import { progressHandler, fmtDuration, pct, num, sci, type DisplayIO } from "./progress.js";

const TRAIN_OPTIONS: Record<string, OptionSpec> = {
  ...RUN_OPTIONS,
  out: { type: "string", help: "run folder for checkpoints, metrics.jsonl, TensorBoard events, config.json", default: "runs/<date-time>", meta: "DIR" },
  resume: { type: "string", help: "continue the run in DIR from its newest checkpoint (its config.json gives the options)", meta: "DIR" },
  "save-every": { type: "int", min: 0, help: "also checkpoint every N steps (mid-epoch), besides every epoch", default: "0" },
};

export const TRAIN_USAGE = `usage: kestrel train [options]

  Trains a model and reports its test accuracy. With no options: the reference CNN (simple_cnn)
  on the built-in Fashion-MNIST subset (10,000 training / 2,000 test images), AdamW with a
  one-cycle schedule, 4 epochs — under a minute on 2 idle CPU cores, ~89% test accuracy.

${formatOptions(TRAIN_OPTIONS)}`;

/** What config.json holds. */
export interface RunFile {
  config: RunConfig;
  data: DataInfo;
  model: { parameters: number };
  createdAt: string;
}

function defaultOut(): string {
  const d = new Date(), p = (n: number): string => String(n).padStart(2, "0");
  return join("runs", `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`);
}

/** Reads <dir>/config.json of a run. */
export function readRunFile(dir: string, opt = "--run"): RunFile {
  const p = join(dir, "config.json");
  if (!existsSync(p)) throw new UsageError(`${opt} ${dir}: not a run folder (no config.json; runs are made by kestrel train --out DIR)`);
  try { return JSON.parse(readFileSync(p, "utf8")) as RunFile; } catch (e) { throw new UsageError(`${p}: unreadable: ${firstLine(e)}`); }
}

/** Human description of the data source. */
export function describeData(cfg: RunConfig): string {
  if (cfg.data === "fashion-mnist" && !cfg.dataDir) return "fashion-mnist (built-in subset)";
  return cfg.dataDir ? `${cfg.data} (${cfg.dataDir})` : cfg.data;
}

export async function trainCommand(args: string[], out: DisplayIO & { error: (s: string) => void }): Promise<number> {
  const p = parseArgs("kestrel train", args, TRAIN_OPTIONS);
  if (p.help) { out.log(TRAIN_USAGE); return 0; }
  const started = performance.now();
  let cfg: RunConfig, dir: string;
  const resume = p.opts.resume as string | undefined;
  if (resume !== undefined) {
    const prev = readRunFile(resume, "--resume");
    cfg = makeConfig(p.opts, { ...DEFAULTS, ...prev.config });
    dir = resume;
    if (p.opts.out !== undefined && p.opts.out !== resume) throw new UsageError("--resume continues in its own folder; leave out --out");
    if (cfg.epochs !== prev.config.epochs && (cfg.schedule === "onecycle" || cfg.schedule === "cosine")) {
      throw new UsageError(`--epochs ${cfg.epochs}: the run's ${cfg.schedule} schedule was planned for ${prev.config.epochs} epochs; it cannot be extended (start a new run, or use --schedule none|step|plateau)`);
    }
    if (!train.latestCheckpoint(dir)) throw new UsageError(`--resume ${dir}: no checkpoint (step-<n>.ckpt) in the folder yet`);
  } else {
    cfg = makeConfig(p.opts);
    dir = (p.opts.out as string | undefined) ?? defaultOut();
    if (existsSync(join(dir, "config.json"))) throw new UsageError(`--out ${dir}: already holds a run; continue it with --resume ${dir} or choose another folder`);
  }
  applyBackend(cfg.backend);
  manualSeed(cfg.seed);
  const d = loadData(cfg);
  const info: DataInfo = { classes: d.classes, channels: d.channels, height: d.height, width: d.width, mean: d.mean, std: d.std };
  const model = await buildModel(cfg, info);
  const optimizer = buildOptimizer(cfg, model.parameters());
  const loaders = makeLoaders(cfg, d);
  const steps = loaders.train.length;
  const sched = buildSchedule(cfg, optimizer, steps);
  const nParams = model.numParameters();

  mkdirSync(dir, { recursive: true });
  if (resume === undefined) {
    const runFile: RunFile = { config: cfg, data: info, model: { parameters: nParams }, createdAt: new Date().toISOString() };
    io.writeFileAtomic(join(dir, "config.json"), new TextEncoder().encode(JSON.stringify(runFile, null, 2) + "\n"));
  }
  out.log(`kestrel train: ${cfg.model} (${nParams.toLocaleString("en-US")} parameters) on ${describeData(cfg)}, ${d.height}×${d.width}×${d.channels}, ${d.classes.length} classes`);
  out.log(`  ${d.train.length} train / ${d.val?.length ?? 0} val / ${d.test.length} test images; ${cfg.optimizer} lr ${sci(cfg.lr)} wd ${sci(cfg.weightDecay)}, schedule ${cfg.schedule}, augment ${cfg.augment}; ${cfg.epochs} epochs × ${steps} steps of ${cfg.batchSize}; backend ${backend()}`);
  out.log(`  run folder ${dir}${resume !== undefined ? " (resuming)" : ""}`);

  const monitor = loaders.val ? "val_accuracy" : undefined;
  const callbacks: train.Callback[] = [
    new train.ProgressCallback(progressHandler(out)),
    new train.JsonlLogging(join(dir, "metrics.jsonl"), { everySteps: Math.max(1, Math.floor(steps / 10)) }),
    new train.TensorBoardLogging(dir, { everySteps: Math.max(1, Math.floor(steps / 20)) }),
    new train.ModelCheckpoint({ dir, everyEpochs: 1, keepLast: 2, monitor, everySteps: (p.opts.saveEvery as number | undefined) ?? 0 }),
  ];
  const trainer = new train.Trainer({
    model, optimizer, lossFn: F.crossEntropy, scheduler: sched.scheduler, schedulerInterval: sched.interval,
    metrics: ["accuracy"], callbacks, config: { ...cfg, ...info } as unknown as Record<string, unknown>,
  });
  try {
    await trainer.fit(loaders.train, { epochs: cfg.epochs, valLoader: loaders.val ?? undefined, resume: resume !== undefined ? dir : undefined });
  } catch (e) {
    if (resume !== undefined && /resume|checkpoint/i.test(firstLine(e))) throw new UsageError(firstLine(e));
    throw e;
  }
  if (trainer.diverged) {
    out.error(`kestrel train: training diverged: ${trainer.stopReason ?? "loss is not finite"} (try kestrel doctor, or a smaller --lr)`);
    return 1;
  }
  const r = await trainer.evaluate(loaders.test);
  writeEval(dir, "test", r, info.classes, train.latestCheckpoint(dir));
  new io.JsonlLogger(join(dir, "metrics.jsonl")).log({ type: "test", step: trainer.step, epoch: trainer.epoch, loss: r.loss, accuracy: r.accuracy, top5: r.top5, count: r.count });
  out.log(`test accuracy ${pct(r.accuracy, 2)}  (loss ${num(r.loss)}, top-5 ${pct(r.top5)}, ${r.count} images)  — ${fmtDuration((performance.now() - started) / 1000)} in all`);
  out.log(`  next: kestrel plot ${dir}   kestrel eval --run ${dir}   tensorboard --logdir ${dir}`);
  return 0;
}

/** eval.json: the numbers and confusion matrix of an evaluation (kestrel plot draws it). */
export function writeEval(dir: string, split: string, r: train.EvaluateResult, classes: string[], checkpoint: string | null): void {
  const K = r.confusion.shape[0], c = r.confusion.dataRowMajor();
  const confusion = Array.from({ length: K }, (_, i) => Array.from(c.subarray(i * K, (i + 1) * K)));
  const body = { split, checkpoint, loss: r.loss, accuracy: r.accuracy, top5: r.top5, count: r.count, classes, perClassAccuracy: r.perClassAccuracy, confusion };
  io.writeFileAtomic(join(dir, "eval.json"), new TextEncoder().encode(JSON.stringify(body) + "\n"));
}

/** Per-class accuracy lines (worst first), for eval. */
export function perClassLines(r: train.EvaluateResult, classes: string[]): string[] {
  const rows = r.perClassAccuracy.map((a, i) => ({ name: classes[i] ?? String(i), a })).filter((x) => Number.isFinite(x.a));
  const w = Math.max(...rows.map((x) => x.name.length), 5);
  return rows.sort((a, b) => a.a - b.a).map((x) => `  ${x.name.padEnd(w)}  ${pct(x.a).padStart(6)}`);
}

