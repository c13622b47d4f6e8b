// examples/transfer.ts on a tiny configuration (built-in subset, a few steps): the head-only stage
// must leave the backbone bit-identical with no gradients, fine-tuning must use the given
// per-layer learning rates and move only those layers, and the accuracies must be real numbers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { main, selectClasses, load, CLASSES } from "../../examples/transfer.js";
import { Generator, type Tensor, type nn, type optim } from "../../src/index.js";

type Snapshot = Map<string, Float64Array>;
const snapshot = (m: nn.Module): Snapshot =>
  new Map(Object.entries(m.stateDict()).map(([k, t]) => [k, Float64Array.from((t as Tensor).toArray())]));
const identical = (a: Float64Array, b: Float64Array): boolean =>
  a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

const LRS = [{ prefix: "classifier.3", lr: 2e-3 }, { prefix: "classifier.0", lr: 5e-4 }, { prefix: "features.4", lr: 1e-4 }];

test("transfer example: head-only keeps the backbone, fine-tune uses the param groups, scratch is fresh", async () => {
  type Flags = Map<string, { requiresGrad: boolean; hasGrad: boolean }>;
  const stages: Record<string, { model: nn.Module; opt: optim.Optimizer; snap: Snapshot; flags: Flags }> = {};
  const lines: string[] = [];
  const r = await main({
    pretrainLimit: 128, pretrainEpochs: 1, perClass: 10, headEpochs: 2, fineTuneEpochs: 2, scratchEpochs: 1,
    fineTuneLrs: LRS, testLimit: 100, seed: 3, log: (s) => lines.push(s),
    onStage: (stage, model, opt) => {
      const flags: Flags = new Map(model.namedParameters().map(([n, p]) => [n, { requiresGrad: p.requiresGrad, hasGrad: p.grad !== null }]));
      stages[stage] = { model, opt, snap: snapshot(model), flags };
    },
  });
  assert.deepEqual(Object.keys(stages), ["pretrain", "headOnly", "fineTune", "scratch"]);
  assert.deepEqual(r.classes, ["T-shirt/top", "Shirt"]);
  for (const k of ["pretrainAccuracy", "headOnly", "fineTune", "scratch"] as const) {
    assert.ok(Number.isFinite(r[k]) && r[k] >= 0 && r[k] <= 1, `${k} = ${r[k]}`);
  }
  assert.ok(lines.some((l) => l.startsWith("(a) head only")) && lines.some((l) => l.startsWith("(c) from scratch")), lines.join("\n"));

  // (a) Every backbone parameter and buffer (BatchNorm statistics included) is bit-identical to
  // the pretrained network's; only the new 2-way head has requiresGrad and a gradient.
  const pre = stages.pretrain.snap, head = stages.headOnly;
  assert.equal(head.model, stages.pretrain.model, "the same network is adapted, not a copy");
  let compared = 0;
  for (const [k, v] of head.snap) {
    if (k.startsWith("classifier.3.")) continue;
    assert.ok(identical(v, pre.get(k)!), `${k} changed during head-only training`);
    compared++;
  }
  assert.ok(compared >= 15, `compared only ${compared} backbone entries`);
  assert.deepEqual(head.snap.get("classifier.3.weight")!.length, 2 * 128);
  assert.equal(pre.get("classifier.3.weight")!.length, 8 * 128);
  for (const [n, f] of head.flags) {
    const isHead = n.startsWith("classifier.3.");
    assert.equal(f.requiresGrad, isHead, `${n}: requiresGrad after head-only training`);
    assert.equal(f.hasGrad, isHead, isHead ? `${n} (head) has no gradient` : `${n} is frozen but has a gradient`);
  }
  assert.equal(head.flags.size, 12); // 2 convs, 2 BatchNorms, 2 linears: weight + bias each
  const named = new Map(head.model.namedParameters());
  assert.deepEqual(head.opt.paramGroups.map((g) => g.params.length), [2], "head-only optimizer holds the head's weight and bias only");
  assert.ok(head.opt.paramGroups[0].params.every((p) => p === named.get("classifier.3.weight") || p === named.get("classifier.3.bias")));

  // (b) One param group per prefix with its lr, holding exactly the parameters under it; those
  // layers moved, the still-frozen first conv block and every BatchNorm statistic did not.
  const ft = stages.fineTune;
  assert.deepEqual(ft.opt.paramGroups.map((g) => g.lr), LRS.map((g) => g.lr));
  ft.opt.paramGroups.forEach((g, i) => {
    const want = [...named].filter(([n]) => n.startsWith(LRS[i].prefix + ".")).map(([, p]) => p);
    assert.deepEqual(g.params, want, `group ${i} (${LRS[i].prefix})`);
    assert.ok(want.every((p) => p.requiresGrad && p.grad !== null));
  });
  for (const [n, f] of ft.flags) {
    const tuned = LRS.some((r) => n.startsWith(r.prefix + "."));
    assert.deepEqual(f, { requiresGrad: tuned, hasGrad: tuned }, n);
  }
  for (const k of ["classifier.3.weight", "classifier.0.weight", "features.4.weight"]) {
    assert.ok(!identical(ft.snap.get(k)!, head.snap.get(k)!), `${k} did not move during fine-tuning`);
  }
  for (const [k, v] of ft.snap) {
    if (k.startsWith("features.0.") || k.startsWith("features.1.") || k.includes("running_") || k.includes("num_batches")) {
      assert.ok(identical(v, pre.get(k)!), `${k} changed during fine-tuning`);
    }
  }

  // (c) A separate, fully trainable network with a 2-way output.
  const sc = stages.scratch;
  assert.notEqual(sc.model, head.model);
  assert.ok(sc.model.parameters().every((p) => p.requiresGrad && p.grad !== null));
  assert.equal(sc.snap.get("classifier.3.weight")!.length, 2 * 128);
});

