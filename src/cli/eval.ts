// `kestrel eval --checkpoint FILE | --run DIR`: test-set loss, accuracy, top-5 and per-class
// accuracy of a trained model; writes eval.json (with the confusion matrix) next to the checkpoint.

import { F, train, optim, data } from "../index.js";
import { parseArgs, formatOptions, type OptionSpec } from "./args.js";
import { applyBackend, loadTestSet } from "./setup.js";
import { resolveCheckpoint, restoreModel } from "./restore.js";
import { writeEval, perClassLines, describeData } from "./train.js";
import { pct, num } from "./progress.js";
import type { CliIO } from "./main.js";

const EVAL_OPTIONS: Record<string, OptionSpec> = {
  checkpoint: { type: "string", help: "a checkpoint file written by kestrel train", meta: "FILE" },
  run: { type: "string", help: "a run folder (uses best.ckpt, else the newest checkpoint)", meta: "DIR" },
  "data-dir": { type: "string", help: "where the dataset's files are now (default: as in the run)", meta: "DIR" },
  limit: { type: "int", min: 1, help: "evaluate only this many test images" },
  "batch-size": { type: "int", min: 1, help: "images per batch", default: "256" },
  backend: { type: "string", choices: ["js", "wasm", "native"], help: "compute backend" },
};

export const EVAL_USAGE = `usage: kestrel eval (--checkpoint FILE | --run DIR) [options]

  Evaluates a trained model on its dataset's test split: loss, accuracy, top-5, per-class
  accuracy (worst first). Writes eval.json (numbers + confusion matrix) in the run folder.

${formatOptions(EVAL_OPTIONS)}`;

export async function evalCommand(args: string[], out: CliIO): Promise<number> {
  const p = parseArgs("kestrel eval", args, EVAL_OPTIONS);
  if (p.help) { out.log(EVAL_USAGE); return 0; }
  applyBackend((p.opts.backend as string | undefined) ?? null);
  const path = resolveCheckpoint(p.opts.checkpoint as string | undefined, p.opts.run as string | undefined);
  const r0 = await restoreModel(path, { dataDir: p.opts.dataDir as string | undefined, limit: p.opts.limit as number | undefined });
  const test = loadTestSet(r0.cfg, r0.info);
  const loader = new data.DataLoader(test, { batchSize: (p.opts.batchSize as number | undefined) ?? 256 });
  const trainer = new train.Trainer({ model: r0.model, optimizer: new optim.SGD(r0.model.parameters(), { lr: 0 }) as never, lossFn: F.crossEntropy });
  out.log(`kestrel eval: ${r0.cfg.model} from ${path} (epoch ${r0.epoch}, step ${r0.step}) on ${describeData(r0.cfg)} test split, ${test.length} images`);
  const r = await trainer.evaluate(loader);
  out.log(`test accuracy ${pct(r.accuracy, 2)}  loss ${num(r.loss)}  top-5 ${pct(r.top5)}  (${r.count} images)`);
  out.log("per-class accuracy (worst first):");
  for (const l of perClassLines(r, r0.info.classes)) out.log(l);
  writeEval(r0.dir, "test", r, r0.info.classes, path);
  return 0;
}
