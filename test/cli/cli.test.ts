// The `kestrel` command in-process on tiny settings (a few hundred built-in Fashion-MNIST images,
// a tiny MLP from a user module file): exit codes, the one-line usage errors, the plain (non-TTY)
// progress lines, the files a run writes, resume continuing the step count, eval / predict /
// plot / summary / search, and doctor passing on a sane setup and failing on a broken one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { main, type CliIO } from "../../src/cli/main.js";
import { io, data } from "../../src/index.js";

const TINY = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "tiny_model.ts");
const tmp = mkdtempSync(join(tmpdir(), "kestrel-cli-"));

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [], err: string[] = [];
  const cio: CliIO = { log: (s) => out.push(s), error: (s) => err.push(s), isTTY: false };
  const code = await main(argv, cio);
  return { code, out, err };
}

const QUICK = ["--model", TINY, "--limit", "200", "--batch-size", "40", "--val-split", "0.2"];

test("usage errors: one line, exit code 2, no stack trace", async () => {
  const cases: [string[], RegExp][] = [
    [["train", "--epochz", "3"], /unknown option --epochz/],
    [["train", "--epochs", "three"], /--epochs must be a whole number/],
    [["train", "--epochs", "0"], /--epochs must be ≥ 1/],
    [["train", "--optimizer", "lbfgs"], /--optimizer must be one of sgd, adam, adamw, rmsprop, adagrad/],
    [["train", "--lr"], /--lr needs a value/],
    [["train", "--model", "resnet9000"], /unknown model "resnet9000"/],
    [["train", "--model", "./no/such/model.js"], /no such file/],
    [["train", "--data", "mnist"], /--data mnist needs --data-dir/],
    [["train", "--data", "cifar10", "--data-dir", join(tmp, "missing")], /no such folder/],
    [["train", "--data", join(tmp, "nowhere")], /neither a dataset name .* nor a folder/],
    [["eval"], /--checkpoint FILE or --run DIR/],
    [["eval", "--run", tmp], /no checkpoint/],
    [["summary", "nonet"], /unknown model "nonet"/],
    [["summary", "simple_cnn", "--input", "1,x,28"], /--input must be positive integers/],
    [["plot", join(tmp, "none")], /no such folder/],
    [["predict", "--run", tmp], /no images given/],
    [["frobnicate"], /unknown command "frobnicate"/],
  ];
  for (const [argv, re] of cases) {
    const r = await run(...argv);
    assert.equal(r.code, 2, `${argv.join(" ")} → exit ${r.code}: ${r.err.join("|")}`);
    assert.equal(r.err.length, 1, argv.join(" "));
    assert.match(r.err[0], re, argv.join(" "));
    if (argv[0] !== "frobnicate") assert.equal(r.err[0].split("\n").length, 1, `one line: ${r.err[0]}`);
    assert.doesNotMatch(r.err[0], /\n\s+at /);
  }
});

test("--help of every command exits 0", async () => {
  for (const c of ["train", "eval", "predict", "summary", "plot", "doctor", "search", "download"]) {
    const r = await run(c, "--help");
    assert.equal(r.code, 0, c);
    assert.match(r.out.join("\n"), /usage: kestrel/);
  }
});

const runDir = join(tmp, "run1");

