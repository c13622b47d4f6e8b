import { test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, tensor, randn, zeros, ones, autograd, manualSeed, noGrad, enableGrad } from "../../src/index.js";
import type { DType } from "../../src/index.js";
import { loadFixture, T, assertClose, assertGradcheck, type FixtureTensor } from "../helpers.js";

const fx = loadFixture("norm_resize");
const DTYPES: DType[] = ["float64", "float32"];

interface Case { inputs: (FixtureTensor | null)[]; out: FixtureTensor; g: FixtureTensor; grads: (FixtureTensor | null)[] }

/** Run fn on the case's inputs in `dtype`, compare the output and the gradients of every input. */
function check(c: Case, dtype: DType, fn: (...xs: (Tensor | null)[]) => Tensor, msg: string): void {
  const ins = c.inputs.map((f) => (f ? T(f, { dtype, requiresGrad: true }) : null));
  const out = fn(...ins);
  assertClose(out, c.out, { msg: `${msg} ${dtype} out` });
  out.backward(T(c.g, { dtype }));
  ins.forEach((t, i) => {
    if (t && c.grads[i]) assertClose(t.grad!, c.grads[i]!, { msg: `${msg} ${dtype} grad ${i}` });
  });
}

test("batchNorm: training steps, running stats and eval match PyTorch (float64 and float32)", () => {
  for (const [name, c] of Object.entries(fx.bn) as [string, any][]) {
    for (const dtype of DTYPES) {
      const rm = c.runningMean0 ? T(c.runningMean0, { dtype }) : null;
      const rv = c.runningVar0 ? T(c.runningVar0, { dtype }) : null;
      c.steps.forEach((s: any, i: number) => {
        const v0 = rm?._version.v;
        check(s, dtype, (x, w, b) => F.batchNorm(x!, rm, rv, {
          weight: w, bias: b, training: true, eps: c.eps,
          momentum: c.momentum, numBatchesTracked: i + 1,
        }), `${name} step ${i}`);
        if (rm) {
          assert.equal(rm._version.v, v0! + 1, "running mean update bumps the version");
          assertClose(rm, s.runningMean, { msg: `${name} step ${i} ${dtype} runningMean` });
          assertClose(rv!, s.runningVar, { msg: `${name} step ${i} ${dtype} runningVar` });
        }
      });
      if (c.eval) check(c.eval, dtype, (x, w, b) => F.batchNorm(x!, rm, rv, { weight: w, bias: b, eps: c.eps }), `${name} eval`);
    }
  }
});

test("batchNorm: the createGraph backward (written with ops) gives the same gradients as the fused one", () => {
  for (const [name, c] of Object.entries(fx.bn) as [string, any][]) {
    const s = c.steps[0];
    for (const dtype of DTYPES) {
      const [x, w, b] = s.inputs.map((f: FixtureTensor | null) => (f ? T(f, { dtype, requiresGrad: true }) : null));
      const y = F.batchNorm(x, null, null, { weight: w, bias: b, training: true, eps: c.eps });
      const leaves = [x, w, b].filter((t): t is Tensor => t !== null);
      const grads = autograd.grad(y, leaves, { gradOutputs: [T(s.g, { dtype })], createGraph: true });
      grads.forEach((gr, i) => assertClose(gr!, s.grads[i], { msg: `${name} ${dtype} createGraph grad ${i}` }));
    }
  }
});

