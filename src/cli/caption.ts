// `kestrel caption`: image captioning on synthetic scenes (CS231n assignment 3 without the COCO
// download). `caption train` generates the scenes (data.datasets scenes.ts), builds the
// vocabulary, trains a CaptioningModel with teacher forcing for a wall-time budget and reports
// BLEU-1..4 of greedy captions on the validation split; `caption <image.png>` captions an image
// with a checkpoint and can draw the attention map of every word; `caption scenes` writes
// scenes as PNG files + captions.json (images to try `caption` on).

import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Tensor, F, data, io, nn, optim, manualSeed, noGrad, stack, tensor, randperm } from "../index.js";
import { Vocabulary, corpusBleu } from "../text/index.js";
import { sceneSplits, writeScenes, type Scene } from "../data/datasets/scenes.js";
import { CaptioningModel, captioningEncoder } from "../models/captioning.js";
import { UsageError, formatOptions, parseArgs, type OptionSpec } from "./args.js";
import { fmtDuration } from "./progress.js";
import { toChannels } from "./predict.js";
import type { CliIO } from "./main.js";

const TRAIN_SPECS: Record<string, OptionSpec> = {
  attention: { type: "bool", help: "soft attention over the encoder's feature grid" },
  cell: { type: "string", choices: ["lstm", "rnn"], help: "recurrent cell", default: "lstm" },
  minutes: { type: "number", min: 0, help: "training wall-time budget (0: no limit)", default: "8" },
  "max-steps": { type: "int", min: 0, help: "stop after this many steps (0: no limit)", default: "0" },
  out: { type: "string", help: "directory for caption.ckpt and vocab.json", default: "runs/caption", meta: "DIR" },
  train: { type: "int", min: 1, help: "training scenes", default: "8000" },
  val: { type: "int", min: 1, help: "validation scenes", default: "500" },
  "max-objects": { type: "int", min: 1, max: 3, help: "objects per scene, at most", default: "3" },
  "image-size": { type: "int", min: 16, help: "scene height = width (divisible by 4)", default: "32" },
  batch: { type: "int", min: 1, help: "minibatch size", default: "64" },
  lr: { type: "number", min: 0, exclusiveMin: true, help: "Adam learning rate", default: "0.003" },
  hidden: { type: "int", min: 1, help: "decoder hidden size", default: "128" },
  embed: { type: "int", min: 1, help: "word embedding size", default: "64" },
  clip: { type: "number", min: 0, help: "clip the gradient norm to this (0: off)", default: "5" },
  beam: { type: "int", min: 0, help: "also report BLEU of beam search with this width (0: off)", default: "0" },
  "log-every": { type: "int", min: 1, help: "progress line every N steps", default: "50" },
  seed: { type: "int", help: "random seed (scenes and training)", default: "0" },
};

const CAPTION_SPECS: Record<string, OptionSpec> = {
  checkpoint: { type: "string", help: "a checkpoint written by caption train", default: "runs/caption/caption.ckpt", meta: "FILE" },
  beam: { type: "int", min: 1, help: "beam width (1: greedy)", default: "1" },
  "max-length": { type: "int", min: 1, help: "longest caption in words", default: "20" },
  "attention-png": { type: "string", help: "write the image and each word's attention map as a PNG grid", meta: "FILE" },
};

const SCENES_SPECS: Record<string, OptionSpec> = {
  out: { type: "string", help: "directory for images/*.png and captions.json", default: "scenes", meta: "DIR" },
  count: { type: "int", min: 1, help: "how many scenes", default: "16" },
  split: { type: "string", choices: ["train", "val"], help: "which stream of scenes", default: "val" },
  "max-objects": { type: "int", min: 1, max: 3, help: "objects per scene, at most", default: "3" },
  "image-size": { type: "int", min: 16, help: "scene height = width", default: "32" },
  seed: { type: "int", help: "random seed", default: "0" },
};