test("train: plain progress lines, epoch summaries, test accuracy, run files", async () => {
  const r = await run("train", ...QUICK, "--epochs", "1", "--schedule", "none", "--lr", "0.003", "--out", runDir);
  assert.equal(r.code, 0, r.err.join("\n"));
  const text = r.out.join("\n");
  assert.match(text, /160 train \/ 40 val \/ 200 test images/);
  // 160 images / 40 = 4 steps: plain lines at 25%, 50%, 75% (every ≥ 10%), never a carriage return.
  assert.match(text, /^epoch 1 +25% +\(1\/4\) +loss [\d.]+ +acc [\d.]+% +\d+ img\/s +ETA/m);
  assert.doesNotMatch(text, /\r/);
  assert.match(text, /^epoch 1\/1 +loss [\d.]+ +acc [\d.]+% +val_loss [\d.]+ +val_acc [\d.]+%/m);
  const acc = Number(/test accuracy ([\d.]+)%/.exec(text)?.[1]);
  assert.ok(acc > 25, `a tiny MLP after 4 steps beats chance (10%): ${acc}%`);
  const files = readdirSync(runDir);
  for (const f of ["config.json", "metrics.jsonl", "best.ckpt", "eval.json", "step-00000004.ckpt"]) assert.ok(files.includes(f), `${f} in ${files}`);
  assert.ok(files.some((f) => f.startsWith("events.out.tfevents.")), "TensorBoard events file");
  const recs = io.readJsonl(join(runDir, "metrics.jsonl"));
  const ep = recs.filter((x) => x.type === "epoch");
  assert.equal(ep.length, 1);
  assert.equal(ep[0].step, 4);
  assert.ok(typeof ep[0].val_accuracy === "number");
  assert.equal(recs.filter((x) => x.type === "test").length, 1);
  const scalars = io.readScalars(runDir);
  assert.ok(Object.keys(scalars).some((k) => k === "epoch/loss"), `tags: ${Object.keys(scalars)}`);
  const cfg = JSON.parse(readFileSync(join(runDir, "config.json"), "utf8"));
  assert.equal(cfg.config.epochs, 1);
  assert.equal(cfg.data.classes.length, 10);
  // The same folder again without --resume is refused.
  const again = await run("train", ...QUICK, "--out", runDir);
  assert.equal(again.code, 2);
  assert.match(again.err[0], /already holds a run; continue it with --resume/);
});

test("train --resume continues the step count and appends to metrics.jsonl", async () => {
  const r = await run("train", "--resume", runDir, "--epochs", "2");
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.match(r.out.join("\n"), /\(resuming\)/);
  assert.match(r.out.join("\n"), /^epoch 2\/2 /m);
  assert.doesNotMatch(r.out.join("\n"), /^epoch 1\/2 /m);
  const ep = io.readJsonl(join(runDir, "metrics.jsonl")).filter((x) => x.type === "epoch");
  assert.deepEqual(ep.map((x) => [x.epoch, x.step]), [[0, 4], [1, 8]]);
  assert.ok(existsSync(join(runDir, "step-00000008.ckpt")));
});

test("a one-cycle run cannot be extended; resume of a folder without a run is a usage error", async () => {
  const dir = join(tmp, "oc");
  assert.equal((await run("train", ...QUICK, "--epochs", "1", "--out", dir)).code, 0);
  const r = await run("train", "--resume", dir, "--epochs", "3");
  assert.equal(r.code, 2);
  assert.match(r.err[0], /onecycle schedule was planned for 1 epochs/);
  const r2 = await run("train", "--resume", join(tmp, "nothing"));
  assert.equal(r2.code, 2);
  assert.match(r2.err[0], /not a run folder/);
});

test("eval, plot and predict on the run", async () => {
  const e = await run("eval", "--run", runDir);
  assert.equal(e.code, 0, e.err.join("\n"));
  assert.match(e.out.join("\n"), /test accuracy [\d.]+%\s+loss [\d.]+\s+top-5/);
  assert.equal(e.out.filter((l) => /^ {2}\S.*%$/.test(l)).length, 10, "per-class lines");
  const ev = JSON.parse(readFileSync(join(runDir, "eval.json"), "utf8"));
  assert.equal(ev.confusion.length, 10);
  assert.equal(ev.confusion.flat().reduce((a: number, b: number) => a + b, 0), 200);

  const p = await run("plot", runDir);
  assert.equal(p.code, 0, p.err.join("\n"));
  for (const f of ["loss.png", "accuracy.png", "confusion.png"]) {
    const b = readFileSync(join(runDir, f));
    assert.deepEqual([...b.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], f);
    assert.ok(io.decodePng(b).width >= 200, f);
  }

  // A test image, saved as a 40×40 RGB PNG (exercises gray conversion and resizing).
  const ds = data.datasets.FashionMNIST({ builtin: true, train: false });
  const img = ds.image(0);
  const rgb = new Uint8Array(40 * 40 * 4);
  for (let yy = 0; yy < 40; yy++) for (let xx = 0; xx < 40; xx++) {
    const v = img.data[Math.floor((yy * 28) / 40) * 28 + Math.floor((xx * 28) / 40)];
    rgb.set([v, v, v, 255], (yy * 40 + xx) * 4);
  }
  const png = join(tmp, "item.png");
  writeFileSync(png, io.encodePng({ data: rgb, height: 40, width: 40, channels: 4 }));
  const pr = await run("predict", png, "--checkpoint", join(runDir, "best.ckpt"), "--json");
  assert.equal(pr.code, 0, pr.err.join("\n"));
  const res = JSON.parse(pr.out[0]);
  assert.equal(res.top.length, 5);
  const probs = res.top.map((t: { probability: number }) => t.probability);
  assert.deepEqual(probs, [...probs].sort((a: number, b: number) => b - a));
  assert.ok(probs.reduce((a: number, b: number) => a + b, 0) <= 1 + 1e-6);
  assert.ok(ds.classes.includes(res.top[0].class));
  const plain = await run("predict", png, "--run", runDir, "--top", "3");
  assert.equal(plain.out.length, 4);
  assert.match(plain.out[1], /^ {2}1\. .+ +[\d.]+%$/);
  const bad = await run("predict", join(tmp, "config.json"), "--run", runDir);
  assert.equal(bad.code, 2);
});