test("batchNorm: gradcheck in training and eval mode, and double backward in training", () => {
  manualSeed(1);
  const x = randn([3, 2, 2]).double().mul(2).add(0.3);
  const w = randn([2]).double();
  const b = randn([2]).double();
  assertGradcheck((x, w, b) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }), [x, w, b]);
  assertGradcheck((x) => F.batchNorm(x, null, null, { training: true }), [randn([4, 3]).double()]);
  const rm = tensor([0.1, -0.2], { dtype: "float64" });
  const rv = tensor([0.5, 1.5], { dtype: "float64" });
  assertGradcheck((x, w, b) => F.batchNorm(x, rm, rv, { weight: w, bias: b }), [x, w, b]);
  // Double backward: gradcheck the (createGraph) gradients themselves. gradcheck evaluates
  // under noGrad, so the inner gradient is taken with grad mode forced on.
  const g = randn([3, 2, 2]).double();
  assertGradcheck((x, w) => enableGrad(() => {
    const y = F.batchNorm(x, null, null, { weight: w, bias: b, training: true });
    const [gx, gw] = autograd.grad(y.mul(g).sum(), [x, w], { createGraph: true });
    return [gx!, gw!];
  }), [x, w]);
  assertGradcheck((x, w) => enableGrad(() => {
    const y = F.batchNorm(x, rm, rv, { weight: w, training: false });
    const [gx, gw] = autograd.grad(y.mul(g).sum(), [x, w], { createGraph: true });
    return [gx!, gw!];
  }), [x, w]);
});

test("batchNorm: errors and option handling", () => {
  const x = randn([4, 3, 2]);
  assert.throws(() => F.batchNorm(x, null, null), /runningMean must be given in evaluation mode/);
  assert.throws(() => F.batchNorm(x, zeros([4]), ones([3])), /runningMean should contain 3 elements .*got shape \[4\]/);
  assert.throws(() => F.batchNorm(x, zeros([3]), ones([3]), { weight: ones([4]) }), /weight should contain 3 elements/);
  assert.throws(() => F.batchNorm(randn([1, 3]), null, null, { training: true }), /Expected more than 1 value per channel when training, got input size \[1, 3\]/);
  assert.throws(() => F.batchNorm(randn([3]), null, null, { training: true }), /at least 2 dims/);
  assert.throws(() => F.batchNorm(x, zeros([3]), ones([3]), { training: true, momentum: null }), /numBatchesTracked/);
  assert.throws(() => F.batchNorm(x, zeros([3], { dtype: "float64" }), ones([3]), {}), /input is float32 but runningMean is float64/);
  // Eval with one value per channel is fine; training with running stats null updates nothing.
  assert.deepEqual(F.batchNorm(randn([1, 3]), zeros([3]), ones([3])).shape, [1, 3]);
  const rm = zeros([3]);
  F.batchNorm(x, rm, null, { training: true });
  assert.notDeepEqual([...rm.toArray()], [0, 0, 0], "runningMean alone is still updated");
  // Running stats are buffers: updated under noGrad even when the input requires grad.
  const xr = randn([4, 3]).requiresGrad_();
  const rv = ones([3]);
  F.batchNorm(xr, null, rv, { training: true }).sum().backward();
  assert.equal(rv.requiresGrad, false);
  assert.ok(xr.grad);
});

test("layerNorm, groupNorm and instanceNorm match PyTorch", () => {
  for (const dtype of DTYPES) {
    check(fx.ln.last, dtype, (x, w, b) => F.layerNorm(x!, [4], { weight: w, bias: b }), "ln last");
    check(fx.ln.last2, dtype, (x, w, b) => F.layerNorm(x!, [3, 4], { weight: w, bias: b, eps: 1e-3 }), "ln last2");
    check(fx.ln.plain, dtype, (x) => F.layerNorm(x!, [3, 4]), "ln plain");
    check(fx.gn.g3, dtype, (x, w, b) => F.groupNorm(x!, 3, { weight: w, bias: b }), "gn 3");
    check(fx.gn.g1, dtype, (x) => F.groupNorm(x!, 1), "gn 1");
    check(fx.gn.g6, dtype, (x, w) => F.groupNorm(x!, 6, { weight: w, eps: 1e-2 }), "gn 6");
    check(fx.gn.g2_3d, dtype, (x, w, b) => F.groupNorm(x!, 2, { weight: w, bias: b }), "gn 3d");
    const rm = T(fx.inorm.runningMean0, { dtype });
    const rv = T(fx.inorm.runningVar0, { dtype });
    check(fx.inorm.train, dtype, (x, w, b) => F.instanceNorm(x!, { runningMean: rm, runningVar: rv, weight: w, bias: b, momentum: 0.2 }), "in train");
    assertClose(rm, fx.inorm.runningMean, { msg: `instanceNorm ${dtype} runningMean` });
    assertClose(rv, fx.inorm.runningVar, { msg: `instanceNorm ${dtype} runningVar` });
    check(fx.inorm.eval, dtype, (x, w, b) => F.instanceNorm(x!, { runningMean: rm, runningVar: rv, weight: w, bias: b, useInputStats: false }), "in eval");
    check(fx.inorm.plain, dtype, (x) => F.instanceNorm(x!), "in plain");
  }
});

