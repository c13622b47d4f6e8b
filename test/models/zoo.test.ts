// The zoo: registry, torchvision's parameter counts and state-dict keys for every model it has,
// the issue's numbers, and forward + backward of every architecture on a small batch.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { models, randn, manualSeed, noGrad, F, nn, tensor } from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { loadFixture } from "../helpers.js";
import { HEAVY_SKIP, hashStateDict, heavy, keyLines, member } from "./util.js";

const fx = loadFixture("models");

/** torchvision name → the Kestrel model (built without init: only structure matters here). */
const TV_NAME: Record<string, () => nn.Module> = {
  googlenet_aux: () => models.googlenet({ auxLogits: true }),
};
const build = (name: string): nn.Module => models.skipInit(() => (TV_NAME[name] ?? (() => models.create(name)))());

test("registry: list() names, create() by name (case/dash-insensitive), unknown names teach", () => {
  const names = models.list();
  for (const n of ["simple_cnn", "lenet5", "alexnet", "alexnet_original", "zfnet", "vgg16_bn", "googlenet", "resnet18", "resnet152",
    "resnet20", "resnet110", "resnet110_sd", "preact_resnet164", "wrn28_10", "densenet121", "densenet_bc", "squeezenet1_1", "fractalnet"]) {
    assert.ok(names.includes(n), `list() lacks ${n}`);
  }
  assert.deepEqual(names, [...names].sort());
  assert.ok(models.create("ResNet-20", { inChannels: 1 }) instanceof models.CifarResNet);
  assert.ok(models.create("simplecnn") instanceof models.SimpleCNN);
  assert.throws(() => models.create("resnet21"), /unknown model "resnet21"; did you mean .*resnet20/);
  assert.throws(() => models.register("resnet18", () => new nn.Identity()), /already registered/);
  assert.throws(() => models.resnet20({ depth: 21 } as never), /6n \+ 2/);
  assert.throws(() => models.simpleCnn({ inputSize: 30 }), /divisible by 4/);
  assert.throws(() => models.lenet5({ numClasses: 0 }), /numClasses must be an integer ≥ 1/);
});

test("simple_cnn: the reference CNN's layout, keys and shapes for 28×28×1 and 32×32×3", () => {
  const m = models.simpleCnn();
  assert.deepEqual(Object.keys(m.stateDict()).filter((k) => k.endsWith("weight")),
    ["features.0.weight", "features.1.weight", "features.4.weight", "features.5.weight", "classifier.0.weight", "classifier.3.weight"]);
  assert.deepEqual(member(m.classifier.at(0), "weight").shape, [128, 64 * 7 * 7]);
  assert.equal(m.numParameters(), 320 + 64 + 18496 + 128 + 3136 * 128 + 128 + 1290);
  const c = models.create("simple_cnn", { inChannels: 3, inputSize: 32, numClasses: 100 });
  assert.deepEqual((c.forward(randn([2, 3, 32, 32])) as Tensor).shape, [2, 100]);
});

test("parameter counts: every torchvision model equals torchvision's (and the issue's numbers)", () => {
  const issue: Record<string, number> = {
    vgg16: 138_357_544, resnet50: 25_557_032, resnet18: 11_689_512, googlenet: 6_624_904, squeezenet1_1: 1_235_496, densenet121: 7_978_856,
  };
  for (const [name, n] of Object.entries(issue)) assert.equal(fx.counts[name], n, `fixture ${name}`);
  for (const [name, n] of Object.entries(fx.counts as Record<string, number>)) {
    assert.equal(build(name).numParameters(), n, name);
  }
});

test("state-dict keys and shapes: identical to torchvision's, in order, for every torchvision model", () => {
  for (const [name, k] of Object.entries(fx.keys as Record<string, { sha256: string; count: number; list: string[] | null }>)) {
    const lines = keyLines(build(name));
    if (k.list) assert.deepEqual(lines, k.list, name);
    assert.equal(lines.length, k.count, `${name}: number of keys`);
    assert.equal(createHash("sha256").update(lines.join("\n")).digest("hex"), k.sha256, `${name}: keys/shapes differ from torchvision's`);
  }
});

