// torchvision parity: the same weights and input give the same output (≤ 1e-4 max abs, float32).
// Full-size models use the closed-form weights of gen_models.py (too big to commit); small-width
// torchvision models are loaded from committed safetensors files through `weights: path`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { models, noGrad } from "../../src/index.js";
import type { Tensor, nn } from "../../src/index.js";
import { loadFixture, T } from "../helpers.js";
import { HEAVY_SKIP, hashInput, hashStateDict, heavy, maxAbsDiff } from "./util.js";

const fx = loadFixture("models");
const here = dirname(fileURLToPath(import.meta.url));
const weightsPath = (name: string): string => join(here, "..", "fixtures", "models", `${name}.safetensors`);

const BUILD: Record<string, () => nn.Module> = {
  alexnet: () => models.alexnet({ numClasses: 10 }),
  googlenet: () => models.googlenet({ numClasses: 10 }),
  resnet18: () => models.resnet18({ numClasses: 10 }),
  resnet50: () => models.resnet50({ numClasses: 10 }),
  resnext50_32x4d: () => models.resnext50_32x4d({ numClasses: 10 }),
  densenet121: () => models.densenet121({ numClasses: 10 }),
  squeezenet1_0: () => models.squeezenet1_0({ numClasses: 10 }),
  squeezenet1_1: () => models.squeezenet1_1({ numClasses: 10 }),
};

for (const p of fx.parity as { name: string; size: number; output: Parameters<typeof T>[0] }[]) {
  test(`parity: torchvision ${p.name} (full size, hash-filled weights, 1×3×${p.size}×${p.size})`, { skip: heavy() ? false : HEAVY_SKIP }, () => {
    const model = models.skipInit(BUILD[p.name]);
    model.loadStateDict(hashStateDict(model), { strict: true });
    model.eval();
    const y = noGrad(() => model.forward(hashInput([1, 3, p.size, p.size]))) as Tensor;
    const expected = T(p.output, { dtype: "float32" });
    assert.deepEqual(y.shape, expected.shape);
    const d = maxAbsDiff(y, expected);
    assert.ok(d <= 1e-4, `${p.name}: max abs difference ${d} > 1e-4`);
  });
}

const SMALL: Record<string, () => nn.Module> = {
  densenet_small: () => new models.DenseNet({ growthRate: 8, blockConfig: [2, 2, 2], numInitFeatures: 16, bnSize: 2, numClasses: 10 }),
  vgg_small_bn: () => new models.VGG(models.makeLayers([8, "M", 16, "M", 32, "M"], true), { numClasses: 10, hidden: 64 }),
  vgg_small: () => new models.VGG(models.makeLayers([8, "M", 16, 16, "M"], false), { numClasses: 10, hidden: 32 }),
};

for (const s of fx.small as { name: string; inputShape: number[]; output: Parameters<typeof T>[0] }[]) {
  test(`parity: small torchvision ${s.name} from its safetensors file (strict)`, () => {
    const model = SMALL[s.name]();
    models.loadWeights(model, weightsPath(s.name));
    model.eval();
    const y = noGrad(() => model.forward(hashInput(s.inputShape))) as Tensor;
    const d = maxAbsDiff(y, T(s.output, { dtype: "float32" }));
    assert.ok(d <= 1e-4, `${s.name}: max abs difference ${d} > 1e-4`);
    // Float64 too: the same weights, converted, match to ~1e-10.
    model.double();
    const y64 = noGrad(() => model.forward(hashInput(s.inputShape).double())) as Tensor;
    assert.ok(maxAbsDiff(y64, T(s.output)) <= 1e-9, `${s.name}: float64 differs`);
  });
}

test("weights: path loads strictly through the constructor option, and mismatches are errors", () => {
  const o = { growthRate: 8, blockConfig: [2, 2, 2], numInitFeatures: 16, bnSize: 2, numClasses: 10 };
  const m = models.buildModel(() => new models.DenseNet(o), { weights: weightsPath("densenet_small") });
  const ref = new models.DenseNet(o);
  models.loadWeights(ref, weightsPath("densenet_small"));
  assert.equal(maxAbsDiff(m.classifier.weight, ref.classifier.weight), 0);
  // Wrong number of classes: a size mismatch names the key.
  assert.throws(() => models.buildModel(() => new models.DenseNet({ ...o, numClasses: 5 }), { weights: weightsPath("densenet_small") }),
    /size mismatch for classifier\.weight/);
  // A different architecture: missing / unexpected keys are reported (strict).
  assert.throws(() => models.resnet18({ numClasses: 10, weights: weightsPath("densenet_small") }), /Missing key\(s\).*conv1\.weight/s);
  assert.throws(() => models.lenet5({ weights: "/nonexistent/w.safetensors" }), /nonexistent/);
});
