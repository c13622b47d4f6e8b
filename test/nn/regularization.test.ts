// Lecture-7 regularisation layers: fractional max-pooling (vs PyTorch with the same samples),
// stochastic depth / drop-path, DropConnect, and ensembles.

import { test } from "node:test";
import assert from "node:assert/strict";
import { F, nn, manualSeed, randn, tensor, ones, Tensor } from "../../src/index.js";
import { loadFixture, T, assertClose, assertGradcheck } from "../helpers.js";

const fx = loadFixture("regularization");

test("fractionalMaxPool2d matches PyTorch (output, indices, gradient) given the same random samples", () => {
  for (const [i, c] of fx.fractional.entries()) {
    const x = T(c.x, { requiresGrad: true });
    const { output, indices } = F.fractionalMaxPool2dWithIndices(x, c.kernel, { outputSize: c.outputSize, outputRatio: c.outputRatio, randomSamples: T(c.samples) });
    assertClose(output, c.out, { msg: `case ${i} output` });
    assert.deepEqual([...indices.toArray()], c.indices.data, `case ${i} indices`);
    output.mul(T(c.w)).sum().backward();
    assertClose(x.grad!, c.grad, { msg: `case ${i} grad` });
  }
});

test("fractionalMaxPool2d float64 gradcheck (gradient goes to the max)", () => {
  manualSeed(3);
  const s = tensor([[[0.3, 0.8], [0.55, 0.1]]], { dtype: "float64" });
  assertGradcheck((x: Tensor) => F.fractionalMaxPool2d(x, 2, { outputSize: [3, 4], randomSamples: s }), [randn([1, 2, 6, 7], { dtype: "float64" })]);
});

test("fractionalMaxPool2d draws samples from the seeded generator; layer and errors", () => {
  const x = randn([2, 3, 16, 16]);
  manualSeed(7);
  const a = F.fractionalMaxPool2d(x, 2, { outputRatio: 0.6 });
  manualSeed(7);
  const b = F.fractionalMaxPool2d(x, 2, { outputRatio: 0.6 });
  assert.deepEqual(a.shape, [2, 3, 9, 9]);
  assert.deepEqual([...a.toArray()], [...b.toArray()]);
  const c = F.fractionalMaxPool2d(x, 2, { outputRatio: 0.6 });
  assert.notDeepEqual([...a.toArray()], [...c.toArray()], "a new draw gives other windows");
  const layer = new nn.FractionalMaxPool2d(3, { outputSize: 5 });
  assert.deepEqual(layer.forward(x).shape, [2, 3, 5, 5]);
  assert.equal(layer.toString(), "FractionalMaxPool2d(kernel_size=3, output_size=5)");
  assert.throws(() => new nn.FractionalMaxPool2d(2), /either an outputSize/);
  assert.throws(() => new nn.FractionalMaxPool2d(2, { outputRatio: 1.5 }), /between 0 and 1/);
  assert.throws(() => F.fractionalMaxPool2d(x, 2), /either an outputSize or an outputRatio/);
  assert.throws(() => F.fractionalMaxPool2d(x, 4, { outputSize: 14 }), /pool height 4 too large relative to input height 16/);
  assert.throws(() => F.fractionalMaxPool2d(x, 2, { outputSize: 4, randomSamples: randn([1, 3, 2]) }), /randomSamples must have shape \[2, 3, 2\]/);
  assert.throws(() => F.fractionalMaxPool2d(randn([16, 16]), 2, { outputSize: 4 }), /3-d .* or 4-d/);
});