test("counts from the papers: CIFAR ResNets (option A), WRN, DenseNet-BC, pre-activation, AlexNet conv1", () => {
  const count = (m: nn.Module): number => m.numParameters();
  assert.equal(count(models.resnet20()), 269_722); // 0.27M
  assert.equal(count(models.resnet56()), 853_018); // 0.85M
  assert.equal(count(build("resnet110")), 1_727_962); // 1.7M
  assert.equal(count(models.resnet20({ shortcut: "B" })), 269_722 + (16 * 32 + 64) + (32 * 64 + 128));
  assert.equal(Math.round(count(build("wrn28_10")) / 1e5) / 10, 36.5);
  assert.equal(Math.round(count(build("wrn40_4")) / 1e5) / 10, 8.9);
  assert.equal(Math.round(count(build("wrn16_4")) / 1e5) / 10, 2.7);
  assert.equal(Math.round(count(build("densenet_bc")) / 1e5) / 10, 0.8);
  assert.equal(Math.round(count(build("preact_resnet164")) / 1e5) / 10, 1.7);
  assert.equal(Math.round(count(build("preact_resnet1001")) / 1e5) / 10, 10.3);
  const alex = models.skipInit(() => models.alexnetOriginal());
  const conv1 = alex.features.at(0) as nn.Conv2d;
  assert.equal(conv1.numParameters(), 34_944);
  const y = noGrad(() => models.truncateAt(alex, "features.0").forward(randn([1, 3, 227, 227]))) as Tensor;
  assert.deepEqual(y.shape, [1, 96, 55, 55]);
  assert.equal(count(models.skipInit(() => models.alexnetOriginal({ grouped: true }))), 60_965_224);
});

test("initialisation follows torchvision: ResNet fan-out He normal, zero-init residual, VGG/SqueezeNet/GoogLeNet rules", () => {
  manualSeed(0);
  const std = (t: Tensor): number => Math.sqrt((t.square().mean().item()));
  const r = models.resnet18({ numClasses: 10, zeroInitResidual: true, inputSize: 32 });
  const w = member(r.layer3.at(0), "conv2").weight as Tensor; // [256, 256, 3, 3], fan_out = 256·9
  assert.ok(Math.abs(std(w) / Math.sqrt(2 / (256 * 9)) - 1) < 0.02);
  assert.equal(member(r.layer1.at(0), "bn2").weight.abs().sum().item(), 0);
  assert.equal(r.bn1.weight!.sum().item(), 64);
  const v = models.vgg11({ numClasses: 10, hidden: 64, poolSize: 1 });
  assert.ok(Math.abs(std(member(v.classifier.at(3), "weight")) / 0.01 - 1) < 0.1);
  assert.equal(member(v.features.at(0), "bias").abs().sum().item(), 0);
  const s = models.squeezenet1_1({ numClasses: 10 });
  assert.ok(Math.abs(std(member(s.classifier.at(1), "weight")) / 0.01 - 1) < 0.1);
  const g = models.googlenet({ numClasses: 10, inputSize: 32 });
  const gw = member(g.inception4a.branch2.at(1), "conv").weight as Tensor;
  // trunc_normal_(std=0.01, a=-2, b=2): the bounds are absolute (±200σ), so it is a plain N(0, 0.01²).
  assert.ok(Math.abs(std(gw) / 0.01 - 1) < 0.05);
});

// ---- forward + backward -----------------------------------------------------------------------------

