// `kestrel charrnn train [text-file]` and `kestrel charrnn sample <checkpoint>`: the lecture's
// character-level language model ("hello" scaled up). An embedding, a multi-layer LSTM and a
// linear read-out predict the next character; training is truncated backpropagation through
// time over B parallel streams of the text (hidden states carried across chunks, detached),
// with gradient clipping and Adam. The last 10% of the text is held out; its loss is reported in
// nats per character. Checkpoints (io.saveCheckpoint) hold the weights, the optimizer and the
// vocabulary, so `sample` needs nothing else. Default text: data/text/genesis-kjv.txt.

import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Tensor, nn, optim, F, io, tensor, noGrad, manualSeed, defaultGenerator } from "../index.js";
import { UsageError, formatOptions, parseArgs, type OptionSpec } from "./args.js";
import { fmtDuration } from "./progress.js";
import type { CliIO } from "./main.js";

/** The shipped public-domain text (relative to src/cli and dist/cli alike). */
export const DEFAULT_TEXT = fileURLToPath(new URL("../../data/text/genesis-kjv.txt", import.meta.url));

export interface CharRNNConfig {
  vocab: string;
  embed: number;
  hidden: number;
  layers: number;
  dropout: number;
}

/** Embedding → LSTM (batch-first) → Linear over the vocabulary. */
export class CharRNN extends nn.Module {
  embed: nn.Embedding;
  lstm: nn.LSTM;
  head: nn.Linear;

  constructor(readonly config: CharRNNConfig) {
    super();
    const V = [...config.vocab].length;
    this.embed = new nn.Embedding(V, config.embed);
    this.lstm = new nn.LSTM(config.embed, config.hidden, { numLayers: config.layers, dropout: config.dropout, batchFirst: true });
    this.head = new nn.Linear(config.hidden, V);
  }

  /** ids [B, T] int32 → logits [B, T, V] and the new state. */
  override forward(ids: Tensor, state?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    const [out, next] = this.lstm.forward(this.embed.forward(ids), state ?? null);
    return [this.head.forward(out), next];
  }
}

/** The text of a file; a Project Gutenberg-style header/footer (*** START … / *** END …) is dropped. */
export function readText(path: string): string {
  if (!existsSync(path)) throw new UsageError(`charrnn: no such text file ${path}`);
  let text = readFileSync(path, "utf8").replace(/\r\n/g, "\n");
  const start = /^\*\*\* ?START OF .*\*\*\*\s*$/m.exec(text);
  if (start) text = text.slice(start.index + start[0].length);
  const end = /^\*\*\* ?END OF .*\*\*\*\s*$/m.exec(text);
  if (end) text = text.slice(0, end.index);
  return text.trim() + "\n";
}

const TRAIN_SPECS: Record<string, OptionSpec> = {
  out: { type: "string", help: "directory for checkpoints (last.ckpt, best.ckpt)", default: "runs/charrnn", meta: "DIR" },
  epochs: { type: "int", help: "passes over the training text", min: 1, default: "10" },
  "max-steps": { type: "int", help: "stop after this many optimizer steps (0: no limit)", min: 0, default: "0" },
  "max-minutes": { type: "number", help: "stop after this much wall time (0: no limit)", min: 0, default: "0" },
  "seq-len": { type: "int", help: "truncated-BPTT chunk length (characters)", min: 1, default: "64" },
  batch: { type: "int", help: "parallel streams of the text", min: 1, default: "32" },
  hidden: { type: "int", help: "LSTM hidden size", min: 1, default: "256" },
  layers: { type: "int", help: "LSTM layers", min: 1, default: "2" },
  embed: { type: "int", help: "character embedding size", min: 1, default: "64" },
  dropout: { type: "number", help: "dropout between LSTM layers", min: 0, max: 0.99, default: "0" },
  lr: { type: "number", help: "Adam learning rate", min: 0, exclusiveMin: true, default: "0.002" },
  clip: { type: "number", help: "clip the gradient norm to this (0: off)", min: 0, default: "5" },
  "val-frac": { type: "number", help: "held-out fraction at the end of the text", min: 0, exclusiveMin: true, max: 0.5, default: "0.1" },
  "log-every": { type: "int", help: "progress line every N steps (0: 10 per epoch)", min: 0, default: "0" },
  seed: { type: "int", help: "random seed", default: "0" },
};

const SAMPLE_SPECS: Record<string, OptionSpec> = {
  prime: { type: "string", help: "text to start from (characters outside the vocabulary are dropped)", default: "\"\\n\"", meta: "TEXT" },
  temperature: { type: "number", help: "softmax temperature (< 1: safer, > 1: wilder)", min: 0, exclusiveMin: true, default: "0.8" },
  length: { type: "int", help: "characters to generate", min: 0, default: "500" },
  seed: { type: "int", help: "random seed", default: "0" },
};