test("layerNorm / groupNorm / instanceNorm: gradcheck and errors", () => {
  manualSeed(2);
  assertGradcheck((x, w, b) => F.layerNorm(x, [3], { weight: w, bias: b }), [randn([2, 3]), randn([3]), randn([3])]);
  assertGradcheck((x, w, b) => F.groupNorm(x, 2, { weight: w, bias: b }), [randn([2, 4, 2]), randn([4]), randn([4])]);
  assertGradcheck((x, w) => F.instanceNorm(x, { weight: w }), [randn([2, 2, 3]), randn([2])]);
  const x = randn([4, 3, 5]);
  assert.throws(() => F.layerNorm(x, [4]), /given normalizedShape \[4\], expected input with shape \[\*, 4\], but got input of shape \[4, 3, 5\]/);
  assert.throws(() => F.layerNorm(x, [5], { weight: ones([4]) }), /weight of the same shape as normalizedShape \[5\], got \[4\]/);
  assert.throws(() => F.groupNorm(x, 2), /divisible by numGroups.*numGroups=2/);
  assert.throws(() => F.groupNorm(x, 3, { weight: ones([4]) }), /weight should contain 3 elements/);
  assert.throws(() => F.groupNorm(randn([1, 2]), 2), /Expected more than 1 value per channel when training, got input size \[1, 2\]/);
  assert.throws(() => F.instanceNorm(randn([2, 3, 1])), /Expected more than 1 spatial element when training, got input size \[2, 3, 1\]/);
});

test("localResponseNorm matches PyTorch (AlexNet LRN), gradcheck, errors", () => {
  for (const c of fx.lrn) {
    for (const dtype of DTYPES) {
      check(c, dtype, (x) => F.localResponseNorm(x!, c.size, { alpha: c.alpha, beta: c.beta, k: c.k }), `lrn size ${c.size}`);
    }
  }
  manualSeed(3);
  assertGradcheck((x) => F.localResponseNorm(x, 3, { alpha: 0.5, beta: 0.75, k: 1 }), [randn([1, 4, 2])]);
  assertGradcheck((x) => F.localResponseNorm(x, 2, { alpha: 0.5, beta: 0.75, k: 1 }), [randn([1, 3, 2, 2])]);
  assert.throws(() => F.localResponseNorm(randn([2, 3]), 2), /expected 3D or higher dimensionality input/);
  assert.throws(() => F.localResponseNorm(randn([2, 3, 3]), 0), /size must be a positive integer, got 0/);
  // Its double backward is exact too (the window sum's adjoint is a window sum).
  const g = randn([1, 4, 2]).double();
  assertGradcheck((x) => enableGrad(() => autograd.grad(F.localResponseNorm(x, 3, { alpha: 0.5 }).mul(g).sum(), [x], { createGraph: true })[0]!), [randn([1, 4, 2])]);
});

test("batchNorm under noGrad records no graph and still updates running stats", () => {
  const x = randn([4, 2]).requiresGrad_();
  const rm = zeros([2]);
  const y = noGrad(() => F.batchNorm(x, rm, ones([2]), { training: true }));
  assert.equal(y.requiresGrad, false);
  assert.notEqual(rm.toArray()[0], 0);
});