/** One training step's worth: forward in train mode, cross-entropy, backward; every trainable parameter gets a finite grad. */
function step(name: string, model: nn.Module, shape: number[], numClasses: number, allowNoGrad = false): void {
  model.train();
  const x = randn(shape);
  const out = model.forward(x) as Tensor | { logits: Tensor; auxLogits1: Tensor; auxLogits2: Tensor };
  const logits = "logits" in out ? out.logits : out;
  assert.deepEqual(logits.shape, [shape[0], numClasses], name);
  const target = tensor(Array.from({ length: shape[0] }, (_, i) => i % numClasses), { dtype: "int32" });
  let loss = F.crossEntropy(logits, target);
  if ("logits" in out) loss = loss.add(F.crossEntropy(out.auxLogits1, target).mul(0.3)).add(F.crossEntropy(out.auxLogits2, target).mul(0.3));
  assert.ok(Number.isFinite(loss.item()), `${name}: loss ${loss.item()}`);
  loss.backward();
  const params = model.namedParameters();
  const noGradParams = params.filter(([, p]) => p.grad === null).map(([n]) => n);
  if (!allowNoGrad) assert.deepEqual(noGradParams, [], `${name}: parameters without grad`);
  for (const [n, p] of params) {
    if (p.grad === null) continue;
    const s = p.grad.abs().sum().item();
    assert.ok(Number.isFinite(s), `${name}: ${n} grad not finite`);
  }
  model.eval();
  const y = noGrad(() => model.forward(x)) as Tensor;
  assert.deepEqual(y.shape, [shape[0], numClasses]);
}

// Small models at their natural sizes (every backend).
const LIGHT: [string, () => nn.Module, number[], number][] = [
  ["simple_cnn 1×28×28", () => models.simpleCnn(), [2, 1, 28, 28], 10],
  ["lenet5 1×32×32", () => models.lenet5(), [2, 1, 32, 32], 10],
  ["lenet5 1×28×28 tanh/avg", () => models.lenet5({ inputSize: 28, activation: "tanh", pool: "avg" }), [2, 1, 28, 28], 10],
  ["resnet20 3×32×32", () => models.resnet20(), [2, 3, 32, 32], 10],
  ["resnet20 1×28×28 option B", () => models.resnet20({ inChannels: 1, shortcut: "B" }), [2, 1, 28, 28], 10],
  ["resnet32 stochastic depth", () => models.resnet32({ stochasticDepth: 0.5 }), [2, 3, 32, 32], 10],
  ["preact_resnet20", () => models.preactResnet20(), [2, 3, 32, 32], 10],
  ["preact bottleneck depth 29", () => models.preactResnet({ depth: 29, bottleneck: true, inChannels: 1 }), [2, 1, 28, 28], 10],
  ["wrn-10-2 with dropout", () => models.wideResnet({ depth: 10, widenFactor: 2, dropRate: 0.3 }), [2, 3, 32, 32], 10],
  ["densenet-bc-22 k=8", () => models.densenetBC({ depth: 22, growthRate: 8, dropRate: 0.1 }), [2, 3, 32, 32], 10],
  ["fractalnet C=3 narrow, no drop-path", () => models.fractalnet({ channels: [8, 8, 16, 16, 16], dropPath: 0, globalRatio: 0 }), [2, 3, 32, 32], 10],
  ["fractalnet C=4 1×28×28, no drop-path", () => models.fractalnet({ numColumns: 4, inChannels: 1, inputSize: 28, channels: [8, 8, 8, 8], dropPath: 0, globalRatio: 0 }), [2, 1, 28, 28], 10],
  ["inception modules", () => new nn.Sequential(new models.NaiveInception(3, 4, 4, 4), new models.Inception(15, 4, 2, 4, 2, 4, 4),
    new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(16, 10)), [2, 3, 16, 16], 10],
  ["squeezenet1_1 3×32×32", () => models.squeezenet1_1({ numClasses: 10 }), [2, 3, 32, 32], 10],
];
for (const [name, make, shape, nc] of LIGHT) {
  test(`forward+backward: ${name}`, () => {
    manualSeed(1);
    step(name, make(), shape, nc);
  });
}