export const CHARRNN_USAGE = `usage: kestrel charrnn train [text-file] [options]
       kestrel charrnn sample <checkpoint> [--prime TEXT] [--temperature T] [--length N]

  train: a character-level LSTM language model with truncated BPTT (default text: the shipped
  ${DEFAULT_TEXT.split("/").slice(-3).join("/")}); prints the validation loss in nats/char.
${formatOptions(TRAIN_SPECS)}

  sample: generate text from a checkpoint written by train.
${formatOptions(SAMPLE_SPECS)}`;

export interface TrainResult {
  valLoss: number;
  bestValLoss: number;
  steps: number;
  seconds: number;
  checkpoint: string;
}

/**
 * Yield to the event loop once per step: the storage pool's finalizers run between tasks, and
 * until they run the buffers of collected tensors are not released (a loop that never yields
 * grows without bound).
 */
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Mean cross-entropy (nats/char) of the model on streams [B, L], states carried across chunks. */
async function evaluate(model: CharRNN, streams: Tensor, seqLen: number): Promise<number> {
  const wasTraining = model.training;
  model.eval();
  let total = 0, count = 0, state: [Tensor, Tensor] | null = null;
  for (const { input, target } of nn.bpttChunks(streams, seqLen)) {
    const n = target.size;
    total += noGrad(() => {
      const [logits, next] = model.forward(input, state);
      state = next;
      return F.crossEntropy(logits.reshape(n, -1), target.reshape(n), { reduction: "sum" }).item();
    });
    count += n;
    await tick();
  }
  model.train(wasTraining);
  return total / count;
}

/** Train on a text file (see CHARRNN_USAGE); returns the losses and the checkpoint written. */
export async function trainCharRNN(textPath: string, o: Record<string, number | string>, log: (s: string) => void, write?: (s: string) => void): Promise<TrainResult> {
  const num = (k: string): number => o[k] as number;
  manualSeed(num("seed"));
  const text = readText(textPath);
  const chars = [...new Set(text)].sort();
  const vocab = chars.join("");
  const index = new Map(chars.map((c, i) => [c, i]));
  const ids = Int32Array.from([...text], (c) => index.get(c)!);
  const nVal = Math.floor(ids.length * num("valFrac"));
  const B = num("batch"), T = num("seqLen");
  if (ids.length - nVal < 2 * B || nVal < 2) {
    throw new UsageError(`charrnn: the text has ${ids.length} characters, too few for --batch ${B} with a ${num("valFrac")} validation split`);
  }
  const train = nn.batchify(ids.subarray(0, ids.length - nVal), B);
  const val = nn.batchify(ids.subarray(ids.length - nVal), Math.max(1, Math.min(B, Math.floor(nVal / (T + 1)))));
  const config: CharRNNConfig = { vocab, embed: num("embed"), hidden: num("hidden"), layers: num("layers"), dropout: num("dropout") };
  const model = new CharRNN(config);
  const opt = new optim.Adam(model.parameters(), { lr: num("lr") });
  const out = o.out as string;
  mkdirSync(out, { recursive: true });
  const stepsPerEpoch = Math.ceil((train.shape[1] - 1) / T);
  const every = num("logEvery") || Math.max(1, Math.round(stepsPerEpoch / 10));
  log(`charrnn: ${ids.length} characters (${chars.length} distinct), ${ids.length - nVal} train / ${nVal} validation; ` +
    `${config.layers}-layer LSTM, hidden ${config.hidden}, ${model.numParameters()} parameters; ${stepsPerEpoch} steps/epoch of ${B}×${T}`);
  const t0 = performance.now();
  const maxSteps = num("maxSteps"), maxMs = num("maxMinutes") * 60000;
  let step = 0, valLoss = NaN, best = Infinity, stop = false, epoch = 0;
  const last = join(out, "last.ckpt");
  const save = (path: string, extra: Record<string, unknown>): void =>
    io.saveCheckpoint(path, { model: model.stateDict(), optimizer: opt.stateDict(), epoch, step, config: { ...config, kind: "charrnn" }, extra });
  for (epoch = 1; epoch <= num("epochs") && !stop; epoch++) {
    let state: [Tensor, Tensor] | null = null, runLoss = 0, runN = 0;
    for (const { input, target } of nn.bpttChunks(train, T)) {
      state = nn.detachState(state); // carry the state across chunks, but backpropagate within one
      const [logits, next] = model.forward(input, state);
      state = next;
      const n = target.size;
      const loss = F.crossEntropy(logits.reshape(n, -1), target.reshape(n));
      opt.zeroGrad();
      loss.backward();
      if (num("clip") > 0) nn.utils.clipGradNorm_(model.parameters(), num("clip"));
      opt.step();
      await tick();
      step++;
      runLoss += loss.item(); runN++;
      const elapsed = performance.now() - t0;
      stop = (maxSteps > 0 && step >= maxSteps) || (maxMs > 0 && elapsed >= maxMs);
      if (step % every === 0 || stop) {
        const line = `epoch ${epoch} step ${step} (${((step - 1) % stepsPerEpoch) + 1}/${stepsPerEpoch})  loss ${(runLoss / runN).toFixed(4)}  ` +
          `${Math.round((step * B * T) / (elapsed / 1000))} chars/s  ${fmtDuration(elapsed / 1000)}`;
        if (write) write(`\r${line}`); else log(line);
        runLoss = 0; runN = 0;
      }
      if (stop) break;
    }
    if (write) write("\n");
    valLoss = await evaluate(model, val, T);
    const isBest = valLoss < best;
    if (isBest) best = valLoss;
    log(`epoch ${epoch}: validation loss ${valLoss.toFixed(4)} nats/char (${(valLoss / Math.LN2).toFixed(3)} bits/char)${isBest ? "  best" : ""}  ${fmtDuration((performance.now() - t0) / 1000)}`);
    save(last, { valLoss, bestValLoss: best });
    if (isBest) save(join(out, "best.ckpt"), { valLoss, bestValLoss: best });
  }
  const seconds = (performance.now() - t0) / 1000;
  log(`charrnn: done in ${fmtDuration(seconds)}; validation loss ${valLoss.toFixed(4)} nats/char (best ${best.toFixed(4)}); checkpoints in ${out}`);
  return { valLoss, bestValLoss: best, steps: step, seconds, checkpoint: last };
}

