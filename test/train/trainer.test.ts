// The Trainer: it learns, switches train/eval modes, evaluates (metrics, TTA), predicts, stops on NaN.

import { test } from "node:test";
import assert from "node:assert/strict";
import { nn, optim, F, data, train, manualSeed, isGradEnabled, tensor, Tensor, stack, noGrad } from "../../src/index.js";
import { fashionLoader, mlp } from "./util.js";

test("fit reduces the loss on the built-in subset within a few hundred steps", async () => {
  manualSeed(0);
  const model = mlp(32);
  const trainer = new train.Trainer({ model, optimizer: new optim.Adam(model.parameters(), { lr: 2e-3 }), lossFn: F.crossEntropy, metrics: ["accuracy", "top5"] });
  let firstLoss = NaN;
  trainer.callbacks.push(new (class extends train.Callback { override onBatchEnd(_t: train.Trainer, l: train.BatchLogs) { if (l.step === 1) firstLoss = l.loss; } })());
  const h = await trainer.fit(fashionLoader(0, 2000, { shuffle: true, seed: 1 }), { epochs: 4, valLoader: fashionLoader(8000, 1000, { batchSize: 250 }) });
  assert.equal(trainer.step, 4 * 63);
  assert.equal(h.epochs.length, 4);
  assert.ok(Math.abs(firstLoss - Math.log(10)) < 0.3, `initial loss ≈ ln 10, got ${firstLoss}`);
  const loss = h.get("loss"), val = h.get("val_accuracy");
  assert.ok(loss[3] < 0.7 * loss[0], `training loss falls: ${loss}`);
  assert.ok(val[3] > 0.72, `validation accuracy ${val[3]}`);
  assert.ok(h.get("val_top5")[3] > 0.95);
  assert.ok(h.get("accuracy")[3] > 0.72 && h.get("top5")[3] > 0.95);
  assert.equal(h.stopped, false);
});

test("train() during fit, eval() + no grad during evaluation; evaluate matches a manual computation", async () => {
  manualSeed(1);
  const model = mlp(16);
  const seen: string[] = [];
  model.registerForwardHook((m) => { seen.push(`${m.training}/${isGradEnabled()}`); });
  const trainer = new train.Trainer({ model, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), lossFn: new nn.CrossEntropyLoss() });
  const val = fashionLoader(9000, 300, { batchSize: 100 });
  await trainer.fit(fashionLoader(0, 64), { epochs: 1, valLoader: val });
  assert.deepEqual(seen, ["true/true", "true/true", "false/false", "false/false", "false/false"]);
  assert.equal(model.training, true, "back in training mode after fit");
  const r = await trainer.evaluate(val);
  const { images, labels } = { images: stackAll(val, 0), labels: stackAll(val, 1) };
  const out = noGrad(() => model.eval().forward(images));
  model.train();
  assert.equal(r.count, 300);
  assert.ok(Math.abs(r.loss - F.crossEntropy(out, labels).item()) < 1e-5);
  assert.equal(r.accuracy, train.accuracy(out, labels));
  assert.equal(r.top5, train.topKAccuracy(out, labels, 5));
  assert.deepEqual([...r.confusion.toArray()], [...train.confusionMatrix(out, labels).toArray()]);
  assert.deepEqual(r.perClassAccuracy, train.perClassAccuracy(r.confusion));
  // predict: eval-mode outputs for a tensor or a loader.
  const p = await trainer.predict(images);
  assert.deepEqual([...p.toArray()], [...out.toArray()]);
  const pl = await trainer.predict(val);
  assert.deepEqual(pl.shape, [300, 10]);
  assert.deepEqual([...pl.toArray()], [...out.toArray()]);
});

function stackAll(loader: data.DataLoader, k: number): Tensor {
  const ds = loader.dataset as data.TensorDataset;
  return stack(Array.from({ length: ds.length }, (_, i) => (ds.get(i) as Tensor[])[k]), 0);
}

test("evaluate with test-time augmentation averages softmax over crops", async () => {
  manualSeed(2);
  const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(576, 10));
  const trainer = new train.Trainer({ model, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), lossFn: F.crossEntropy });
  const loader = fashionLoader(0, 40, { batchSize: 16 });
  const tenCrop = (x: Tensor) => data.transforms.TenCrop(24)(x) as Tensor[];
  const r = await trainer.evaluate(loader, { tta: tenCrop });
  // By hand: each image's ten crops through the model, softmax averaged.
  const ds = loader.dataset as data.TensorDataset;
  const probs: Tensor[] = [], ys: number[] = [];
  model.eval();
  for (let i = 0; i < ds.length; i++) {
    const [x, y] = ds.get(i) as Tensor[];
    probs.push(data.transforms.averageOverCrops(model, tenCrop(x)));
    ys.push(y.item());
  }
  model.train();
  const p = stack(probs, 0), yt = tensor(ys, { dtype: "int32" });
  assert.equal(r.accuracy, train.accuracy(p, yt));
  assert.ok(Math.abs(r.loss - F.nllLoss(p.log(), yt).item()) < 1e-5);
  // Identical "crops" change nothing: same loss as plain evaluation of a 24×24 model on center crops.
  const plainModel = mlp(8);
  const t2 = new train.Trainer({ model: plainModel, optimizer: new optim.SGD(plainModel.parameters(), { lr: 0.1 }), lossFn: F.crossEntropy });
  const a = await t2.evaluate(loader), b = await t2.evaluate(loader, { tta: (x) => [x, x, x] });
  assert.ok(Math.abs(a.loss - b.loss) < 1e-5);
  assert.equal(a.accuracy, b.accuracy);
});

test("a NaN loss stops training with a message; bad inputs teach", async () => {
  const model = mlp(4);
  let calls = 0;
  const trainer = new train.Trainer({ model, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), lossFn: (o, t) => (++calls === 3 ? F.crossEntropy(o, t).mul(NaN) : F.crossEntropy(o, t)) });
  const h = await trainer.fit(fashionLoader(0, 320), { epochs: 3, valLoader: fashionLoader(0, 32) });
  assert.equal(h.stopped, true);
  assert.match(h.stopReason!, /loss is NaN at step 3 \(epoch 0, batch 2\)/);
  assert.equal(trainer.step, 2);
  assert.equal(h.epochs.length, 1);
  assert.throws(() => new train.Trainer({ model, optimizer: null as never, lossFn: F.crossEntropy }), /optimizer must be an optim.Optimizer/);
  assert.throws(() => new train.Trainer({ model, optimizer: new optim.SGD(model.parameters(), { lr: 1 }), lossFn: 3 as never }), /lossFn must be a function/);
  const t2 = new train.Trainer({ model, optimizer: new optim.SGD(model.parameters(), { lr: 1 }), lossFn: F.crossEntropy });
  await assert.rejects(t2.fit([[tensor([1])]], { epochs: 1 }), /a batch should be \[input, target\] tensors/);
  await assert.rejects(t2.fit(fashionLoader(0, 32), { epochs: -1 }), /epochs must be a non-negative integer/);
  const sumLoss = new train.Trainer({ model, optimizer: new optim.SGD(model.parameters(), { lr: 1 }), lossFn: (o, t) => F.crossEntropy(o, t, { reduction: "none" }) });
  await assert.rejects(sumLoss.fit(fashionLoader(0, 32), { epochs: 1 }), /the loss should be a scalar tensor; got shape \[32\]/);
});