test("transfer example: selectClasses picks perClass seeded images of each class and relabels them", () => {
  const train = load(undefined, true);
  const pick = (seed: number) => selectClasses(train.images, train.labels, [6, 0], { perClass: 7, generator: new Generator(seed) });
  const a = pick(1), b = pick(1), c = pick(2);
  assert.deepEqual(a.x.shape, [14, 1, 28, 28]);
  const y = Array.from(a.y.toArray());
  assert.deepEqual([y.filter((v) => v === 0).length, y.filter((v) => v === 1).length], [7, 7]);
  assert.deepEqual(a.x.toArray(), b.x.toArray(), "same seed, same images");
  assert.notDeepEqual(a.x.toArray(), c.x.toArray(), "another seed, other images");
  // Each picked image is a training image whose original label is the class it was relabelled from.
  const all = Float32Array.from(train.images.toArray());
  const key = (px: Float32Array): string => Buffer.from(px.buffer, px.byteOffset, px.byteLength).toString("base64");
  const rowOf = new Map<string, number>();
  for (let j = train.labels.length - 1; j >= 0; j--) rowOf.set(key(all.subarray(j * 784, (j + 1) * 784)), j);
  for (let i = 0; i < 14; i++) {
    const src = rowOf.get(key(Float32Array.from(a.x.select(0, i).reshape(784).toArray())));
    assert.ok(src !== undefined, `image ${i} is not a training image`);
    assert.equal(CLASSES[train.labels[src!]], CLASSES[[6, 0][y[i]]]);
  }
  assert.deepEqual(selectClasses(train.images, train.labels, [1, 2, 3], { limit: 10, generator: new Generator(0) }).x.shape[0], 10);
});

test("transfer example: bad held-out classes are an error that says what was expected", async () => {
  await assert.rejects(main({ heldOut: [3, 3], log: () => {} }), /heldOut must be two different classes in 0\.\.9, got \[3,3\]/);
  await assert.rejects(main({ heldOut: [0, 10], log: () => {} }), /heldOut must be two different classes/);
});