export const CAPTION_USAGE = `usage: kestrel caption train [--attention] [--cell lstm|rnn] [--minutes M] [--out DIR] [options]
       kestrel caption <image.png> [--checkpoint FILE] [--beam K] [--attention-png out.png]
       kestrel caption scenes [--out DIR] [--count N]

  train: generate synthetic scenes ("a small red circle left of a large blue square"), train a
  CNN encoder + RNN/LSTM decoder (optionally with soft attention) and print validation BLEU-1..4.
${formatOptions(TRAIN_SPECS)}

  <image.png>: print the caption of an image (resized to the model's input size).
${formatOptions(CAPTION_SPECS)}

  scenes: write generated scenes as PNG files with their captions.
${formatOptions(SCENES_SPECS)}`;

/** What a caption checkpoint's config holds (enough to rebuild the model). */
export interface CaptionConfig {
  kind: "caption";
  cellType: "rnn" | "lstm";
  attention: boolean;
  embedDim: number;
  hiddenDim: number;
  imageSize: number;
  vocab: string[];
}

export interface CaptionTrainResult {
  /** Greedy BLEU-1..4 on the validation split. */
  bleu: number[];
  /** Beam-search BLEU-1..4 (when --beam > 0). */
  beamBleu: number[] | null;
  steps: number;
  trainSeconds: number;
  seconds: number;
  checkpoint: string;
  samples: { caption: string; reference: string }[];
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function defaults(specs: Record<string, OptionSpec>): Record<string, string | number | boolean> {
  return Object.fromEntries(Object.entries(specs).filter(([, s]) => s.default !== undefined)
    .map(([k, s]) => [k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), s.type === "string" ? s.default! : Number(s.default)]));
}

/** Greedy (or beam) captions of `images` [N, 3, S, S] as text, in chunks. */
async function captionAll(model: CaptioningModel, vocab: Vocabulary, images: Tensor, beam: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < images.shape[0]; i += 100) {
    const x = images.narrow(0, i, Math.min(100, images.shape[0] - i));
    const r = beam > 1 ? model.beamSearch(x, { beamSize: beam }) : model.sample(x);
    for (const row of r.captions.tolist() as number[][]) out.push(vocab.decode(row));
    await tick();
  }
  return out;
}

