// models.summary: per-layer rows, parameter totals, and multiply-adds counted as the papers do,
// checked against hooks on torchvision (gen_models.py) and the course's Inception example.

import { test } from "node:test";
import assert from "node:assert/strict";
import { models } from "../../src/index.js";
import type { nn } from "../../src/index.js";
import { loadFixture } from "../helpers.js";
import { HEAVY_SKIP, heavy } from "./util.js";

const fx = loadFixture("models");

test("summary: the course's Inception example, naive vs 1×1 bottlenecks on 28×28×256", { skip: heavy() ? false : HEAVY_SKIP }, () => {
  const naive = models.summary(models.naiveInceptionExample(), [256, 28, 28]);
  // [1×1, 128] 28·28·128·256 + [3×3, 192] 28·28·192·9·256 + [5×5, 96] 28·28·96·25·256 = 854M, as the course states.
  assert.equal(naive.totalMacs, 28 * 28 * (128 * 256 + 192 * 9 * 256 + 96 * 25 * 256));
  assert.equal(naive.totalMacs, 854_196_224);
  assert.deepEqual(naive.outputShape, [1, 672, 28, 28]);
  const bott = models.summary(models.bottleneckInceptionExample(), [256, 28, 28]);
  // The course's own per-layer terms: 1×1 64, 1×1 64, 1×1 128 (on 256), 3×3 192 and 5×5 96 (on 64), pool-proj 1×1 64.
  const terms = 28 * 28 * (64 * 256 + 64 * 256 + 128 * 256 + 192 * 9 * 64 + 96 * 25 * 64 + 64 * 256);
  assert.equal(bott.totalMacs, terms);
  // Those terms sum to 271M; the slide's "358M" total does not match its own terms (an arithmetic slip).
  assert.equal(bott.totalMacs, 271_351_808);
  assert.deepEqual(bott.outputShape, [1, 480, 28, 28]);
  assert.ok(naive.totalMacs / bott.totalMacs > 3);
});

test("summary: rows (name, type, shape, params, MACs, memory) and totals; AlexNet conv1 on 227×227×3", { skip: heavy() ? false : HEAVY_SKIP }, () => {
  const alex = models.skipInit(() => models.alexnetOriginal({ numClasses: 10, inputSize: 227 }));
  const s = models.summary(alex, [3, 227, 227]);
  const conv1 = s.rows[0];
  assert.deepEqual(conv1, { name: "features.0", type: "Conv2d", outputShape: [1, 96, 55, 55], params: 34_944, macs: 55 * 55 * 96 * 363, activationBytes: 96 * 55 * 55 * 4, depth: 1 });
  assert.equal(s.rows.find((r) => r.type === "LocalResponseNorm")!.macs, 0);
  assert.equal(s.rows.reduce((a, r) => a + r.params, 0), s.totalParams);
  assert.equal(s.totalParams, alex.numParameters());
  assert.deepEqual(s.outputShape, [1, 10]);
  const fc = s.rows.find((r) => r.name === "classifier.6")!;
  assert.equal(fc.macs, 4096 * 10);
  const text = models.formatSummary(s);
  assert.match(text, /features\.0\s+Conv2d\s+\[1, 96, 55, 55\]\s+34,944\s+101?,?\d/);
  assert.match(text, new RegExp(`Total params: ${s.totalParams.toLocaleString("en-US")}`));
  // Training mode is restored; frozen parameters show as non-trainable.
  alex.train();
  models.freeze(alex, ["features"]);
  const s2 = models.summary(alex, [1, 3, 227, 227]);
  assert.equal(alex.training, true);
  assert.equal(s2.trainableParams, alex.classifier.numParameters());
  assert.throws(() => models.summary(alex, [3, 0, 227]), /inputShape must be positive integers/);
});

test("summary: a shared module (ResNet's relu) is a row per call but its parameters count once", () => {
  const m = models.resnet20();
  const s = models.summary(m, [3, 32, 32]);
  assert.ok(s.rows.filter((r) => r.type === "ReLU").length > 10);
  assert.equal(s.totalParams, 269_722);
  // conv1: 32·32·16·3·9; fc: 64·10.
  assert.equal(s.rows[0].macs, 32 * 32 * 16 * 27);
  assert.equal(s.rows[s.rows.length - 1].macs, 640);
});

const BUILD: Record<string, () => nn.Module> = {
  resnet18: models.resnet18, resnet50: models.resnet50, alexnet: models.alexnet, vgg16: models.vgg16, googlenet: models.googlenet,
  squeezenet1_0: models.squeezenet1_0, squeezenet1_1: models.squeezenet1_1, densenet121: models.densenet121,
};
const CHEAP = new Set(["resnet18@224", "alexnet@224", "vgg16@32", "googlenet@224", "squeezenet1_0@224", "squeezenet1_1@224"]);

test("summary: multiply-adds equal torchvision's (hooks in gen_models.py) — ResNet-18 1.82G, AlexNet, VGG-16, GoogLeNet, SqueezeNet", { skip: heavy() ? false : HEAVY_SKIP }, () => {
  for (const c of fx.macs as { name: string; size: number; macs: number }[]) {
    if (!CHEAP.has(`${c.name}@${c.size}`)) continue;
    const m = models.skipInit(BUILD[c.name]);
    assert.equal(models.summary(m, [3, c.size, c.size]).totalMacs, c.macs, `${c.name} at ${c.size}`);
  }
  assert.equal((fx.macs as { name: string; size: number; macs: number }[]).find((c) => c.name === "resnet18")!.macs, 1_814_073_344);
});
