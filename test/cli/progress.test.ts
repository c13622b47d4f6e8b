// The training display (bar redrawn in place on a terminal, plain periodic lines elsewhere) and
// the option parser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { progressHandler, fmtDuration, sci } from "../../src/cli/progress.js";
import { parseArgs, UsageError } from "../../src/cli/args.js";
import type { train } from "../../src/index.js";

function events(batches: number): train.ProgressEvent[] {
  const ev: train.ProgressEvent[] = [{ type: "trainBegin", epochs: 2, startEpoch: 0, batchesPerEpoch: batches }, { type: "epochBegin", epoch: 0, epochs: 2, batches }];
  for (let b = 0; b < batches; b++) {
    ev.push({ type: "batch", epoch: 0, batch: b, batches, step: b + 1, loss: 1, running: { loss: 1.5 - b / 100, accuracy: 0.5 }, lr: 0.01, imagesPerSecond: 1000, elapsedSeconds: b, etaSeconds: batches - b - 1 });
  }
  ev.push({ type: "evalBegin" }, { type: "evalEnd" });
  ev.push({ type: "epochEnd", epoch: 0, epochs: 2, logs: { epoch: 0, loss: 1.2, accuracy: 0.6, val_loss: 1.1, val_accuracy: 0.65, lr: 0.01, time: 3 }, seconds: 3.2 });
  return ev;
}

test("non-terminal: one plain line per 10% of the epoch, then the epoch summary", () => {
  const lines: string[] = [];
  const h = progressHandler({ log: (s) => lines.push(s), isTTY: false });
  for (const e of events(50)) h(e);
  const plain = lines.filter((l) => /^epoch 1 +\d+%/.test(l));
  assert.equal(plain.length, 9); // 10%, 20%, ... 90% (100% is the summary)
  assert.match(plain[0], /^epoch 1 +10% +\(5\/50\) +loss 1\.4600 +acc 50\.0% +1000 img\/s +ETA 0:45$/);
  assert.equal(lines[lines.length - 1], "epoch 1/2  loss 1.2000  acc 60.0%  val_loss 1.1000  val_acc 65.0%  lr 0.01  3.2s  1000 img/s");
});

test("terminal: the bar is redrawn in place and cleared before the summary", () => {
  const writes: string[] = [], lines: string[] = [];
  const h = progressHandler({ log: (s) => lines.push(s), write: (s) => writes.push(s), isTTY: true, columns: 120 });
  for (const e of events(3)) h(e);
  assert.ok(writes.length >= 2);
  assert.ok(writes.every((w) => w.startsWith("\r") || w.includes("validating")));
  assert.match(writes.find((w) => w.includes("3/3"))!, /epoch 1\/2 █+ 3\/3 +loss 1\.4800 +acc 50\.0% +1000 img\/s +ETA 0:00/);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^epoch 1\/2 +loss 1\.2000/);
  assert.ok(writes.includes("\r\x1b[2K"), "line cleared before the summary");
});

test("formatting helpers", () => {
  assert.equal(fmtDuration(75), "1:15");
  assert.equal(fmtDuration(3725), "1:02:05");
  assert.equal(sci(3e-3), "3e-3");
  assert.equal(sci(0.05), "0.05");
  assert.equal(sci(1.23456e-5), "1.23e-5");
});

test("parseArgs: forms, types, and errors", () => {
  const specs = { epochs: { type: "int" as const, min: 1, help: "" }, lr: { type: "number" as const, min: 0, exclusiveMin: true, help: "" }, json: { type: "bool" as const, help: "" }, input: { type: "shape" as const, help: "" }, "batch-size": { type: "int" as const, help: "" } };
  const p = parseArgs("t", ["--epochs=3", "--lr", "1e-3", "--json", "--input", "3,32,32", "--batch-size", "8", "img.png"], specs, 1);
  assert.deepEqual(p.opts, { epochs: 3, lr: 1e-3, json: true, input: [3, 32, 32], batchSize: 8 });
  assert.deepEqual(p.positionals, ["img.png"]);
  assert.equal(parseArgs("t", ["--no-json"], specs).opts.json, false);
  assert.throws(() => parseArgs("t", ["--lr", "0"], specs), (e: Error) => e instanceof UsageError && /--lr must be > 0/.test(e.message));
  assert.throws(() => parseArgs("t", ["--epochs", "2.5"], specs), /--epochs must be a whole number/);
  assert.throws(() => parseArgs("t", ["x"], specs), /unexpected argument "x"/);
  assert.throws(() => parseArgs("t", ["-e"], specs), /options are spelled --name/);
});
