// Each callback's behaviour: early stopping, checkpoint files, LR scheduling, clipping, EMA,
// progress events, snapshot ensembles, JSONL and TensorBoard logging.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { optim, F, train, manualSeed, Tensor } from "../../src/index.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/io/checkpoint.js";
import { readJsonl } from "../../src/io/jsonl.js";
import { eventFiles, readEventFile, readScalars } from "../../src/io/tensorboard/reader.js";
import { fashionLoader, mlp } from "./util.js";

/** Puts values[epoch] into the epoch logs under `key` (runs before the other callbacks) and records weights. */
class Inject extends train.Callback {
  weights: Record<string, Tensor>[] = [];
  constructor(readonly key: string, readonly values: number[]) { super(); this.order = -10; }
  override onEpochEnd(t: train.Trainer, epoch: number, logs: train.EpochLogs): void {
    logs[this.key] = this.values[epoch];
    this.weights.push(Object.fromEntries(Object.entries(t.model.stateDict()).map(([k, v]) => [k, v.clone()])));
  }
}

function makeTrainer(callbacks: train.Callback[], extra: Partial<train.TrainerOptions> = {}, hidden = 8) {
  const model = mlp(hidden);
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.05 });
  return new train.Trainer({ model, optimizer, lossFn: F.crossEntropy, callbacks, ...extra });
}

const sameWeights = (a: Record<string, Tensor>, b: Record<string, Tensor>) => {
  for (const k of Object.keys(a)) assert.deepEqual([...a[k].toArray()], [...b[k].toArray()], k);
};

test("EarlyStopping stops after `patience` epochs without improvement and restores the best weights", async () => {
  manualSeed(0);
  const inj = new Inject("score", [5, 4, 4.5, 4.2, 3.9, 3.0]);
  const es = new train.EarlyStopping({ monitor: "score", patience: 2, restoreBest: true });
  const t = makeTrainer([es, inj]);
  const h = await t.fit(fashionLoader(0, 64), { epochs: 6 });
  assert.equal(h.epochs.length, 4, "epochs 0..3 ran; stopped at epoch 3");
  assert.equal(es.stoppedEpoch, 3);
  assert.equal(es.bestEpoch, 1);
  assert.equal(h.stopped, true);
  assert.match(h.stopReason!, /early stopping: score did not improve for 2 epoch/);
  sameWeights(t.model.stateDict(), inj.weights[1]);
  // minDelta: 4.95 and 4.9 are not better than 5 by more than 0.1.
  const es2 = new train.EarlyStopping({ monitor: "score", patience: 2, minDelta: 0.1 });
  const h2 = await makeTrainer([es2, new Inject("score", [5, 4.95, 4.9, 4.0])]).fit(fashionLoader(0, 32), { epochs: 4 });
  assert.equal(h2.epochs.length, 3);
  // mode auto: accuracies are maximised.
  const es3 = new train.EarlyStopping({ monitor: "val_accuracy", patience: 1 });
  assert.equal(es3.mode, "max");
  const h3 = await makeTrainer([es3, new Inject("val_accuracy", [0.5, 0.6, 0.55, 0.9])]).fit(fashionLoader(0, 32), { epochs: 4 });
  assert.equal(h3.epochs.length, 3);
  await assert.rejects(makeTrainer([new train.EarlyStopping()]).fit(fashionLoader(0, 32), { epochs: 1 }), /monitor "val_loss" is not in the epoch logs .*pass a valLoader/);
});

