import { test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, tensor, randn, rand, manualSeed, autograd } from "../../src/index.js";
import type { DType } from "../../src/index.js";
import { loadFixture, T, assertClose, assertGradcheck, type FixtureTensor } from "../helpers.js";

interface Case {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  opts: Record<string, any>;
  inputs: Record<string, FixtureTensor>;
  out: FixtureTensor;
  gout: FixtureTensor | null;
  grads: Record<string, FixtureTensor>;
}

const fx = loadFixture("activation_loss");
const cases: Case[] = fx.losses;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type LossFn = (input: Tensor, target: Tensor, opts: any) => Tensor;
const losses: Record<string, LossFn> = {
  crossEntropy: F.crossEntropy, nllLoss: F.nllLoss, multiMarginLoss: F.multiMarginLoss,
  mseLoss: F.mseLoss, l1Loss: F.l1Loss, smoothL1Loss: F.smoothL1Loss, huberLoss: F.huberLoss,
  binaryCrossEntropy: F.binaryCrossEntropy, binaryCrossEntropyWithLogits: F.binaryCrossEntropyWithLogits,
  klDiv: F.klDiv,
};

/** A fixture tensor in `dtype` (int32 targets stay int32). */
function load(f: FixtureTensor, dtype: DType, requiresGrad = false): Tensor {
  return T(f, { dtype: f.dtype === "int32" ? "int32" : dtype, requiresGrad });
}

function describe(c: Case): string {
  const extras = Object.keys(c.inputs).filter((k) => k !== "input" && k !== "target");
  return `${c.name} ${JSON.stringify(c.opts)} input ${JSON.stringify(c.inputs.input.shape)} target ${c.inputs.target.dtype}${JSON.stringify(c.inputs.target.shape)} ${extras.join(" ")}`;
}

for (const dtype of ["float64", "float32"] as DType[]) {
  test(`losses match PyTorch 1.13 (values and gradients, every reduction and option), ${dtype}`, () => {
    const seen = new Set<string>();
    for (const c of cases) {
      const msg = `${describe(c)} (${dtype})`;
      const input = load(c.inputs.input, dtype, "input" in c.grads);
      const target = load(c.inputs.target, dtype, "target" in c.grads);
      const { noGrad: _, ...opts } = c.opts;
      if (c.inputs.weight) opts.weight = load(c.inputs.weight, dtype);
      if (c.inputs.posWeight) opts.posWeight = load(c.inputs.posWeight, dtype);
      const out = losses[c.name](input, target, opts);
      assert.equal(out.dtype, dtype, msg);
      assertClose(out, T(c.out), { msg });
      if (c.gout) {
        out.mul(T(c.gout, { dtype })).sum().backward();
        assertClose(input.grad!, T(c.grads.input), { msg: `${msg} grad input` });
        if (c.grads.target) assertClose(target.grad!, T(c.grads.target), { msg: `${msg} grad target` });
      }
      seen.add(c.name);
    }
    assert.deepEqual([...seen].sort(), Object.keys(losses).sort(), "every loss has fixture cases");
    assert.ok(cases.length > 150, `only ${cases.length} cases`);
  });
}