/** Generate `length` characters after `prime` from a checkpoint written by trainCharRNN. */
export async function sampleCharRNN(checkpoint: string, options: { prime?: string; temperature?: number; length?: number; seed?: number } = {}): Promise<string> {
  const ckpt = io.loadCheckpoint(checkpoint);
  const config = ckpt.config as CharRNNConfig & { kind?: string };
  if (config?.kind !== "charrnn") throw new UsageError(`charrnn: ${checkpoint} is not a charrnn checkpoint (no charrnn config inside)`);
  const model = new CharRNN(config);
  model.loadStateDict(ckpt.model);
  model.eval();
  manualSeed(options.seed ?? 0);
  const chars = [...config.vocab];
  const index = new Map(chars.map((c, i) => [c, i]));
  const temperature = options.temperature ?? 0.8;
  let prime = [...(options.prime ?? "\n")].filter((c) => index.has(c));
  if (prime.length === 0) prime = [chars.includes("\n") ? "\n" : chars[0]];
  let out = "";
  let [logits, state] = noGrad(() => model.forward(tensor([prime.map((c) => index.get(c)!)], { dtype: "int32" })));
  for (let i = 0; i < (options.length ?? 500); i++) {
    const lastRow = logits.select(1, logits.shape[1] - 1).reshape(-1);
    const p = F.softmax(lastRow.div(temperature), 0).toArray();
    let u = defaultGenerator.random(), k = 0;
    while (k < p.length - 1 && u >= p[k]) { u -= p[k]; k++; }
    out += chars[k];
    [logits, state] = noGrad(() => model.forward(tensor([[k]], { dtype: "int32" }), state));
    if (i % 64 === 63) await tick();
  }
  return prime.join("") + out;
}

/** The `charrnn` subcommand. */
export async function charrnnCommand(args: string[], cio: CliIO): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === "--help" || sub === "-h") { cio.log(CHARRNN_USAGE); return sub === undefined ? 2 : 0; }
  if (sub === "train") {
    const p = parseArgs("charrnn train", rest, TRAIN_SPECS, 1);
    if (p.help) { cio.log(CHARRNN_USAGE); return 0; }
    const defaults = Object.fromEntries(Object.entries(TRAIN_SPECS).map(([k, s]) => [k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), s.type === "string" ? s.default! : Number(s.default)]));
    await trainCharRNN(p.positionals[0] ?? DEFAULT_TEXT, { ...defaults, ...(p.opts as Record<string, number | string>) }, cio.log, cio.isTTY ? cio.write : undefined);
    return 0;
  }
  if (sub === "sample") {
    const p = parseArgs("charrnn sample", rest, SAMPLE_SPECS, 1);
    if (p.help) { cio.log(CHARRNN_USAGE); return 0; }
    if (!p.positionals[0]) throw new UsageError("charrnn sample: which checkpoint? (e.g. runs/charrnn/best.ckpt)");
    cio.log(await sampleCharRNN(p.positionals[0], p.opts as { prime?: string; temperature?: number; length?: number; seed?: number }));
    return 0;
  }
  throw new UsageError(`charrnn: unknown subcommand ${JSON.stringify(sub)}; expected train or sample`);
}