test("ModelCheckpoint: periodic files rotate, best.ckpt follows the metric, files load and resume", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kestrel-ckpt-"));
  try {
    manualSeed(1);
    const ck = new train.ModelCheckpoint({ dir, everySteps: 3, keepLast: 2, monitor: "score" });
    const t = makeTrainer([ck, new Inject("score", [0.1, 0.2])]);
    await t.fit(fashionLoader(0, 320), { epochs: 2 });
    // Saves at steps 3, 6, 9, 10 (epoch end), 12, 15, 18, 20 (epoch end); the last two stay.
    assert.deepEqual(readdirSync(dir).sort(), ["best.ckpt", "step-00000018.ckpt", "step-00000020.ckpt"]);
    assert.equal(train.latestCheckpoint(dir), join(dir, "step-00000020.ckpt"));
    const last = loadCheckpoint(join(dir, "step-00000020.ckpt"));
    assert.equal(last.epoch, 2);
    assert.equal(last.step, 20);
    sameWeights(last.model, t.model.stateDict());
    const best = loadCheckpoint(join(dir, "best.ckpt"));
    assert.equal(best.step, 10, "the lowest score (mode auto: minimise) was at the end of epoch 0");
    const mid = loadCheckpoint(join(dir, "step-00000018.ckpt"));
    assert.equal(mid.epoch, 1, "a mid-epoch checkpoint records the epoch in progress");
    // Resuming from the folder continues at step 20 with the saved optimizer state.
    const t2 = makeTrainer([new train.ModelCheckpoint({ dir, everySteps: 3, keepLast: 2 })]);
    await t2.fit(fashionLoader(0, 320), { epochs: 3, resume: dir });
    assert.equal(t2.step, 30);
    assert.equal(t2.history.epochs.length, 3, "the history includes the resumed epochs");
    // A checkpoint without trainer state is refused with advice.
    saveCheckpoint(join(dir, "plain.ckpt"), { model: t.model.stateDict(), epoch: 0, step: 0 });
    await assert.rejects(makeTrainer([]).fit(fashionLoader(0, 32), { epochs: 1, resume: join(dir, "plain.ckpt") }), /has no trainer state/);
    assert.throws(() => new train.ModelCheckpoint({ dir: "" }), /dir .* is required/);
    assert.throws(() => makeTrainer([new train.ModelCheckpoint({ dir }), new train.ModelCheckpoint({ dir })]), /share the state key "ModelCheckpoint"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("LR scheduling per step, per epoch, and ReduceLROnPlateau on a metric", async () => {
  const lrs: number[] = [];
  const rec = new (class extends train.Callback { override onBatchEnd(_t: train.Trainer, l: train.BatchLogs) { lrs.push(l.lr); } })();
  const model = mlp(4);
  const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
  const perStep = new train.Trainer({ model, optimizer: opt, lossFn: F.crossEntropy, scheduler: new optim.lrScheduler.StepLR(opt, { stepSize: 1, gamma: 0.5 }), schedulerInterval: "step", callbacks: [rec] });
  await perStep.fit(fashionLoader(0, 128), { epochs: 1 });
  assert.deepEqual(lrs, [0.1, 0.05, 0.025, 0.0125]);
  const m2 = mlp(4), o2 = new optim.SGD(m2.parameters(), { lr: 0.1 });
  const h = await new train.Trainer({ model: m2, optimizer: o2, lossFn: F.crossEntropy, scheduler: new optim.lrScheduler.StepLR(o2, { stepSize: 1, gamma: 0.5 }) }).fit(fashionLoader(0, 64), { epochs: 3 });
  assert.deepEqual(h.get("lr"), [0.1, 0.05, 0.025]);
  const m3 = mlp(4), o3 = new optim.SGD(m3.parameters(), { lr: 0.1 });
  const plateau = new optim.lrScheduler.ReduceLROnPlateau(o3, { patience: 0, factor: 0.5 });
  const h3 = await new train.Trainer({ model: m3, optimizer: o3, lossFn: F.crossEntropy, scheduler: plateau, schedulerMonitor: "score", callbacks: [new Inject("score", [1, 1, 1, 1])] }).fit(fashionLoader(0, 32), { epochs: 4 });
  assert.deepEqual(h3.get("lr"), [0.1, 0.1, 0.05, 0.025]);
  assert.throws(() => new train.LRSchedulerCallback({ scheduler: plateau, interval: "step" }), /ReduceLROnPlateau watches an epoch metric/);
});

test("GradientClipping bounds the gradient norm (or values) between backward and step", async () => {
  manualSeed(2);
  const clip = new train.GradientClipping({ maxNorm: 0.5 });
  const norms: number[] = [], before: number[] = [];
  const check = new (class extends train.Callback {
    override onAfterBackward(t: train.Trainer) {
      let s = 0;
      for (const p of t.model.parameters()) for (const g of p.grad!.toArray()) s += g * g;
      norms.push(Math.sqrt(s)); before.push(clip.lastNorm);
    }
  })();
  check.order = 1;
  await makeTrainer([clip, check], {}, 16).fit(fashionLoader(0, 160), { epochs: 1 });
  assert.equal(norms.length, 5);
  assert.ok(before.some((n) => n > 0.5), `some gradients needed clipping: ${before}`);
  for (let i = 0; i < norms.length; i++) assert.ok(norms[i] <= 0.5 * (1 + 1e-5) && norms[i] <= before[i] + 1e-6, `norm ${norms[i]} (was ${before[i]})`);
  const vals: number[] = [];
  const checkV = new (class extends train.Callback { override onAfterBackward(t: train.Trainer) { for (const p of t.model.parameters()) vals.push(...p.grad!.toArray()); } })();
  checkV.order = 1;
  await makeTrainer([new train.GradientClipping({ clipValue: 0.01 }), checkV]).fit(fashionLoader(0, 64), { epochs: 1 });
  assert.ok(vals.every((v) => Math.abs(v) <= 0.01 + 1e-9) && vals.some((v) => Math.abs(v) === Math.fround(0.01)));
  assert.throws(() => new train.GradientClipping({}), /give maxNorm/);
});

test("ModelEMA matches a hand-computed average and is used for evaluation", async () => {
  manualSeed(3);
  const ema = new train.ModelEMA({ decay: 0.8 });
  const seen: Record<string, Tensor>[] = [];
  const rec = new (class extends train.Callback {
    override onTrainBegin(t: train.Trainer) { seen.push(t.model.stateDict()); seen[0] = Object.fromEntries(Object.entries(seen[0]).map(([k, v]) => [k, v.clone()])); }
    override onBatchEnd(t: train.Trainer) { seen.push(Object.fromEntries(Object.entries(t.model.stateDict()).map(([k, v]) => [k, v.clone()]))); }
  })();
  rec.order = -1;
  const t = makeTrainer([ema, rec]);
  await t.fit(fashionLoader(0, 160), { epochs: 1 });
  assert.equal(ema.updates, 5);
  for (const k of Object.keys(seen[0])) {
    const e = Float32Array.from(seen[0][k].toArray());
    for (let s = 1; s < seen.length; s++) { const w = seen[s][k].toArray(); for (let i = 0; i < e.length; i++) e[i] = 0.8 * e[i] + (1 - 0.8) * w[i]; }
    assert.deepEqual([...ema.shadow![k].toArray()], [...e], k);
    assert.notDeepEqual([...ema.shadow![k].toArray()], [...t.model.stateDict()[k].toArray()]);
  }
  // evaluate() swaps the average in and back out.
  const before = Object.fromEntries(Object.entries(t.model.stateDict()).map(([k, v]) => [k, v.clone()]));
  const withEma = await t.evaluate(fashionLoader(9000, 200));
  sameWeights(t.model.stateDict(), before);
  const plain = makeTrainer([]);
  plain.model.loadStateDict(ema.shadow!);
  assert.equal((await plain.evaluate(fashionLoader(9000, 200))).loss, withEma.loss);
  // Warmup decay: min(decay, (1 + n) / (10 + n)).
  const w = new train.ModelEMA({ decay: 0.99, warmup: true });
  assert.equal(w.currentDecay(), 0.1);
  w.updates = 1000;
  assert.equal(w.currentDecay(), 0.99);
  assert.throws(() => new train.ModelEMA({ decay: 2 }), /decay must be in \[0, 1\]/);
});

test("ProgressCallback emits the events a display needs", async () => {
  const events: train.ProgressEvent[] = [];
  await makeTrainer([new train.ProgressCallback((e) => events.push(e))]).fit(fashionLoader(0, 64), { epochs: 2, valLoader: fashionLoader(0, 32) });
  assert.deepEqual(events.map((e) => e.type), ["trainBegin", "epochBegin", "batch", "batch", "evalBegin", "evalEnd", "epochEnd", "epochBegin", "batch", "batch", "evalBegin", "evalEnd", "epochEnd", "trainEnd"]);
  const b = events[3] as Extract<train.ProgressEvent, { type: "batch" }>;
  assert.equal(b.batches, 2);
  assert.equal(b.etaSeconds, 0);
  assert.ok(b.imagesPerSecond > 0 && b.running.loss > 0 && "accuracy" in b.running);
  const end = events[6] as Extract<train.ProgressEvent, { type: "epochEnd" }>;
  assert.ok("val_accuracy" in end.logs);
});

test("SnapshotEnsemble snapshots at each cycle end and builds an Ensemble", async () => {
  manualSeed(4);
  const snaps = new train.SnapshotEnsemble({ cycleEpochs: 2 });
  const inj = new Inject("x", [0, 0, 0, 0]);
  const model = mlp(8), opt = new optim.SGD(model.parameters(), { lr: 0.1 });
  const t = new train.Trainer({ model, optimizer: opt, lossFn: F.crossEntropy, scheduler: new optim.lrScheduler.CosineAnnealingWarmRestarts(opt, { T0: 2 }), callbacks: [snaps, inj] });
  const h = await t.fit(fashionLoader(0, 64), { epochs: 4 });
  assert.deepEqual(h.get("lr").map((v) => +v.toFixed(6)), [0.1, 0.05, 0.1, 0.05], "cosine restarts every 2 epochs");
  assert.equal(snaps.snapshots.length, 2);
  sameWeights(snaps.snapshots[0], inj.weights[1]);
  sameWeights(snaps.snapshots[1], inj.weights[3]);
  const ens = snaps.ensemble(() => mlp(8));
  assert.equal(ens.training, false);
  assert.deepEqual(ens.forward((fashionLoader(0, 4).dataset.get(0) as Tensor[])[0].unsqueeze(0)).shape, [1, 10]);
  const grow = new train.SnapshotEnsemble({ cycleEpochs: 2, cycleMult: 2 });
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 13].filter((e) => grow.endsCycle(e)), [1, 5, 13]);
});

test("JsonlLogging and TensorBoardLogging write step and epoch records, histograms", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kestrel-logs-"));
  try {
    const t = makeTrainer([new train.JsonlLogging(join(dir, "metrics.jsonl"), { everySteps: 2 }), new train.TensorBoardLogging(join(dir, "tb"), { everySteps: 2 }), new train.GradientClipping({ maxNorm: 10 })]);
    await t.fit(fashionLoader(0, 160), { epochs: 2, valLoader: fashionLoader(0, 32) });
    const lines = readJsonl(join(dir, "metrics.jsonl"));
    assert.deepEqual(lines.filter((l) => l.type === "step").map((l) => l.step), [2, 4, 6, 8, 10]);
    const epochs = lines.filter((l) => l.type === "epoch");
    assert.equal(epochs.length, 2);
    for (const k of ["loss", "accuracy", "val_loss", "val_accuracy", "val_top5", "lr", "step"]) assert.ok(k in epochs[1], k);
    assert.equal(typeof lines[0].grad_norm, "number");
    const sc = readScalars(join(dir, "tb"));
    assert.deepEqual(sc["train/loss"].map((p) => p.step), [2, 4, 6, 8, 10]);
    assert.deepEqual(sc["epoch/val_accuracy"].map((p) => p.step), [1, 2]);
    assert.equal(sc["epoch/loss"][1].value, Math.fround(epochs[1].loss as number));
    const histos = readEventFile(eventFiles(join(dir, "tb"))[0]).flatMap((e) => (e.summary?.value ?? []).filter((v) => v.histo).map((v) => v.tag));
    assert.ok(histos.includes("1.weight") && histos.includes("1.weight.grad") && histos.includes("3.bias.grad"), histos.join(","));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
