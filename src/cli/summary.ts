// `kestrel summary <model> [--input C,H,W]`: a model's layers with output shapes, parameters,
// multiply-adds and activation memory, and the totals (models.summary / models.formatSummary).

import * as models from "../models/index.js";
import { UsageError, parseArgs, formatOptions, type OptionSpec } from "./args.js";
import { DEFAULTS, applyBackend, buildModel, firstLine } from "./setup.js";
import type { CliIO } from "./main.js";

const SUMMARY_OPTIONS: Record<string, OptionSpec> = {
  input: { type: "shape", help: "input shape C,H,W (default: the model's natural input, e.g. 1,28,28 for simple_cnn, 3,32,32 for CIFAR ResNets, 3,224,224 for ImageNet models)", meta: "C,H,W" },
  classes: { type: "int", min: 1, help: "number of classes (default 10 for small inputs, 1000 for ImageNet-sized)" },
  list: { type: "bool", help: "list the zoo's model names" },
  json: { type: "bool", help: "print the summary as JSON" },
};

export const SUMMARY_USAGE = `usage: kestrel summary <model|file.js> [--input C,H,W] [--classes N]
       kestrel summary --list

  One row per layer: output shape, parameters, multiply-adds (conv: outH·outW·Cout·Cin/groups·kH·kW,
  linear: in·out) and activation memory, then the totals.

${formatOptions(SUMMARY_OPTIONS)}`;

const CIFAR_SIZED = /^(resnet(20|32|44|56|110)(_sd)?|preact_resnet\d+|wrn\d*(_\d+)?|densenet_bc|fractalnet)$/;

/** The input a zoo model is usually given. */
export function naturalInput(name: string): number[] {
  const n = name.toLowerCase().replace(/-/g, "_");
  if (n === "simple_cnn") return [1, 28, 28];
  if (n === "lenet5") return [1, 32, 32];
  if (CIFAR_SIZED.test(n)) return [3, 32, 32];
  return [3, 224, 224];
}

export async function summaryCommand(args: string[], out: CliIO): Promise<number> {
  const p = parseArgs("kestrel summary", args, SUMMARY_OPTIONS, 1);
  if (p.help) { out.log(SUMMARY_USAGE); return 0; }
  if (p.opts.list) { out.log(models.list().join("\n")); return 0; }
  const name = p.positionals[0];
  if (name === undefined) throw new UsageError("which model? e.g. kestrel summary resnet18 (kestrel summary --list shows them)");
  const input = (p.opts.input as number[] | undefined) ?? naturalInput(name);
  if (input.length !== 3) throw new UsageError(`--input must be C,H,W (three numbers), got ${input.join(",")}`);
  applyBackend(null);
  const [c, h, w] = input;
  const numClasses = (p.opts.classes as number | undefined) ?? (Math.max(h, w) >= 64 ? 1000 : 10);
  const model = await buildModel({ ...DEFAULTS, model: name }, { classes: Array.from({ length: numClasses }, (_, i) => String(i)), channels: c, height: h, width: w, mean: [], std: [] });
  let s: models.Summary;
  try { s = models.summary(model, input); } catch (e) { throw new UsageError(`${name} on input ${input.join("×")}: ${firstLine(e)}`); }
  if (p.opts.json) { out.log(JSON.stringify(s)); return 0; }
  out.log(`${name}  (input ${input.join("×")}, ${numClasses} classes)`);
  out.log(models.formatSummary(s));
  return 0;
}
