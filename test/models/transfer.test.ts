// Transfer-learning helpers: freezing by prefix, replacing heads per family, param groups for
// discriminative learning rates, truncation and feature extraction.

import { test } from "node:test";
import assert from "node:assert/strict";
import { models, nn, optim, randn, manualSeed, noGrad, F, tensor } from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { member } from "./util.js";

test("freeze / unfreeze by prefix (dot boundaries), all when omitted; unknown prefixes teach", () => {
  const m = models.resnet20({ numClasses: 10 });
  const frozen = models.freeze(m);
  assert.equal(frozen.length, m.parameters().length);
  assert.equal(m.numParameters(true), 0);
  assert.deepEqual(models.unfreeze(m, ["fc"]), ["fc.weight", "fc.bias"]);
  assert.equal(m.numParameters(true), 64 * 10 + 10);
  models.unfreeze(m, ["layer3.2"]);
  assert.ok(m.namedParameters().filter(([, p]) => p.requiresGrad).every(([n]) => n.startsWith("fc.") || n.startsWith("layer3.2.")));
  assert.equal(models.underPrefix("layer1.0.conv1.weight", "layer1"), true);
  assert.equal(models.underPrefix("layer10.0.conv1.weight", "layer1"), false);
  assert.equal(models.underPrefix("layer10.0.conv1.weight", "layer1"), false);
  assert.throws(() => models.freeze(m, ["layer9"]), /no parameter is under "layer9"; top-level names are conv1, bn1, layer1, layer2, layer3, fc/);
  assert.throws(() => models.freeze(m, "fc" as never), /prefixes must be an array/);
});

test("replaceHead: fc / classifier.6 / classifier / classifier.1 (conv) / last Linear, plus GoogLeNet's aux heads", () => {
  const cases: [string, () => nn.Module, number[], string][] = [
    ["resnet18", () => models.resnet18(), [2, 3, 32, 32], "fc"],
    ["vgg11", () => models.vgg11({ hidden: 32, poolSize: 1 }), [2, 3, 32, 32], "classifier.6"],
    ["densenet_bc", () => models.densenetBC({ depth: 10, growthRate: 4 }), [2, 3, 32, 32], "classifier"],
    ["squeezenet1_1", () => models.squeezenet1_1(), [2, 3, 32, 32], "classifier.1"],
    ["simple_cnn", () => models.simpleCnn(), [2, 1, 28, 28], "classifier.3"],
    ["lenet5", () => models.lenet5(), [2, 1, 32, 32], "classifier.4"],
    ["googlenet", () => models.googlenet({ auxLogits: true, numClasses: 7 }), [2, 3, 32, 32], "fc"],
  ];
  for (const [name, make, shape, head] of cases) {
    const m = models.skipInit(make);
    models.freeze(m);
    const h = models.replaceHead(m, 3);
    assert.equal(models.headName(m), head, name);
    assert.equal(m.getSubmodule(head), h, name);
    assert.ok(h.parameters().every((p) => p.requiresGrad), `${name}: new head trainable`);
    m.eval();
    assert.deepEqual((noGrad(() => m.forward(randn(shape))) as Tensor).shape, [2, 3], name);
    assert.ok(Object.keys(m.stateDict()).includes(`${head}.weight`));
  }
  const g = models.skipInit(() => models.googlenet({ auxLogits: true }));
  models.replaceHead(g, 4);
  assert.equal((g.aux1!.fc2 as nn.Linear).outFeatures, 4);
  const out = g.train().forward(randn([2, 3, 64, 64])) as { logits: Tensor; auxLogits1: Tensor };
  assert.deepEqual(out.auxLogits1.shape, [2, 4]);
  const sq = models.squeezenet1_1();
  const c = models.replaceHead(sq, 5) as nn.Conv2d;
  assert.deepEqual(c.weight.shape, [5, 512, 1, 1]);
  assert.ok(Math.abs(Math.sqrt(c.weight.square().mean().item()) - 0.01) < 0.002);
  assert.equal(c.bias!.abs().sum().item(), 0);
  assert.throws(() => models.replaceHead(models.resnet20(), 0), /numClasses must be an integer ≥ 1/);
});

