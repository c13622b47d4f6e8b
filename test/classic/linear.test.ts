import { test } from "node:test";
import assert from "node:assert/strict";
import { classic, F, tensor, randn, randint, manualSeed, cat, ones, type Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";

type Reg = { reg?: number; penalty?: "l2" | "l1" | "elasticnet"; l1Ratio?: number };

/** CS231n's svm_loss_naive / softmax_loss_naive with an explicit ones column (the bias trick) — loops only. */
function naiveLoss(kind: "svm" | "softmax", W: number[][], X: number[][], y: number[], o: Reg & { margin?: number; squared?: boolean } = {}): number {
  const { reg = 0, penalty = "l2", l1Ratio = 0.5, margin = 1, squared = false } = o;
  const C = W[0].length, D = X[0].length;
  let loss = 0;
  for (let i = 0; i < X.length; i++) {
    const xi = [...X[i], 1];
    const s = Array.from({ length: C }, (_, c) => xi.reduce((a, v, d) => a + v * W[d][c], 0));
    if (kind === "svm") {
      for (let j = 0; j < C; j++) if (j !== y[i]) { const m = Math.max(0, s[j] - s[y[i]] + margin); loss += squared ? m * m : m; }
    } else {
      const z = s.reduce((a, v) => a + Math.exp(v), 0);
      loss += -Math.log(Math.exp(s[y[i]]) / z);
    }
  }
  loss /= X.length;
  const a1 = penalty === "l1" ? reg : penalty === "elasticnet" ? reg * l1Ratio : 0;
  const a2 = penalty === "l2" ? reg : penalty === "elasticnet" ? reg * (1 - l1Ratio) : 0;
  for (let d = 0; d < D; d++) for (let c = 0; c < C; c++) loss += a1 * Math.abs(W[d][c]) + a2 * W[d][c] ** 2; // bias row d = D excluded
  return loss;
}

/** Central finite differences of naiveLoss in every weight. */
function numericGrad(f: (W: number[][]) => number, W: number[][], h = 1e-6): number[][] {
  return W.map((row, d) => row.map((_, c) => {
    const Wp = W.map((r) => r.slice()), Wm = W.map((r) => r.slice());
    Wp[d][c] += h; Wm[d][c] -= h;
    return (f(Wp) - f(Wm)) / (2 * h);
  }));
}

const variants: { name: string; o: Reg & { margin?: number; squared?: boolean } }[] = [
  { name: "no reg", o: {} },
  { name: "L2", o: { reg: 0.3 } },
  { name: "L1", o: { reg: 0.2, penalty: "l1" } },
  { name: "elastic net", o: { reg: 0.5, penalty: "elasticnet", l1Ratio: 0.3 } },
  { name: "squared hinge, margin 0.5, L2", o: { reg: 0.1, squared: true, margin: 0.5 } },
];

for (const kind of ["svm", "softmax"] as const) {
  for (const { name, o } of variants) {
    if (kind === "softmax" && (o.squared || o.margin)) continue;
    test(`${kind}Loss (${name}): loss equals the naive loops, dW equals the numeric gradient (float64)`, () => {
      manualSeed(kind === "svm" ? 3 : 4);
      const X = randn([7, 4], { dtype: "float64" }), y = randint(0, 3, [7]);
      const W = randn([5, 3], { dtype: "float64" }).mul(0.5);
      const fn = kind === "svm" ? classic.svmLoss : classic.softmaxLoss;
      const { loss, dW } = fn(W, X, y, o);
      const Wl = W.tolist() as number[][], Xl = X.tolist() as number[][], yl = Array.from(y.toArray());
      const f = (Wm: number[][]): number => naiveLoss(kind, Wm, Xl, yl, o);
      assertClose(loss, f(Wl), { rtol: 1e-12, atol: 1e-12 });
      assert.deepEqual([...dW.shape], [5, 3]);
      assert.equal(dW.dtype, "float64");
      // (Hinge kinks and |w| at 0 are measure-zero for random data; h = 1e-6 stays clear of them.)
      assertClose(dW, tensor(numericGrad(f, Wl), { dtype: "float64" }), { rtol: 1e-6, atol: 1e-7 });
      // float32 inputs give the same numbers to float32 precision.
      const r32 = fn(W.float(), X.float(), y, o);
      assert.equal(r32.dW.dtype, "float32");
      assertClose(r32.loss, f(Wl), { rtol: 1e-5, atol: 1e-5 });
      assertClose(r32.dW, dW.float(), { rtol: 1e-4, atol: 1e-5 });
    });
  }
}

test("svmLoss / softmaxLoss agree with the library's F.multiMarginLoss·C and F.crossEntropy, and with autograd", () => {
  manualSeed(5);
  const X = randn([9, 3], { dtype: "float64" }), y = randint(0, 4, [9]);
  const W = randn([4, 4], { dtype: "float64" }).requiresGrad_(true);
  // The bias trick made explicit: [X, 1] · W.
  const scores = (): Tensor => cat([X, ones([9, 1], { dtype: "float64" })], 1).matmul(W);
  // PyTorch's multi_margin_loss divides each row's sum by C; CS231n's SVM loss does not.
  const svmRef = F.multiMarginLoss(scores(), y).mul(4).add(W.narrow(0, 0, 3).square().sum().mul(0.1));
  svmRef.backward();
  const svm = classic.svmLoss(W.detach(), X, y, { reg: 0.1 });
  assertClose(svm.loss, svmRef.item(), { rtol: 1e-12 });
  assertClose(svm.dW, W.grad!, { rtol: 1e-10, atol: 1e-12 });
  W.grad = null;
  const ceRef = F.crossEntropy(scores(), y).add(W.narrow(0, 0, 3).abs().sum().mul(0.2));
  ceRef.backward();
  const ce = classic.softmaxLoss(W.detach(), X, y, { reg: 0.2, penalty: "l1" });
  assertClose(ce.loss, ceRef.item(), { rtol: 1e-12 });
  assertClose(ce.dW, W.grad!, { rtol: 1e-10, atol: 1e-12 });
});

test("the bias row is never regularised", () => {
  const X = tensor([[1, 2]], { dtype: "float64" }), y = tensor([0], { dtype: "int32" });
  const W = tensor([[0, 0], [0, 0], [5, -3]], { dtype: "float64" }); // only the bias row is non-zero
  for (const penalty of ["l2", "l1", "elasticnet"] as const) {
    const a = classic.softmaxLoss(W, X, y, { reg: 10, penalty }), b = classic.softmaxLoss(W, X, y);
    assert.equal(a.loss, b.loss, penalty);
    assert.deepEqual(Array.from(a.dW.toArray()), Array.from(b.dW.toArray()), penalty);
  }
});

/** Three well-separated Gaussian blobs in 2-d. */
function blobs(n: number): { X: Tensor; y: Tensor } {
  manualSeed(6);
  const y = randint(0, 3, [n]);
  const centres = tensor([[4, 0], [-4, 4], [-4, -4]]);
  return { X: randn([n, 2]).mul(0.5).add(centres.indexSelect(0, y)), y };
}

for (const [name, make] of [
  ["LinearSVM", (o: object) => new classic.LinearSVM(o)],
  ["LinearSVM squared hinge", (o: object) => new classic.LinearSVM({ ...o, squared: true })],
  ["SoftmaxClassifier", (o: object) => new classic.SoftmaxClassifier(o)],
] as const) {
  test(`${name} learns a separable toy problem to 100% with every penalty; seeded fits repeat`, () => {
    const { X, y } = blobs(150);
    for (const reg of [{}, { reg: 1e-3 }, { reg: 1e-3, penalty: "l1" }, { reg: 1e-3, penalty: "elasticnet", l1Ratio: 0.5 }]) {
      const m = make({ lr: 0.05, epochs: 15, batchSize: 32, seed: 1, ...reg });
      m.fit(X, y);
      assert.equal(m.score(X, y), 1, JSON.stringify(reg));
      assert.equal(m.predict(X).dtype, "int32");
      const first = m.lossHistory[0], last = m.lossHistory[m.lossHistory.length - 1];
      assert.ok(last < first / 5, `loss fell from ${first} to ${last}`);
      assert.equal(m.lossHistory.length, 15 * Math.ceil(150 / 32));
    }
    const a = make({ seed: 7, epochs: 2, momentum: 0.9 }).fit(X, y), b = make({ seed: 7, epochs: 2, momentum: 0.9 }).fit(X, y);
    assert.deepEqual(Array.from(a.weights.toArray()), Array.from(b.weights.toArray()));
    const c = make({ seed: 8, epochs: 2 }).fit(X, y);
    assert.notDeepEqual(Array.from(a.weights.toArray()), Array.from(c.weights.toArray()));
  });
}

test("strong L1 zeroes more weights than the same strength of L2; regularisation shrinks weights", () => {
  manualSeed(9);
  const X = randn([200, 10]), y = X.narrow(1, 0, 3).argmax(1); // only 3 of the 10 features matter
  const fit = (o: object): Float32Array => new classic.SoftmaxClassifier({ lr: 0.5, epochs: 100, seed: 0, ...o }).fit(X, y).weights.narrow(0, 0, 10).toArray() as Float32Array;
  const norm = (w: Float32Array): number => w.reduce((a, v) => a + v * v, 0);
  const none = fit({}), l2 = fit({ reg: 0.1 }), l1 = fit({ reg: 0.05, penalty: "l1" });
  assert.ok(norm(l2) < norm(none) / 2, `L2 ${norm(l2)} vs none ${norm(none)}`);
  const small = (w: Float32Array): number => w.filter((v) => Math.abs(v) < 0.01).length;
  assert.ok(small(l1) > small(l2) + 5, `near-zero weights: L1 ${small(l1)}, L2 ${small(l2)}`);
});

test("weights layout, numIters, lrDecay and classTemplates", () => {
  const { X, y } = blobs(60);
  const epochs: { epoch: number; lr: number }[] = [];
  const m = new classic.SoftmaxClassifier({ lr: 0.1, numIters: 7, batchSize: 20, lrDecay: 0.5, seed: 0, onEpoch: (e) => epochs.push(e) }).fit(X, y);
  assert.equal(m.lossHistory.length, 7);
  assert.deepEqual(epochs.map((e) => [e.epoch, e.lr]), [[0, 0.1], [1, 0.05], [2, 0.025]]);
  const W = m.weights;
  assert.deepEqual([...W.shape], [3, 3]); // [D + 1, C], bias last
  // scores = X·W[:D] + W[D]
  assertClose(m.scores(X), X.matmul(W.narrow(0, 0, 2)).add(W.select(0, 2)), { rtol: 1e-5, atol: 1e-5 });
  assertClose(m.predictProba(X).sum(1), ones([60]), { rtol: 1e-5 });
  // A 4-feature model viewed as 2×2 images.
  const X4 = cat([X, X.neg()], 1);
  const t = new classic.LinearSVM({ epochs: 2, seed: 0 }).fit(X4, y).classTemplates([2, 2]);
  assert.equal(t.length, 3);
  assert.deepEqual([...t[0].shape], [2, 2]);
  const all = t.flatMap((img) => Array.from(img.toArray()));
  assert.equal(Math.min(...all), 0);
  assert.equal(Math.max(...all), 255);
  assert.throws(() => m.classTemplates([3, 3]), /imageShape \[3, 3\] has 9 elements, expected 2/);
});

test("linear classifier errors teach", () => {
  assert.throws(() => new classic.LinearSVM().predict(tensor([[1, 2]])), /LinearSVM.scores: call fit\(X, y\) first/);
  assert.throws(() => new classic.LinearSVM({ lr: -1 }), /lr must be a finite number > 0, got -1/);
  assert.throws(() => new classic.SoftmaxClassifier({ penalty: "l3" as "l1" }), /penalty must be "l2", "l1" or "elasticnet"/);
  assert.throws(() => new classic.SoftmaxClassifier({ l1Ratio: 2 }), /l1Ratio must be in \[0, 1\]/);
  assert.throws(() => new classic.SoftmaxClassifier({ momentum: 1 }), /momentum must be in \[0, 1\)/);
  assert.throws(() => new classic.SoftmaxClassifier({ numClasses: 2 }).fit(tensor([[1], [2]]), tensor([0, 2], { dtype: "int32" })), /label 2 is out of range for numClasses = 2/);
  const m = new classic.SoftmaxClassifier({ epochs: 1 }).fit(tensor([[1, 0], [0, 1]]), tensor([0, 1], { dtype: "int32" }));
  assert.throws(() => m.predict(tensor([[1, 2, 3]])), /X has 3 features .* trained on 2/);
  assert.throws(() => classic.svmLoss(randn([3, 2]), randn([4, 3]), randint(0, 2, [4])), /W must be \[D \+ 1, C\] = \[4, C\]/);
  assert.throws(() => classic.svmLoss(randn([4, 2]), randn([4, 3]), tensor([0, 1, 2, 0], { dtype: "int32" })), /y\[2\] is 2 but W has only 2 classes/);
});
