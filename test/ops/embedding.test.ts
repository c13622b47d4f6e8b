import { test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, tensor, randn, autograd, manualSeed, enableGrad } from "../../src/index.js";
import type { DType } from "../../src/index.js";
import { loadFixture, T, assertClose, assertGradcheck } from "../helpers.js";

const fx = loadFixture("norm_resize").emb;
const DTYPES: DType[] = ["float64", "float32"];
const idx = T(fx.index);

test("embedding: outputs and weight gradients match PyTorch (plain, paddingIdx, negative paddingIdx, scaleGradByFreq)", () => {
  const cases: [string, F.EmbeddingOptions][] = [["plain", {}], ["padding", { paddingIdx: 2 }], ["paddingNeg", { paddingIdx: -1 }], ["freq", { scaleGradByFreq: true }]];
  for (const [name, opts] of cases) {
    for (const dtype of DTYPES) {
      const c = fx[name];
      const w = T(c.inputs[0], { dtype, requiresGrad: true });
      const y = F.embedding(idx, w, opts);
      assert.deepEqual(y.shape, [2, 3, 3]);
      assertClose(y, c.out, { msg: `${name} ${dtype} out` });
      y.backward(T(c.g, { dtype }));
      assertClose(w.grad!, c.grads[0], { msg: `${name} ${dtype} grad` });
    }
  }
  // The padding row really gets zero gradient although it is looked up twice.
  const w = randn([10, 3]).requiresGrad_();
  F.embedding(idx, w, { paddingIdx: 2 }).sum().backward();
  assert.deepEqual([...w.grad!.narrow(0, 2, 1).toArray()], [0, 0, 0]);
});

test("embedding: maxNorm renormalises looked-up rows in place, like PyTorch", () => {
  for (const [name, opts] of [["maxNorm", { maxNorm: 1.5 }], ["maxNormL1", { maxNorm: 2, normType: 1 }]] as const) {
    for (const dtype of DTYPES) {
      const w = T(fx[name].weight0, { dtype });
      const v = w._version.v;
      const y = F.embedding(idx, w, opts);
      assertClose(y, fx[name].out, { msg: `${name} ${dtype} out` });
      assertClose(w, fx[name].weightAfter, { msg: `${name} ${dtype} weight after renorm` });
      assert.ok(w._version.v > v, "the in-place renorm bumps the weight's version");
    }
  }
});

test("embedding: gradcheck (any index shape) and double backward", () => {
  manualSeed(6);
  const i3 = tensor([[[0, 3]], [[3, 1]]], { dtype: "int32" });
  assertGradcheck((w) => F.embedding(i3, w), [randn([4, 2])]);
  // paddingIdx and scaleGradByFreq deliberately differ from the true derivative (as in PyTorch),
  // so they are checked against the fixtures above, not by finite differences.
  assertGradcheck((w) => F.embedding(tensor(2, { dtype: "int32" }), w), [randn([4, 2])]);
  const g = randn([2, 1, 2, 2]).double();
  assertGradcheck((w) => enableGrad(() => {
    const y = F.embedding(i3, w);
    return autograd.grad(y.mul(y).mul(g).sum(), [w], { createGraph: true })[0]!;
  }), [randn([4, 2])]);
});

test("embedding: errors name the index and the number of embeddings", () => {
  const w = randn([5, 2]);
  assert.throws(() => F.embedding(tensor([1, 5], { dtype: "int32" }), w), /index 5 is out of range for 5 embeddings \(weight shape \[5, 2\]\)/);
  assert.throws(() => F.embedding(tensor([-1], { dtype: "int32" }), w), /index -1 is out of range for 5 embeddings/);
  assert.throws(() => F.embedding(tensor([1.0]), w), /input \(indices\) must be int32, got float32/);
  assert.throws(() => F.embedding(tensor([1], { dtype: "int32" }), randn([5])), /weight must be 2-d \[numEmbeddings, dim\], got shape \[5\]/);
  assert.throws(() => F.embedding(tensor([1], { dtype: "int32" }), w, { paddingIdx: 5 }), /paddingIdx must be within numEmbeddings \(5\), got 5/);
  assert.throws(() => F.embedding(tensor([1], { dtype: "int32" }), w, { paddingIdx: -6 }), /got -6/);
  assert.ok(F.embedding(tensor([], { dtype: "int32" }), w) instanceof Tensor);
  assert.deepEqual(F.embedding(tensor([], { dtype: "int32" }), w).shape, [0, 2]);
});