test("paramGroupsByPrefix: discriminative learning rates, first matching rule wins, rest and frozen handling", () => {
  const m = models.resnet20();
  const groups = models.paramGroupsByPrefix(m, [{ prefix: "fc", lr: 0.1 }, { prefix: "layer3", lr: 0.01, weightDecay: 0 }]);
  assert.equal(groups.length, 3);
  assert.equal(groups[0].lr, 0.1);
  assert.deepEqual(groups[0].params, [m.fc.weight, m.fc.bias]);
  assert.equal(groups[1].lr, 0.01);
  assert.equal(groups[1].weightDecay, 0);
  assert.equal(groups[1].params.length, m.layer3.parameters().length);
  assert.equal(groups[2].lr, undefined);
  assert.equal(groups.reduce((a, g) => a + g.params.length, 0), m.parameters().length);
  const opt = new optim.SGD(groups as never, { lr: 0.001, momentum: 0.9 });
  assert.deepEqual(opt.paramGroups.map((g) => g.lr), [0.1, 0.01, 0.001]);
  models.freeze(m, ["conv1", "bn1", "layer1", "layer2"]);
  const g2 = models.paramGroupsByPrefix(m, [{ prefix: "fc", lr: 0.1 }], { rest: true });
  assert.equal(g2[1].params.length, m.layer3.parameters().length);
  assert.equal(models.paramGroupsByPrefix(m, [{ prefix: "fc", lr: 0.1 }], { rest: false }).length, 1);
  assert.equal(models.paramGroupsByPrefix(m, [{ prefix: "fc", lr: 0.1 }], { includeFrozen: true })[1].params.length,
    m.parameters().length - 2);
  assert.throws(() => models.paramGroupsByPrefix(m, [{ prefix: "head", lr: 1 }]), /no parameter is under "head"/);
});

test("truncateAt / featureExtractor return intermediate activations (and stop early); model.features.forward", () => {
  manualSeed(0);
  const m = models.resnet20().eval();
  const x = randn([2, 3, 32, 32]);
  const t = models.truncateAt(m, "layer2");
  const y = noGrad(() => t.forward(x)) as Tensor;
  assert.deepEqual(y.shape, [2, 32, 16, 16]);
  const byHand = noGrad(() => m.layer2.forward(m.layer1.forward(m.relu.forward(m.bn1.forward(m.conv1.forward(x))))));
  assert.equal(y.sub(byHand).abs().max().item(), 0);
  assert.equal(t.parameters().length, m.parameters().length, "the truncated model shares the parameters");
  let fcCalls = 0;
  m.fc.registerForwardHook(() => { fcCalls++; });
  const fe = models.featureExtractor(m, ["layer1", "layer3.2.conv2"]);
  const feats = noGrad(() => fe.forward(x));
  assert.deepEqual(Object.keys(feats), ["layer1", "layer3.2.conv2"]);
  assert.deepEqual(feats.layer1.shape, [2, 16, 32, 32]);
  assert.deepEqual(feats["layer3.2.conv2"].shape, [2, 64, 8, 8]);
  assert.equal(fcCalls, 0, "computation stops after the last requested layer");
  const full = noGrad(() => m.forward(x)) as Tensor;
  assert.equal(fcCalls, 1, "hooks are removed; the model runs normally");
  assert.deepEqual(full.shape, [2, 10]);
  assert.throws(() => models.truncateAt(m, "layer7"), /has no layer "layer7"; top-level layers are conv1, bn1, relu, layer1/);
  // Feature extraction works with gradients too (fine-tuning a truncated backbone).
  const tg = models.truncateAt(m.train(), "layer1");
  (tg.forward(x) as Tensor).sum().backward();
  assert.ok(m.conv1.weight.grad !== null && member(m.layer2.at(0), "conv1").weight.grad === null);
  // torchvision-style .features
  const v = models.vgg11({ hidden: 16, poolSize: 1, inputSize: 16 }).eval();
  assert.deepEqual((noGrad(() => v.features.forward(randn([1, 3, 16, 16]))) as Tensor).shape, [1, 512, 1, 1]);
  assert.deepEqual((noGrad(() => models.resnet18().eval().forwardFeatures(randn([1, 3, 64, 64])))).shape, [1, 512, 2, 2]);
});

test("fine-tuning the head only: an SGD step changes fc and nothing frozen", () => {
  manualSeed(1);
  const m = models.resnet20({ inChannels: 1 });
  models.freeze(m);
  models.replaceHead(m, 2);
  m.eval(); // frozen BN statistics too
  const before = member(m.layer1.at(0), "conv1").weight.clone();
  const fcBefore = m.fc.weight.clone();
  const opt = new optim.SGD(m.parameters().filter((p) => p.requiresGrad), { lr: 0.1 });
  const loss = F.crossEntropy(m.forward(randn([4, 1, 28, 28])), tensor([0, 1, 0, 1], { dtype: "int32" }));
  loss.backward();
  opt.step();
  assert.equal(member(m.layer1.at(0), "conv1").weight.sub(before).abs().max().item(), 0);
  assert.ok(m.fc.weight.sub(fcBefore).abs().max().item() > 0);
  assert.equal(member(m.layer1.at(0), "conv1").weight.grad, null);
});
