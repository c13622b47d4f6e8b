// A small CNN of nested Sequentials against PyTorch (test/fixtures/gen_nn.py): state-dict keys
// and order, strict loading, train/eval outputs, cross-entropy gradients of every parameter,
// running statistics (momentum 0.1 and momentum null) and the printed summary.

import { test } from "node:test";
import assert from "node:assert/strict";
import { nn, F, noGrad, Tensor } from "../../src/index.js";
import type { DType } from "../../src/index.js";
import { loadFixture, T, assertClose, type FixtureTensor } from "../helpers.js";

const fx = loadFixture("nn").cnn;

function buildCnn(): nn.Sequential {
  return new nn.Sequential(
    new nn.Sequential(new nn.Conv2d(3, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2)),
    new nn.Sequential(new nn.Conv2d(4, 6, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(6, { momentum: null }), new nn.ReLU(),
      new nn.AdaptiveAvgPool2d(1)),
    new nn.Flatten(),
    new nn.Sequential(new nn.Linear(6, 5), new nn.Dropout(0.0), new nn.Linear(5, 3)),
  );
}

function state(entries: [string, FixtureTensor][], dtype: DType): Record<string, Tensor> {
  return Object.fromEntries(entries.map(([k, v]) => [k, v.dtype === "int32" ? T(v) : T(v, { dtype })]));
}

test("CNN: same state-dict keys in the same order as PyTorch, and the same repr", () => {
  const model = buildCnn();
  assert.deepEqual(Object.keys(model.stateDict()), fx.state.map((e: [string]) => e[0]));
  assert.equal(String(model), fx.repr);
});

for (const dtype of ["float64", "float32"] as DType[]) {
  test(`CNN: train/eval outputs, gradients and running stats match PyTorch (${dtype})`, () => {
    const tol = dtype === "float64" ? {} : { rtol: 1e-5, atol: 1e-6 };
    const model = buildCnn().to(dtype);
    const res = model.loadStateDict(state(fx.state, dtype));
    assert.deepEqual(res, { missingKeys: [], unexpectedKeys: [] });
    model.train();
    noGrad(() => model.forward(T(fx.x_warm, { dtype })));
    const out = model.forward(T(fx.x, { dtype })) as Tensor;
    assertClose(out, T(fx.out_train, { dtype }), { ...tol, msg: "train output" });
    const loss = F.crossEntropy(out, T(fx.y));
    assertClose(loss, T(fx.loss, { dtype }), { ...tol, msg: "loss" });
    loss.backward();
    const named = model.namedParameters();
    assert.deepEqual(named.map(([k]) => k), fx.grads.map((e: [string]) => e[0]));
    for (const [k, p] of named) {
      const g = fx.grads.find((e: [string]) => e[0] === k)[1];
      assertClose(p.grad!, T(g, { dtype }), { ...tol, msg: `grad ${k}` });
    }
    const sd = model.stateDict();
    for (const [k, v] of fx.state_after as [string, FixtureTensor][]) {
      assertClose(sd[k], v.dtype === "int32" ? T(v) : T(v, { dtype }), { ...tol, msg: `${k} after two training batches` });
    }
    assert.equal(sd["0.1.num_batches_tracked"].item(), 2);
    model.eval();
    const outEval = noGrad(() => model.forward(T(fx.x, { dtype })) as Tensor);
    assertClose(outEval, T(fx.out_eval, { dtype }), { ...tol, msg: "eval output" });
  });
}
