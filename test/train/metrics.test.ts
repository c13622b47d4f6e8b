// Metrics on hand-made predictions: accuracy, top-k, confusion matrix, per-class accuracy,
// and the accumulating Metric objects.

import { test } from "node:test";
import assert from "node:assert/strict";
import { tensor, train } from "../../src/index.js";

// 5 samples, 6 classes. Rows' rankings (highest first):
//  0: 2 > 5 > 0 > 1 > 3 > 4   target 2 → top1 ✓
//  1: 0 > 1 > 2 > 3 > 4 > 5   target 5 → rank 5, not in top 5
//  2: 4 > 3 > 1 > 0 > 2 > 5   target 1 → rank 2: top1 ✗, top5 ✓
//  3: 3 > 0 > 1 > 2 > 4 > 5   target 3 → top1 ✓
//  4: 1 > 0 > 2 > 3 > 4 > 5   target 0 → rank 1: top1 ✗, top5 ✓ (predicted 1)
const scores = tensor([
  [0.3, 0.2, 0.9, 0.1, 0.0, 0.5],
  [6, 5, 4, 3, 2, 1],
  [0.1, 0.2, 0.05, 0.3, 0.4, 0.0],
  [2, 1, 0, 3, -1, -2],
  [0.8, 0.9, 0.5, 0.4, 0.3, 0.2],
]);
const targets = tensor([2, 5, 1, 3, 0], { dtype: "int32" });

test("accuracy, top-k accuracy", () => {
  assert.equal(train.accuracy(scores, targets), 2 / 5);
  assert.equal(train.topKAccuracy(scores, targets, 5), 4 / 5);
  assert.equal(train.topKAccuracy(scores, targets, 2), 3 / 5); // rows 0, 3, 4
  assert.equal(train.topKAccuracy(scores, targets, 1), 2 / 5);
  assert.equal(train.topKAccuracy(scores, targets, 6), 1, "k ≥ K: every row is correct");
  // Ties count in the target's favour for top-k; argmax takes the first maximum.
  const tie = tensor([[1, 1, 0]]);
  assert.equal(train.topKAccuracy(tie, tensor([1], { dtype: "int32" }), 1), 1);
  assert.equal(train.accuracy(tie, tensor([1], { dtype: "int32" })), 0);
  // NaN is the maximum, as in torch.argmax / topk (a diverged model shows up in the loss).
  assert.equal(train.accuracy(tensor([[1, NaN]]), tensor([1], { dtype: "int32" })), 1);
  assert.equal(train.topKAccuracy(tensor([[1, NaN, 2]]), tensor([2], { dtype: "int32" }), 1), 0);
});

test("confusion matrix and per-class accuracy", () => {
  const cm = train.confusionMatrix(scores, targets);
  assert.deepEqual(cm.shape, [6, 6]);
  assert.equal(cm.dtype, "int32");
  const expected = new Array(36).fill(0);
  // (true, predicted): (2,2) (5,0) (1,4) (3,3) (0,1)
  for (const [t, p] of [[2, 2], [5, 0], [1, 4], [3, 3], [0, 1]]) expected[t * 6 + p]++;
  assert.deepEqual([...cm.toArray()], expected);
  const pc = train.perClassAccuracy(cm);
  assert.deepEqual(pc.map((v) => (Number.isNaN(v) ? "nan" : v)), [0, 0, 1, 1, "nan", 0]);
  assert.throws(() => train.perClassAccuracy(tensor([1, 2])), /square confusion matrix/);
});

test("accumulating metrics: update over batches equals the whole; state round trip", () => {
  const acc = new train.Accuracy(), top5 = new train.TopKAccuracy(5), cm = new train.ConfusionMatrix(), pca = new train.PerClassAccuracy(), loss = new train.Loss();
  for (const [s, n] of [[0, 2], [2, 3]]) {
    const o = scores.narrow(0, s, n), t = targets.narrow(0, s, n);
    for (const m of [acc, top5, cm, pca]) m.update(o, t);
    loss.update(o, t, s === 0 ? 1.0 : 2.0);
  }
  assert.equal(acc.compute(), 2 / 5);
  assert.equal(top5.compute(), 4 / 5);
  assert.deepEqual([...cm.compute().toArray()], [...train.confusionMatrix(scores, targets).toArray()]);
  assert.equal(pca.compute()[2], 1);
  assert.equal(loss.compute(), (1 * 2 + 2 * 3) / 5, "batch losses weighted by batch size");
  const again = new train.TopKAccuracy(5);
  again.loadStateDict(JSON.parse(JSON.stringify(top5.stateDict())));
  assert.equal(again.compute(), 4 / 5);
  const cm2 = new train.ConfusionMatrix();
  cm2.loadStateDict(JSON.parse(JSON.stringify(cm.stateDict())));
  assert.deepEqual([...cm2.compute().toArray()], [...cm.compute().toArray()]);
  acc.reset();
  assert.ok(Number.isNaN(acc.compute()));
  assert.equal(train.metricFromName("top3").name, "top3");
  assert.throws(() => train.metricFromName("f2"), /unknown metric "f2"/);
});

test("metric errors teach", () => {
  assert.throws(() => train.accuracy(tensor([1, 2, 3]), targets), /output should be scores \[N, K\]/);
  assert.throws(() => train.accuracy(scores, tensor([0, 1], { dtype: "int32" })), /target should be class indices \[5\]/);
  assert.throws(() => train.accuracy(scores, tensor([0, 1, 2, 3, 6], { dtype: "int32" })), /target 4 is 6, but classes are 0..5/);
  assert.throws(() => train.topKAccuracy(scores, targets, 0), /k must be a positive integer/);
});
