// `kestrel caption` through the CLI entry: a tiny training run (a few steps, small scenes) prints
// BLEU-1..4 and writes a checkpoint + vocab.json; `caption scenes` writes PNGs + captions.json;
// `caption <image.png>` prints a caption and draws the attention maps; errors teach.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { main } from "../../src/cli/main.js";
import { loadCaptioner, trainCaptioner } from "../../src/cli/caption.js";
import { data, text } from "../../src/index.js";

function capture(): { io: { log: (s: string) => void; error: (s: string) => void }; out: string[]; err: string[] } {
  const out: string[] = [], err: string[] = [];
  return { io: { log: (s) => out.push(s), error: (s) => err.push(s) }, out, err };
}

const dir = mkdtempSync(join(tmpdir(), "kestrel-caption-"));
const tinyRun = ["--train", "48", "--val", "8", "--max-steps", "3", "--minutes", "0", "--image-size", "16", "--batch", "16", "--hidden", "16", "--embed", "8", "--log-every", "1"];

test("caption train (3 steps, attention) prints BLEU and writes a checkpoint; caption <png> reads it", async () => {
  const c = capture();
  const out = join(dir, "att");
  assert.equal(await main(["caption", "train", "--attention", "--beam", "2", "--out", out, ...tinyRun], c.io), 0, c.err.join("\n"));
  assert.match(c.out[0], /^caption: 48 train \/ 8 val scenes \(16×16\), \d+ words; lstm \+ attention, \d+ parameters/);
  assert.ok(c.out.some((l) => /^epoch 1 step 3 {2}loss \d+\.\d{3}/.test(l)), c.out.join("\n"));
  assert.ok(c.out.some((l) => /^val BLEU \(greedy\): BLEU-1 \d\.\d{4} {2}BLEU-2 \d\.\d{4} {2}BLEU-3 \d\.\d{4} {2}BLEU-4 \d\.\d{4}$/.test(l)), c.out.join("\n"));
  assert.ok(c.out.some((l) => /^val BLEU \(beam 2\): BLEU-1/.test(l)));
  assert.ok(existsSync(join(out, "caption.ckpt")) && existsSync(join(out, "vocab.json")));
  const vocab = text.Vocabulary.fromJSON(JSON.parse(readFileSync(join(out, "vocab.json"), "utf8")));
  const { model, config } = loadCaptioner(join(out, "caption.ckpt"));
  assert.deepEqual([config.cellType, config.attention, config.imageSize, model.vocabSize], ["lstm", true, 16, vocab.size]);

  const s = capture();
  const scenes = join(dir, "scenes");
  assert.equal(await main(["caption", "scenes", "--out", scenes, "--count", "3", "--image-size", "16"], s.io), 0, s.err.join("\n"));
  const index = JSON.parse(readFileSync(join(scenes, "captions.json"), "utf8")) as { file: string; caption: string }[];
  assert.equal(index.length, 3);
  const img = join(scenes, index[0].file);

  const p = capture();
  const png = join(dir, "attention.png");
  assert.equal(await main(["caption", img, "--checkpoint", join(out, "caption.ckpt"), "--attention-png", png, "--max-length", "5"], p.io), 0, p.err.join("\n"));
  const words = p.out[0].split(" ").filter(Boolean);
  assert.ok(words.length <= 5 && words.every((w) => vocab.words.includes(w)), p.out[0]);
  assert.equal(p.out[1], `attention maps: ${png}`);
  const grid = data.decodeImage(readFileSync(png), png);
  assert.ok(grid.width >= 2 * 16 * 4, `one panel for the image and one per word: ${grid.width}×${grid.height}`);
  // A larger image is resized to the model's input; beam search works from the CLI too.
  const big = join(scenes, "big.png");
  assert.equal(await main(["caption", "scenes", "--out", join(dir, "big"), "--count", "1", "--image-size", "32"], capture().io), 0);
  writeFileSync(big, readFileSync(join(dir, "big", "images", "000000.png")));
  const b = capture();
  assert.equal(await main(["caption", big, "--checkpoint", join(out, "caption.ckpt"), "--beam", "3"], b.io), 0, b.err.join("\n"));
  assert.equal(b.out.length, 1);
});

test("caption train without attention (rnn cell) returns BLEU; --attention-png then explains", async () => {
  const out = join(dir, "rnn");
  const r = await trainCaptioner({ cell: "rnn", out, train: 48, val: 8, maxSteps: 2, minutes: 0, imageSize: 16, batch: 16, hidden: 16, embed: 8 }, () => {});
  assert.equal(r.bleu.length, 4);
  assert.ok(r.bleu.every((v) => v >= 0 && v <= 1));
  assert.equal(r.steps, 2);
  const e = capture();
  await main(["caption", "scenes", "--out", join(dir, "s2"), "--count", "1", "--image-size", "16"], capture().io);
  assert.equal(await main(["caption", join(dir, "s2", "images", "000000.png"), "--checkpoint", r.checkpoint, "--attention-png", join(dir, "x.png")], e.io), 2);
  assert.match(e.err[0], /has no attention \(train with --attention\)/);
});

test("caption errors teach", async () => {
  const c = capture();
  assert.equal(await main(["caption", "train", "--cell", "gru"], c.io), 2);
  assert.match(c.err[0], /--cell must be one of lstm, rnn/);
  assert.equal(await main(["caption", join(dir, "missing.png"), "--checkpoint", join(dir, "none.ckpt")], c.io), 2);
  assert.match(c.err[1], /no checkpoint at .*none\.ckpt; train one with kestrel caption train/);
  assert.equal(await main(["caption", "train", "--image-size", "18", "--max-steps", "1"], c.io), 2);
  assert.match(c.err[2], /--image-size must be divisible by 4, got 18/);
  const h = capture();
  assert.equal(await main(["caption", "--help"], h.io), 0);
  assert.match(h.out[0], /kestrel caption train \[--attention\]/);
  assert.equal(await main(["caption"], capture().io), 2);
});
