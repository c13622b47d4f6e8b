// `kestrel predict <images…> --checkpoint FILE | --run DIR`: the top-5 classes of PNG/JPEG files.
// Each image is decoded, converted to the model's channels (luminance for gray models), resized
// to its input size and normalised with the run's statistics, exactly as in training.

import { readFileSync, existsSync } from "node:fs";
import { data, F, noGrad, stack, Tensor } from "../index.js";
import { UsageError, parseArgs, formatOptions, type OptionSpec } from "./args.js";
import { applyBackend, firstLine, makeTransform, type DataInfo } from "./setup.js";
import { resolveCheckpoint, restoreModel } from "./restore.js";
import type { CliIO } from "./main.js";

const PREDICT_OPTIONS: Record<string, OptionSpec> = {
  checkpoint: { type: "string", help: "a checkpoint file written by kestrel train", meta: "FILE" },
  run: { type: "string", help: "a run folder (uses best.ckpt, else the newest checkpoint)", meta: "DIR" },
  top: { type: "int", min: 1, help: "how many classes to list", default: "5" },
  json: { type: "bool", help: "print one JSON object per image instead" },
  backend: { type: "string", choices: ["js", "wasm", "native"], help: "compute backend" },
};

export const PREDICT_USAGE = `usage: kestrel predict <image.png|jpg …> (--checkpoint FILE | --run DIR) [options]

  Classifies image files with a trained model: the top classes with their probabilities.
  Images are converted to the model's channels, resized to its input size and normalised as
  in training. (Fashion-MNIST models expect light objects on a black background.)

${formatOptions(PREDICT_OPTIONS)}`;

/** An Image with `channels` channels: RGB → gray by ITU-R 601 luminance (PIL's "L"), gray → RGB by copying. */
export function toChannels(img: data.Image, channels: number): data.Image {
  if (img.channels === channels) return img;
  const n = img.height * img.width, out = new Uint8Array(n * channels);
  for (let p = 0; p < n; p++) {
    const s = p * img.channels;
    if (channels === 1) {
      out[p] = img.channels >= 3 ? Math.round((img.data[s] * 299 + img.data[s + 1] * 587 + img.data[s + 2] * 114) / 1000) : img.data[s];
    } else {
      for (let c = 0; c < channels; c++) out[p * channels + c] = img.data[s + Math.min(c, img.channels - 1)];
    }
  }
  return data.makeImage(out, img.height, img.width, channels);
}

/** The model input [C, H, W] for one image file. */
export function prepareImage(path: string, info: DataInfo): Tensor {
  if (!existsSync(path)) throw new UsageError(`${path}: no such file`);
  let img: data.Image;
  try { img = data.decodeImage(readFileSync(path), path); } catch (e) { throw new UsageError(firstLine(e)); }
  const t = makeTransform(info, { augment: false, resize: img.height !== info.height || img.width !== info.width });
  return (typeof t === "function" ? t(toChannels(img, info.channels)) : (t as { forward(x: unknown): unknown }).forward(toChannels(img, info.channels))) as Tensor;
}

export async function predictCommand(args: string[], out: CliIO): Promise<number> {
  const p = parseArgs("kestrel predict", args, PREDICT_OPTIONS, Infinity);
  if (p.help) { out.log(PREDICT_USAGE); return 0; }
  if (p.positionals.length === 0) throw new UsageError("no images given (kestrel predict img.png … --checkpoint FILE)");
  applyBackend((p.opts.backend as string | undefined) ?? null);
  const path = resolveCheckpoint(p.opts.checkpoint as string | undefined, p.opts.run as string | undefined);
  const r = await restoreModel(path);
  const k = Math.min((p.opts.top as number | undefined) ?? 5, r.info.classes.length);
  const inputs = p.positionals.map((f) => prepareImage(f, r.info));
  const probs = noGrad(() => F.softmax(r.model.forward(stack(inputs, 0)) as Tensor, 1));
  const P = probs.dataRowMajor(), K = probs.shape[1];
  p.positionals.forEach((file, i) => {
    const row = Array.from(P.subarray(i * K, (i + 1) * K));
    const order = row.map((v, j) => [v, j] as const).sort((a, b) => b[0] - a[0]).slice(0, k);
    if (p.opts.json) {
      out.log(JSON.stringify({ file, top: order.map(([v, j]) => ({ class: r.info.classes[j], index: j, probability: v })) }));
      return;
    }
    out.log(file);
    const w = Math.max(...order.map(([, j]) => r.info.classes[j].length));
    order.forEach(([v, j], rank) => out.log(`  ${rank + 1}. ${r.info.classes[j].padEnd(w)}  ${(v * 100).toFixed(1).padStart(5)}%`));
  });
  return 0;
}
