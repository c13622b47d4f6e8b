// The course's first sanity check: a small network must drive the training loss to ~0 and
// reach 100% training accuracy on a tiny real dataset. If it cannot, something is broken.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randn, zeros, manualSeed, noGrad, F, nn, optim } from "../../src/index.js";
import { loadTinyFashion } from "./tiny_fashion.js";

test("two-layer net from raw tensors and autograd overfits 100 Fashion-MNIST images", () => {
  manualSeed(0);
  const { x, y } = loadTinyFashion();
  const w1 = randn([784, 64]).mul(Math.sqrt(2 / 784)).requiresGrad_();
  const b1 = zeros([64], { requiresGrad: true });
  const w2 = randn([64, 10]).mul(Math.sqrt(2 / 64)).requiresGrad_();
  const b2 = zeros([10], { requiresGrad: true });
  const params = [w1, b1, w2, b2];
  let loss = Infinity;
  for (let step = 0; step < 400; step++) {
    const logits = x.matmul(w1).add(b1).relu().matmul(w2).add(b2);
    const l = logits.logSoftmax(1).gather(1, y.unsqueeze(1)).mean().neg();
    for (const p of params) p.grad = null;
    l.backward();
    noGrad(() => { for (const p of params) p.sub_(p.grad!.mul(0.2)); });
    loss = l.item();
  }
  const acc = noGrad(() => x.matmul(w1).add(b1).relu().matmul(w2).add(b2).argmax(1).eq(y).float().mean().item());
  assert.equal(acc, 1, `training accuracy ${acc}, loss ${loss}`);
  assert.ok(loss < 0.05, `training loss ${loss}`);
});

test("nn.Sequential two-layer net with SGD+momentum and cross-entropy overfits the same set", () => {
  manualSeed(1);
  const { x, y } = loadTinyFashion();
  const model = new nn.Sequential(new nn.Linear(784, 64), new nn.ReLU(), new nn.Linear(64, 10));
  const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  let loss = Infinity;
  for (let step = 0; step < 150; step++) {
    const l = F.crossEntropy(model.forward(x), y);
    opt.zeroGrad();
    l.backward();
    opt.step();
    loss = l.item();
  }
  model.eval();
  const acc = noGrad(() => model.forward(x).argmax(1).eq(y).float().mean().item());
  assert.equal(acc, 1, `training accuracy ${acc}, loss ${loss}`);
  assert.ok(loss < 0.05, `training loss ${loss}`);
});