test("losses pass float64 gradcheck (tiny shapes, each option that changes the formula)", () => {
  manualSeed(17);
  const x = randn([3, 4], { dtype: "float64" });
  const y = tensor([2, 0, 3], { dtype: "int32" });
  const yIgn = tensor([2, -100, 1], { dtype: "int32" });
  const w = tensor([0.5, 1.5, 1, 2], { dtype: "float64" });
  const probs = F.softmax(randn([3, 4], { dtype: "float64" }), 1);
  const check = (name: string, fn: (...t: Tensor[]) => Tensor, inputs: Tensor[], noGrad?: number[]) => {
    try { assertGradcheck(fn, inputs, { noGrad }); } catch (e) { throw new Error(`${name}: ${(e as Error).message}`); }
  };
  for (const reduction of ["mean", "sum", "none"] as const) {
    check(`crossEntropy ${reduction}`, (a) => F.crossEntropy(a, y, { reduction }), [x]);
    check(`crossEntropy weighted+ignore+smoothing ${reduction}`, (a) => F.crossEntropy(a, yIgn, { reduction, weight: w, labelSmoothing: 0.3 }), [x]);
    check(`crossEntropy smoothing ${reduction}`, (a) => F.crossEntropy(a, yIgn, { reduction, labelSmoothing: 0.2 }), [x]);
    check(`crossEntropy probs ${reduction}`, (a, p) => F.crossEntropy(a, p, { reduction, weight: w, labelSmoothing: 0.1 }), [x, probs]);
    check(`crossEntropy nd ${reduction}`, (a) => F.crossEntropy(a, tensor([[1, 0], [2, 2]], { dtype: "int32" }), { reduction }), [randn([2, 3, 2])]);
    check(`crossEntropy unbatched ${reduction}`, (a) => F.crossEntropy(a, tensor(1, { dtype: "int32" }), { reduction, labelSmoothing: 0.1 }), [randn([4])]);
    check(`nllLoss ${reduction}`, (a) => F.nllLoss(a, yIgn, { reduction, weight: w }), [x]);
    for (const p of [1, 2] as const) {
      check(`multiMarginLoss p=${p} ${reduction}`, (a) => F.multiMarginLoss(a, y, { reduction, p, margin: 0.7, weight: w }), [x]);
    }
    const a = randn([2, 3], { dtype: "float64" });
    const b = randn([2, 3], { dtype: "float64" });
    check(`mseLoss ${reduction}`, (i, t) => F.mseLoss(i, t, { reduction }), [a, b]);
    check(`l1Loss ${reduction}`, (i, t) => F.l1Loss(i, t, { reduction }), [a, b]);
    check(`smoothL1Loss ${reduction}`, (i, t) => F.smoothL1Loss(i, t, { reduction, beta: 0.8 }), [a, b]);
    check(`huberLoss ${reduction}`, (i, t) => F.huberLoss(i, t, { reduction, delta: 0.6 }), [a, b]);
    const pr = rand([2, 3], { dtype: "float64" }).mul(0.8).add(0.1);
    const tg = rand([2, 3], { dtype: "float64" });
    check(`binaryCrossEntropy ${reduction}`, (i, t) => F.binaryCrossEntropy(i, t, { reduction, weight: tensor([1, 2, 0.5], { dtype: "float64" }) }), [pr, tg]);
    check(`bceWithLogits ${reduction}`, (i, t) => F.binaryCrossEntropyWithLogits(i, t, { reduction, weight: tensor([1, 2, 0.5], { dtype: "float64" }), posWeight: tensor([3, 0.5, 1], { dtype: "float64" }) }), [a, tg]);
    check(`klDiv ${reduction}`, (i, t) => F.klDiv(i, t, { reduction }), [F.logSoftmax(a, 1), F.softmax(b, 1)]);
  }
  check("klDiv batchmean logTarget", (i, t) => F.klDiv(i, t, { reduction: "batchmean", logTarget: true }), [F.logSoftmax(x, 1), F.logSoftmax(randn([3, 4], { dtype: "float64" }), 1)]);
});

test("crossEntropy's gradient can be differentiated again (createGraph)", () => {
  const y = tensor([0, 2], { dtype: "int32" });
  const w = tensor([1, 0.5, 2], { dtype: "float64" });
  // h(x) = Σ (∂L/∂x)²; its autograd gradient (double backward) vs central differences.
  const h = (x: Tensor, create: boolean) => {
    const [g] = autograd.grad(F.crossEntropy(x, y, { weight: w, labelSmoothing: 0.1 }), x, { createGraph: create });
    return g!.square().sum();
  };
  const x0 = randn([2, 3], { dtype: "float64" });
  const x = x0.clone().requiresGrad_(true);
  const [hh] = autograd.grad(h(x, true), x);
  const base = x0.toArray();
  const eps = 1e-6;
  const numeric = base.map((_, i) => {
    const at = (d: number) => {
      const v = Float64Array.from(base);
      v[i] += d;
      return h(tensor(v, { dtype: "float64" }).reshape(2, 3).requiresGrad_(true), false).item();
    };
    return (at(eps) - at(-eps)) / (2 * eps);
  });
  assertClose(hh!, tensor(Array.from(numeric), { dtype: "float64" }).reshape(2, 3), { rtol: 1e-5, atol: 1e-7 });
});

