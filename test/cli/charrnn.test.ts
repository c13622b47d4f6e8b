// `kestrel charrnn train` / `sample` through the CLI entry: a tiny run (a few steps) on a short
// text writes checkpoints that `sample` reads; the shipped text's header is dropped; errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { main } from "../../src/cli/main.js";
import { readText, DEFAULT_TEXT, sampleCharRNN } from "../../src/cli/charrnn.js";
import { io, tensor } from "../../src/index.js";

function capture(): { io: { log: (s: string) => void; error: (s: string) => void }; out: string[]; err: string[] } {
  const out: string[] = [], err: string[] = [];
  return { io: { log: (s) => out.push(s), error: (s) => err.push(s) }, out, err };
}

const dir = mkdtempSync(join(tmpdir(), "kestrel-charrnn-"));
const textPath = join(dir, "hello.txt");
writeFileSync(textPath, "header to drop\n*** START OF THE TEXT ***\n" + "hello world, hello kestrel. ".repeat(60) + "\n*** END OF THE TEXT ***\nfooter\n");

test("charrnn train (a few steps) writes checkpoints; sample reads them", async () => {
  const c = capture();
  const out = join(dir, "run");
  const code = await main(["charrnn", "train", textPath, "--out", out, "--epochs", "2", "--max-steps", "6", "--hidden", "16",
    "--layers", "2", "--embed", "8", "--seq-len", "8", "--batch", "4", "--log-every", "2", "--lr", "0.01"], c.io);
  assert.equal(code, 0, c.err.join("\n"));
  assert.match(c.out[0], /charrnn: \d+ characters \(\d+ distinct\)/);
  assert.ok(c.out.some((l) => /^epoch 1 step 2 .* loss \d+\.\d{4}/.test(l)), c.out.join("\n"));
  const val = c.out.filter((l) => /validation loss \d+\.\d+ nats\/char/.test(l));
  assert.ok(val.length >= 1, c.out.join("\n"));
  assert.ok(existsSync(join(out, "last.ckpt")) && existsSync(join(out, "best.ckpt")));
  const ckpt = io.loadCheckpoint(join(out, "last.ckpt"));
  assert.equal(ckpt.step, 6);
  assert.deepEqual(Object.keys(ckpt.model).slice(0, 3), ["embed.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0"]);
  assert.equal((ckpt.config as { vocab: string }).vocab, [...new Set("hello world, hello kestrel. \n")].sort().join(""));

  const s = capture();
  assert.equal(await main(["charrnn", "sample", join(out, "last.ckpt"), "--prime", "hel", "--length", "30", "--temperature", "0.5"], s.io), 0, s.err.join("\n"));
  const text = s.out.join("\n");
  assert.ok(text.startsWith("hel") && text.length === 33, JSON.stringify(text));
  assert.ok([...text].every((ch) => "hello world, kestrel.\n".includes(ch)), "only characters of the vocabulary");
  // same seed, same sample; another seed, (almost surely) another
  const again = await sampleCharRNN(join(out, "last.ckpt"), { prime: "hel", length: 30, temperature: 0.5 });
  assert.equal(again, text);
  assert.notEqual(await sampleCharRNN(join(out, "last.ckpt"), { prime: "hel", length: 30, temperature: 2, seed: 7 }), text);
});

test("readText drops a Gutenberg-style header and footer; the shipped text exists", () => {
  const t = readText(textPath);
  assert.ok(t.startsWith("hello world") && !t.includes("footer") && !t.includes("***"));
  assert.ok(existsSync(DEFAULT_TEXT));
  const g = readText(DEFAULT_TEXT);
  assert.ok(g.startsWith("CHAPTER 1\n\n1 In the beginning God created the heaven and the earth."));
  assert.ok(g.length > 150000 && !g.includes("Licence"));
});

test("charrnn errors teach", async () => {
  const c = capture();
  assert.equal(await main(["charrnn", "train", join(dir, "missing.txt")], c.io), 2);
  assert.match(c.err[0], /no such text file/);
  assert.equal(await main(["charrnn", "fly"], c.io), 2);
  assert.match(c.err[1], /unknown subcommand "fly"; expected train or sample/);
  assert.equal(await main(["charrnn", "train", textPath, "--hiden", "3"], c.io), 2);
  assert.match(c.err[2], /unknown option --hiden/);
  assert.equal(await main(["charrnn", "sample"], c.io), 2);
  assert.match(c.err[3], /which checkpoint/);
  const other = join(dir, "other.ckpt");
  io.saveCheckpoint(other, { model: { w: tensor([1]) }, epoch: 0, step: 0 });
  assert.equal(await main(["charrnn", "sample", other], c.io), 2);
  assert.match(c.err[4], /not a charrnn checkpoint/);
  const h = capture();
  assert.equal(await main(["charrnn", "--help"], h.io), 0);
  assert.match(h.out[0], /kestrel charrnn train \[text-file\]/);
});