test("summary prints the layer table and the totals", async () => {
  const r = await run("summary", "simple_cnn");
  assert.equal(r.code, 0, r.err.join("\n"));
  const text = r.out.join("\n");
  assert.match(text, /features\.0\s+Conv2d\s+\[1, 32, 28, 28\]\s+320\s+225,792/);
  assert.match(text, /Total params: 421,834/);
  assert.match(text, /Total mult-adds: 4,241,152/);
  const j = await run("summary", "lenet5", "--json");
  const s = JSON.parse(j.out[0]);
  assert.deepEqual(s.inputShape, [1, 1, 32, 32]);
  assert.equal(s.totalParams, s.rows.reduce((a: number, x: { params: number }) => a + x.params, 0));
  assert.ok((await run("summary", "--list")).out.join("\n").includes("resnet20"));
});

test("doctor passes on a sane tiny setup and writes the LR range plot", async () => {
  const dir = join(tmp, "doc");
  const r = await run("doctor", "--model", TINY, "--limit", "300", "--batch-size", "32", "--range-steps", "40", "--out", dir);
  const text = r.out.join("\n");
  assert.equal(r.code, 0, text);
  for (const name of ["initial loss", "overfits 20 examples", "loss rises with regularisation", "learning-rate range test", "activations and gradients"]) {
    assert.match(text, new RegExp(`^(PASS|WARN) +${name}`, "m"), name);
  }
  assert.match(text, /^PASS +initial loss ≈ ln C: loss [\d.]+ vs ln\(10\) = 2\.3026/m);
  assert.match(text, /^PASS +overfits 20 examples: .* train accuracy 100\.0%/m);
  assert.match(text, /suggested lr \d/);
  assert.ok(existsSync(join(dir, "lr_range.png")));
  assert.match(text, /doctor: 5 checks: \d PASS, \d WARN, 0 FAIL/);
});

test("doctor flags a broken initialisation (weights × 50): FAIL and exit code 1", async () => {
  const r = await run("doctor", "--model", TINY, "--limit", "300", "--batch-size", "32", "--range-steps", "20", "--overfit-steps", "20", "--init-scale", "50", "--out", join(tmp, "doc2"));
  const text = r.out.join("\n");
  assert.equal(r.code, 1, text);
  assert.match(text, /^FAIL +initial loss/m);
  assert.match(text, /^(WARN|FAIL) +activations and gradients at init/m);
  assert.match(text, /exploding/);
});

test("search: a table sorted by validation accuracy", async () => {
  const r = await run("search", "--model", TINY, "--trials", "3", "--limit", "200", "--batch-size", "40", "--out", join(tmp, "search"));
  assert.equal(r.code, 0, r.err.join("\n"));
  const rows = r.out.filter((l) => /^ +\d+ +\d+ +\d\.\d+e[-+]\d+/.test(l));
  assert.equal(rows.length, 3);
  const accs = rows.map((l) => Number(/ ([\d.]+)% /.exec(l)![1]));
  assert.deepEqual(accs, [...accs].sort((a, b) => b - a));
  assert.match(r.out.join("\n"), /^best: kestrel train --model .* --lr [\d.e-]+ --weight-decay/m);
  assert.equal(io.readJsonl(join(tmp, "search", "search.jsonl")).length, 3);
});