test("stochasticDepth / dropPath: row and batch modes, scaling, eval identity, seeded", () => {
  const x = ones([2000, 3]);
  manualSeed(1);
  const y = F.stochasticDepth(x, 0.25, "row");
  const rows = y.toArray();
  let kept = 0;
  for (let r = 0; r < 2000; r++) {
    const v = rows[3 * r];
    assert.ok(v === 0 || Math.abs(v - 1 / 0.75) < 1e-6, `row ${r} is 0 or 1/(1-p)`);
    assert.equal(rows[3 * r + 1], v, "a whole row shares one draw");
    if (v !== 0) kept++;
  }
  assert.ok(Math.abs(kept / 2000 - 0.75) < 0.04, `about 75% rows kept, got ${kept / 2000}`);
  manualSeed(1);
  assert.deepEqual([...F.dropPath(x, 0.25).toArray()], [...rows], "dropPath is row-mode stochastic depth, same seed same mask");
  const b = F.stochasticDepth(x, 0.5, "batch").toArray();
  assert.ok(b.every((v) => v === b[0]) && (b[0] === 0 || b[0] === 2), "batch mode: one draw for everything");
  assert.equal(F.stochasticDepth(x, 0.5, "row", false), x, "identity when not training");
  const layer = new nn.StochasticDepth(0.3, "row");
  assert.equal(layer.eval().forward(x), x);
  assert.equal(layer.toString(), "StochasticDepth(p=0.3, mode=row)");
  assert.throws(() => F.stochasticDepth(x, 1.5, "row"), /between 0 and 1/);
  assert.throws(() => F.stochasticDepth(x, 0.5, "col" as "row"), /'batch' or 'row'/);
  assert.throws(() => new nn.StochasticDepth(-0.1), /between 0 and 1/);
  assert.deepEqual([...F.stochasticDepth(x, 1, "row").toArray()].every((v) => v === 0), true, "p = 1 drops everything");
  // Gradient with a fixed mask: reseed before each evaluation.
  assertGradcheck((t: Tensor) => { manualSeed(5); return F.stochasticDepth(t, 0.5, "row"); }, [randn([6, 2], { dtype: "float64" })]);
});

test("DropConnectLinear: random weight masks in training, plain Linear in eval, gradcheck, same keys", () => {
  manualSeed(2);
  const fc = new nn.DropConnectLinear(40, 30, { p: 0.5 });
  assert.deepEqual(Object.keys(fc.stateDict()), ["weight", "bias"]);
  const x = randn([4, 40]);
  const ref = F.linear(x, fc.weight, fc.bias);
  assertClose(fc.eval().forward(x), ref.detach());
  fc.train();
  manualSeed(11);
  const y1 = fc.forward(x);
  manualSeed(11);
  const y2 = fc.forward(x);
  assert.deepEqual([...y1.toArray()], [...y2.toArray()], "same seed, same mask");
  assert.notDeepEqual([...y1.toArray()], [...ref.toArray()]);
  // Expected value of the masked weight is the weight (inverted scaling): average many masks.
  const w = ones([1, 400]);
  let acc = 0;
  for (let i = 0; i < 50; i++) acc += F.dropConnectLinear(ones([1, 400]), w, null, 0.5, true).item();
  assert.ok(Math.abs(acc / 50 / 400 - 1) < 0.02, `mean of scaled masks ≈ 1, got ${acc / 50 / 400}`);
  // Gradient flows only through kept weights: check numerically with a fixed mask.
  const wt = randn([3, 5], { dtype: "float64" }), bt = randn([3], { dtype: "float64" });
  assertGradcheck((xx: Tensor, ww: Tensor, bb: Tensor) => { manualSeed(9); return F.dropConnectLinear(xx, ww, bb, 0.4, true); }, [randn([2, 5], { dtype: "float64" }), wt, bt]);
  assert.match(fc.toString(), /DropConnectLinear\(in_features=40, out_features=30, bias=True, p=0.5\)/);
  assert.throws(() => new nn.DropConnectLinear(3, 4, { p: 2 }), /between 0 and 1/);
});

test("Ensemble averages the members' softmax predictions", () => {
  manualSeed(4);
  const a = new nn.Linear(5, 3), b = new nn.Linear(5, 3);
  const ens = new nn.Ensemble([a, b]);
  const x = randn([4, 5]);
  const pa = F.softmax(a.forward(x), 1), pb = F.softmax(b.forward(x), 1);
  const avg = pa.add(pb).div(2);
  assertClose(ens.forward(x).exp(), avg.detach());
  assertClose(new nn.Ensemble([a, b], { output: "probs" }).forward(x), avg.detach());
  assert.deepEqual(Object.keys(ens.stateDict()), ["members.0.weight", "members.0.bias", "members.1.weight", "members.1.bias"]);
  // log-probabilities work with crossEntropy: −log p̄[y].
  const y = tensor([0, 1, 2, 0], { dtype: "int32" });
  const ce = F.crossEntropy(ens.forward(x), y).item();
  const manual = -[0, 1, 2, 0].reduce((s, c, i) => s + Math.log(avg.toArray()[i * 3 + c]), 0) / 4;
  assert.ok(Math.abs(ce - manual) < 1e-5);
  ens.eval();
  assert.equal(a.training, false, "eval() reaches the members");
  assert.throws(() => new nn.Ensemble([]), /at least one model/);
});