/** Train on generated scenes (see CAPTION_USAGE); returns BLEU on the validation split. */
export async function trainCaptioner(given: Record<string, unknown>, log: (s: string) => void): Promise<CaptionTrainResult> {
  const o = { ...defaults(TRAIN_SPECS), ...given } as Record<string, number | string | boolean>;
  const num = (k: string): number => o[k] as number;
  const t0 = performance.now();
  const S = num("imageSize");
  if (S % 4 !== 0) throw new UsageError(`caption train: --image-size must be divisible by 4, got ${S}`);
  const { train, val } = sceneSplits({ train: num("train"), val: num("val"), seed: num("seed"), imageSize: S, maxObjects: num("maxObjects") });
  const vocab = Vocabulary.fromCaptions(train.map((s) => s.caption));
  const images = (scenes: Scene[]): Tensor => stack(scenes.map((s) => s.image), 0);
  const X = images(train), Xv = images(val);
  const Y = tensor(vocab.encodeBatch(train.map((s) => s.caption)), { dtype: "int32" });
  manualSeed(num("seed"));
  const config: CaptionConfig = {
    kind: "caption", cellType: o.cell as "rnn" | "lstm", attention: Boolean(o.attention), embedDim: num("embed"), hiddenDim: num("hidden"), imageSize: S, vocab: [...vocab.words],
  };
  const model = buildCaptioner(config);
  const params = model.parameters().filter((p) => p.requiresGrad);
  const opt = new optim.Adam(params, { lr: num("lr") });
  log(`caption: ${train.length} train / ${val.length} val scenes (${S}×${S}), ${vocab.size} words; ${config.cellType}${config.attention ? " + attention" : ""}, ` +
    `${model.numParameters()} parameters; e.g. "${train[0].caption}"`);
  const B = Math.min(num("batch"), train.length), maxMs = num("minutes") * 60000, maxSteps = num("maxSteps");
  const tTrain = performance.now();
  let step = 0, epoch = 0, run = 0, runN = 0, stop = false;
  const lengths = Int32Array.from(train, (s) => vocab.encode(s.caption).length);
  while (!stop) {
    epoch++;
    const perm = randperm(train.length).toArray();
    for (let i = 0; i + B <= perm.length && !stop; i += B) {
      const rows = perm.subarray(i, i + B);
      const idx = tensor(Int32Array.from(rows), { dtype: "int32" });
      // Only as many time steps as this batch's longest caption (the rest is <NULL> padding).
      const T = Math.max(...Array.from(rows, (r) => lengths[r]));
      model.train();
      const loss = model.loss(X.indexSelect(0, idx), Y.indexSelect(0, idx).narrow(1, 0, T).contiguous());
      opt.zeroGrad();
      loss.backward();
      if (num("clip") > 0) nn.utils.clipGradNorm_(params, num("clip"));
      opt.step();
      step++;
      run += loss.item(); runN++;
      await tick();
      const el = performance.now() - tTrain;
      stop = (maxMs > 0 && el >= maxMs) || (maxSteps > 0 && step >= maxSteps);
      if (step % num("logEvery") === 0 || stop) {
        log(`epoch ${epoch} step ${step}  loss ${(run / runN).toFixed(3)}  ${Math.round((step * B) / (el / 1000))} captions/s  ${fmtDuration(el / 1000)}`);
        run = 0; runN = 0;
      }
    }
  }
  const trainSeconds = (performance.now() - tTrain) / 1000;
  model.eval();
  const refs = val.map((s) => [s.caption]);
  const greedy = await captionAll(model, vocab, Xv, 1);
  const bleu = corpusBleu(refs, greedy).bleu;
  log(`val BLEU (greedy): ${bleu.map((b, k) => `BLEU-${k + 1} ${b.toFixed(4)}`).join("  ")}`);
  let beamBleu: number[] | null = null;
  if (num("beam") > 1) {
    beamBleu = corpusBleu(refs, await captionAll(model, vocab, Xv, num("beam"))).bleu;
    log(`val BLEU (beam ${num("beam")}): ${beamBleu.map((b, k) => `BLEU-${k + 1} ${b.toFixed(4)}`).join("  ")}`);
  }
  const samples = greedy.slice(0, 3).map((c, i) => ({ caption: c, reference: val[i].caption }));
  for (const s of samples) log(`  "${s.caption}"  (reference: "${s.reference}")`);
  const out = o.out as string;
  mkdirSync(out, { recursive: true });
  const checkpoint = join(out, "caption.ckpt");
  io.saveCheckpoint(checkpoint, { model: model.stateDict(), epoch, step, config: { ...config }, extra: { bleu, beamBleu } });
  io.writeFileAtomic(join(out, "vocab.json"), new TextEncoder().encode(JSON.stringify(vocab.toJSON()) + "\n"));
  const seconds = (performance.now() - t0) / 1000;
  log(`caption: ${step} steps in ${fmtDuration(trainSeconds)} (total ${fmtDuration(seconds)}); checkpoint ${checkpoint}`);
  return { bleu, beamBleu, steps: step, trainSeconds, seconds, checkpoint, samples };
}

/** The model a config describes (fresh weights). */
export function buildCaptioner(config: CaptionConfig): CaptioningModel {
  return new CaptioningModel({
    encoder: captioningEncoder({ inputSize: config.imageSize }), vocab: Vocabulary.fromJSON({ words: config.vocab }),
    cellType: config.cellType, attention: config.attention, embedDim: config.embedDim, hiddenDim: config.hiddenDim,
    inputShape: [3, config.imageSize, config.imageSize],
  });
}

/** A caption checkpoint's model (eval mode) and vocabulary. */
export function loadCaptioner(path: string): { model: CaptioningModel; vocab: Vocabulary; config: CaptionConfig } {
  if (!existsSync(path)) throw new UsageError(`caption: no checkpoint at ${path}; train one with kestrel caption train (or pass --checkpoint FILE)`);
  const ckpt = io.loadCheckpoint(path);
  const config = ckpt.config as CaptionConfig;
  if (config?.kind !== "caption") throw new UsageError(`caption: ${path} is not a caption checkpoint (no caption config inside)`);
  const model = buildCaptioner(config);
  model.loadStateDict(ckpt.model, { strict: true });
  model.eval();
  return { model, vocab: Vocabulary.fromJSON({ words: config.vocab }), config };
}