test("crossEntropy is stable: huge logits give finite losses (float32)", () => {
  const x = tensor([[1e4, -1e4, 0], [3e4, 3e4, 3e4]], { dtype: "float32", requiresGrad: true });
  const l = F.crossEntropy(x, tensor([1, 2], { dtype: "int32" }), { reduction: "none" });
  assertClose(l, [2e4, Math.log(3)]);
  l.sum().backward();
  assert.ok([...x.grad!.toArray()].every(Number.isFinite));
});

test("nllLoss and crossEntropy: a batch where every target is ignored gives NaN under mean (as PyTorch)", () => {
  const x = randn([2, 3]);
  const t = tensor([-100, -100], { dtype: "int32" });
  assert.ok(Number.isNaN(F.crossEntropy(x, t).item()));
  assert.equal(F.crossEntropy(x, t, { reduction: "sum" }).item(), 0);
});

test("losses: errors teach", () => {
  const x = randn([3, 4]);
  const y = tensor([0, 1, 2], { dtype: "int32" });
  assert.throws(() => F.crossEntropy(x, tensor([0, 4, 1], { dtype: "int32" })), /crossEntropy: label 4 is out of range for 4 classes \(expected 0 ≤ label < 4, or ignoreIndex = -100\)/);
  assert.throws(() => F.nllLoss(x, tensor([0, -1, 1], { dtype: "int32" })), /nllLoss: label -1 is out of range for 4 classes/);
  assert.throws(() => F.multiMarginLoss(x, tensor([0, 9, 1], { dtype: "int32" })), /multiMarginLoss: label 9 is out of range for 4 classes/);
  assert.throws(() => F.crossEntropy(x, tensor([0, 1], { dtype: "int32" })), /crossEntropy: target shape \[2\] does not match input shape \[3, 4\]; expected class indices of shape \[3\]/);
  assert.throws(() => F.crossEntropy(x, tensor([0, 1, 2])), /float \(probability\) targets must have the input's shape \[3, 4\], got \[3\]; class-index targets must be int32/);
  assert.throws(() => F.crossEntropy(x, randn([3, 4]), { ignoreIndex: 1 }), /ignoreIndex \(1\) is not supported with probability targets/);
  assert.throws(() => F.crossEntropy(x, y, { reduction: "avg" as "mean" }), /crossEntropy: reduction must be "mean", "sum", "none"; got "avg"/);
  assert.throws(() => F.crossEntropy(x, y, { labelSmoothing: 1.5 }), /labelSmoothing must be between 0 and 1, got 1.5/);
  assert.throws(() => F.crossEntropy(x, y, { weight: tensor([1, 2, 3]) }), /crossEntropy: weight must hold one value per class, shape \[4\], got shape \[3\]/);
  assert.throws(() => F.crossEntropy(tensor(1), tensor(0, { dtype: "int32" })), /input must have a class dim/);
  assert.throws(() => F.nllLoss(x, randn([3])), /nllLoss: target must be int32, got float32/);
  assert.throws(() => F.multiMarginLoss(x, y, { p: 3 as 1 }), /only p = 1 and p = 2 are supported, got 3/);
  assert.throws(() => F.multiMarginLoss(randn([2, 3, 4]), y), /multiMarginLoss: input must be \[N, C\] or \[C\], got shape \[2, 3, 4\]/);
  assert.throws(() => F.multiMarginLoss(x, tensor([0, 1], { dtype: "int32" })), /multiMarginLoss: target shape \[2\] does not match input shape \[3, 4\]; expected \[3\]/);
  assert.throws(() => F.mseLoss(x, randn([3, 1])), /mseLoss: target shape \[3, 1\] must equal the input shape \[3, 4\]/);
  assert.throws(() => F.l1Loss(x, randn([4])), /l1Loss: target shape \[4\] must equal/);
  assert.throws(() => F.mseLoss(x, randn([3, 4]), { reduction: "batchmean" as "mean" }), /mseLoss: reduction must be/);
  assert.throws(() => F.smoothL1Loss(x, x, { beta: -1 }), /smoothL1Loss: beta must be ≥ 0, got -1/);
  assert.throws(() => F.huberLoss(x, x, { delta: 0 }), /huberLoss: delta must be > 0, got 0/);
  assert.throws(() => F.binaryCrossEntropy(tensor([0.5, 1.2]), tensor([1, 0])), /binaryCrossEntropy: every input must be a probability in \[0, 1\], got 1.2000000476837158 at element 1/);
  assert.throws(() => F.binaryCrossEntropy(tensor([0.5]), tensor([1, 0])), /target shape \[2\] must equal the input shape \[1\]/);
  assert.throws(() => F.binaryCrossEntropyWithLogits(x, rand([3, 4]), { posWeight: tensor([1, 2]) }), /posWeight of shape \[2\] does not broadcast to the input shape \[3, 4\]/);
  assert.throws(() => F.binaryCrossEntropyWithLogits(x, rand([3, 4]), { weight: randn([2, 3, 4]) }), /weight of shape \[2, 3, 4\] does not broadcast/);
  assert.throws(() => F.klDiv(x, x, { reduction: "avg" as "mean" }), /klDiv: reduction must be "mean", "sum", "none", "batchmean"/);
});

test("penalties: L1, L2 (CS231n's R(W) = Σ W²) and elastic net, with gradients", () => {
  const pen = fx.penalties;
  for (const dtype of ["float64", "float32"] as DType[]) {
    const ps = (pen.params as FixtureTensor[]).map((p) => T(p, { dtype, requiresGrad: true }));
    assertClose(F.l1Penalty(ps), T(pen.l1), { msg: `l1 ${dtype}` });
    assertClose(F.l2Penalty(ps), T(pen.l2), { msg: `l2 ${dtype}` });
    const e = F.elasticNetPenalty(ps, { l1: 0.3, l2: 0.05 });
    assertClose(e, T(pen.elastic), { msg: `elastic ${dtype}` });
    e.backward();
    ps.forEach((p) => assertClose(p.grad!, p.detach().sign().mul(0.3).add(p.detach().mul(0.1)), { msg: `elastic grad ${dtype}` }));
  }
  const w = randn([2, 3], { dtype: "float64" });
  const b = randn([3], { dtype: "float64" });
  assertGradcheck((a, c) => F.l1Penalty([a, c]), [w, b]);
  assertGradcheck((a, c) => F.l2Penalty([a, c]), [w, b]);
  assertGradcheck((a, c) => F.elasticNetPenalty([a, c], { l1: 0.2, l2: 0.7 }), [w, b]);
  assert.equal(F.l2Penalty(tensor([3, 4])).item(), 25);
  assert.throws(() => F.l2Penalty([]), /l2Penalty: params is empty/);
  assert.throws(() => F.l1Penalty([tensor([1], { dtype: "int32" })]), /l1Penalty: params\[0\] must be float32 or float64, got int32/);
  assert.throws(() => F.elasticNetPenalty([w], { l1: -1 }), /elasticNetPenalty: l1 must be a number ≥ 0, got -1/);
  assert.throws(() => F.l1Penalty(3 as unknown as Tensor[]), /l1Penalty: params must be an array/);
});