// ImageNet models at their natural size (224; AlexNet-original 227), batch 1, torchvision's init.
const NATURAL: [string, () => nn.Module, number][] = [
  ["googlenet (aux)", () => models.googlenet({ auxLogits: true, numClasses: 10 }), 224],
  ["resnet18", () => models.resnet18({ numClasses: 10 }), 224],
  ["densenet121", () => models.densenet121({ numClasses: 10 }), 224],
  ["squeezenet1_0", () => models.squeezenet1_0({ numClasses: 10 }), 224],
  ["squeezenet1_1", () => models.squeezenet1_1({ numClasses: 10 }), 224],
];
for (const [name, make, size] of NATURAL) {
  test(`forward+backward: ${name} 3×${size}×${size}`, { skip: heavy() ? false : HEAVY_SKIP }, () => {
    manualSeed(2);
    step(name, make(), [1, 3, size, size], 10);
  });
}

// The largest models: full width, hash-filled weights (a random init of 100M+ parameters is slow), small inputs.
const LARGE: [string, () => nn.Module, number[], number][] = [
  ["alexnet 3×224×224", () => models.alexnet({ numClasses: 10 }), [1, 3, 224, 224], 10],
  ["alexnet_original 3×227×227 (grouped)", () => models.alexnetOriginal({ numClasses: 10, grouped: true }), [1, 3, 227, 227], 10],
  ["zfnet 3×224×224", () => models.zfnet({ numClasses: 10 }), [1, 3, 224, 224], 10],
  ["resnet50 3×128×128", () => models.resnet50({ numClasses: 10 }), [1, 3, 128, 128], 10],
  ["vgg11_bn 3×32×32 (hidden 512)", () => models.vgg11Bn({ numClasses: 10, hidden: 512 }), [2, 3, 32, 32], 10],
  ["vgg19 3×32×32 (hidden 512)", () => models.vgg19({ numClasses: 10, hidden: 512 }), [1, 3, 32, 32], 10],
  ["resnet152 3×32×32", () => models.resnet152({ numClasses: 10 }), [2, 3, 32, 32], 10],
  ["densenet201 3×64×64", () => models.densenet201({ numClasses: 10 }), [1, 3, 64, 64], 10],
  ["googlenet 1×28×28 small-input stem", () => models.googlenet({ numClasses: 10, inChannels: 1, inputSize: 28 }), [1, 1, 28, 28], 10],
  ["resnet18 1×28×28 small-input stem", () => models.resnet18({ numClasses: 10, inChannels: 1, inputSize: 28 }), [2, 1, 28, 28], 10],
  ["densenet121 3×32×32 small-input stem", () => models.densenet121({ numClasses: 10, inputSize: 32 }), [1, 3, 32, 32], 10],
  ["resnet110 with stochastic depth", () => models.resnetStochasticDepth(), [2, 3, 32, 32], 10],
  ["wrn16_4", () => models.wrn16_4(), [1, 3, 32, 32], 10],
  ["densenet_bc (100, 12)", () => models.densenetBC(), [1, 3, 32, 32], 10],
];
for (const [name, make, shape, nc] of LARGE) {
  test(`forward+backward: ${name}`, { skip: heavy() ? false : HEAVY_SKIP }, () => {
    manualSeed(3);
    const m = models.skipInit(make);
    m.loadStateDict(hashStateDict(m, 4e6));
    step(name, m, shape, nc);
  });
}

test("fractalnet (paper's CIFAR widths 64-512, B=5, C=3) forward+backward with drop-path on", { skip: heavy() ? false : HEAVY_SKIP }, () => {
  manualSeed(5);
  const m = models.skipInit(() => models.fractalnet());
  m.loadStateDict(hashStateDict(m, 4e6));
  step("fractalnet", m, [1, 3, 32, 32], 10, true); // drop-path leaves dropped columns without grads
  assert.ok(m.fc.weight.grad !== null);
});