/** An image file → float32 [1, 3, S, S] in [0, 1], resized (bilinear) when its size differs. */
export function loadImage(path: string, size: number): Tensor {
  if (!existsSync(path)) throw new UsageError(`caption: ${path}: no such file`);
  let img: data.Image;
  try { img = toChannels(data.decodeImage(readFileSync(path), path), 3); } catch (e) { throw new UsageError(`caption: ${(e as Error).message.split("\n")[0]}`); }
  const hwc = tensor(Float32Array.from(img.data, (v) => v / 255), { dtype: "float32" }).reshape([img.height, img.width, 3]);
  const x = hwc.permute(2, 0, 1).contiguous().unsqueeze(0);
  return img.height === size && img.width === size ? x : F.interpolate(x, { size: [size, size], mode: "bilinear" });
}

/**
 * The image and, per word, the image lit by that word's attention (the grid's weights upsampled
 * bilinearly to the image and scaled to their maximum): panels for io.imageGrid.
 */
export function attentionPanels(image: Tensor, attention: Tensor, grid: [number, number], words: string[]): { panels: Tensor[]; labels: string[] } {
  const [, S, S2] = image.shape;
  const panels = [image], labels = ["image"];
  words.forEach((w, t) => {
    const a = F.interpolate(attention.select(0, t).reshape([1, 1, grid[0], grid[1]]), { size: [S, S2], mode: "bilinear" }).reshape([1, S, S2]);
    const m = a.div(a.max().item() || 1);
    panels.push(image.mul(m.mul(0.8).add(0.2)).add(m.mul(0.25)).clamp(0, 1));
    labels.push(w);
  });
  return { panels, labels };
}

/** The `caption` subcommand. */
export async function captionCommand(args: string[], cio: CliIO): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === "--help" || sub === "-h") { cio.log(CAPTION_USAGE); return sub === undefined ? 2 : 0; }
  if (sub === "train") {
    const p = parseArgs("caption train", rest, TRAIN_SPECS, 0);
    if (p.help) { cio.log(CAPTION_USAGE); return 0; }
    await trainCaptioner(p.opts, cio.log);
    return 0;
  }
  if (sub === "scenes") {
    const p = parseArgs("caption scenes", rest, SCENES_SPECS, 0);
    if (p.help) { cio.log(CAPTION_USAGE); return 0; }
    const o = { ...defaults(SCENES_SPECS), ...p.opts } as Record<string, number | string>;
    const split = sceneSplits({ train: o.split === "train" ? (o.count as number) : 0, val: o.split === "val" ? (o.count as number) : 0, seed: o.seed as number, imageSize: o.imageSize as number, maxObjects: o.maxObjects as number });
    const path = writeScenes(o.out as string, o.split === "train" ? split.train : split.val);
    cio.log(`caption: wrote ${o.count} ${o.split} scenes and ${path}`);
    return 0;
  }
  const p = parseArgs("caption", args, CAPTION_SPECS, 1);
  if (p.help) { cio.log(CAPTION_USAGE); return 0; }
  if (p.positionals.length === 0 || p.positionals[0].startsWith("-")) throw new UsageError("caption: which image? (kestrel caption image.png, or caption train)");
  const o = { ...defaults(CAPTION_SPECS), ...p.opts } as Record<string, number | string>;
  const { model, vocab, config } = loadCaptioner(o.checkpoint as string);
  const x = loadImage(p.positionals[0], config.imageSize);
  const beam = o.beam as number, maxLength = o.maxLength as number;
  const out = noGrad(() => (beam > 1 ? model.beamSearch(x, { beamSize: beam, maxLength }) : model.sample(x, { maxLength })));
  const ids = (out.captions.tolist() as number[][])[0];
  cio.log(vocab.decode(ids));
  const png = o.attentionPng as string | undefined;
  if (png !== undefined) {
    if (!out.attention) throw new UsageError(`caption: ${o.checkpoint} has no attention (train with --attention) so --attention-png has nothing to draw`);
    const words = vocab.decodeWords(ids, { stopAtEnd: false, skipSpecial: false }).slice(0, ids.indexOf(2) >= 0 ? ids.indexOf(2) + 1 : ids.length);
    const { panels, labels } = attentionPanels(x.select(0, 0), out.attention.select(0, 0), out.grid, words);
    io.imageGrid(png, panels, { labels, scale: 4, nrow: Math.min(panels.length, 6) });
    cio.log(`attention maps: ${png}`);
  }
  return 0;
}