test("small-input stems: AlexNet/ZFNet/VGG/GoogLeNet/ResNet/DenseNet/SqueezeNet run on 1×28×28 and 3×32×32", { skip: heavy() ? false : HEAVY_SKIP }, () => {
  for (const [inC, size] of [[1, 28], [3, 32]]) {
    const o = { numClasses: 10, inChannels: inC, inputSize: size };
    for (const make of [models.alexnet, models.alexnetOriginal, models.zfnet, models.googlenet, models.resnet34, models.densenet169, models.squeezenet1_0]) {
      const m = models.skipInit(() => make(o)).eval();
      const y = noGrad(() => m.forward(randn([1, inC, size, size]))) as Tensor;
      assert.deepEqual(y.shape, [1, 10], make.name);
    }
    const v = models.skipInit(() => models.vgg16({ ...o, hidden: 64 })).eval();
    assert.deepEqual((noGrad(() => v.forward(randn([1, inC, size, size]))) as Tensor).shape, [1, 10]);
  }
});

test("fractalnet drop-path: global mode trains one column; local mode keeps ≥ 1 input per join; eval uses all", () => {
  manualSeed(4);
  const m = models.fractalnet({ numColumns: 3, channels: [4, 4], numBlocks: 2, inputSize: 8 });
  const x = randn([2, 3, 8, 8]);
  const colGrads = (col: number): boolean[] => {
    m.zeroGrad();
    (m.forwardWithPlan(x, { kind: "global", column: col, p: 0 }) as Tensor).sum().backward();
    const b0 = m.blocks.at(0) as models.FractalBlock;
    return [0, 1, 2].map((c) => member((b0.columns.at(c) as nn.ModuleList).at(0), "conv").weight.grad !== null);
  };
  assert.deepEqual(colGrads(0), [true, false, false]);
  assert.deepEqual(colGrads(2), [false, false, true]);
  // The global path through column 2 alone equals composing its convs and the pools by hand.
  m.eval();
  const b0 = m.blocks.at(0) as models.FractalBlock, b1 = m.blocks.at(1) as models.FractalBlock;
  const deep = (b: models.FractalBlock, h: Tensor): Tensor => { for (const c of b.columns.at(2) as nn.ModuleList) h = c.forward(h); return h; };
  const byHand = noGrad(() => m.fc.forward(F.adaptiveAvgPool2d(F.maxPool2d(deep(b1, F.maxPool2d(deep(b0, x), 2)), 2), 1).flatten(1)));
  const viaPlan = noGrad(() => m.forwardWithPlan(x, { kind: "global", column: 2, p: 0 }));
  assert.ok(byHand.sub(viaPlan).abs().max().item() < 1e-6);
  // Eval: every join is the mean of its inputs (a one-column block is just its conv).
  const one = models.fractalnet({ numColumns: 1, channels: [4], numBlocks: 1, inputSize: 4 }).eval();
  const blk = one.blocks.at(0) as models.FractalBlock;
  const z = randn([1, 3, 4, 4]);
  assert.ok(noGrad(() => blk.forward(z).sub((blk.columns.at(0) as nn.ModuleList).at(0).forward(z)).abs().max().item()) === 0);
  const two = models.fractalnet({ numColumns: 2, channels: [4], numBlocks: 1, inputSize: 4 }).eval();
  const b2 = two.blocks.at(0) as models.FractalBlock;
  const c0 = b2.columns.at(0) as nn.ModuleList, c1 = b2.columns.at(1) as nn.ModuleList;
  const expect = noGrad(() => c0.at(0).forward(z).add(c1.at(1).forward(c1.at(0).forward(z))).mul(0.5));
  assert.ok(noGrad(() => b2.forward(z).sub(expect).abs().max().item()) < 1e-6);
  // Local drop-path with p = 1 still keeps one input per join (never an empty join).
  const loc = models.fractalnet({ numColumns: 3, channels: [4], numBlocks: 1, inputSize: 4, dropPath: 1, globalRatio: 0 });
  const out = loc.forward(z) as Tensor;
  assert.ok(Number.isFinite(out.sum().item()));
  assert.throws(() => models.fractalnet({ channels: [8] }), /channels must list 5 widths/);
});
