import { test } from "node:test";
import assert from "node:assert/strict";
import { tensor, randn, noGrad, autograd, manualSeed } from "../../src/index.js";
import { assertClose } from "../helpers.js";

test("backward accumulates into leaves and sums over reuse", () => {
  const a = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const b = tensor([10, 20]);
  const c = a.add(b).mul(a).sum(); // Σ (a+b)·a → d/da = 2a + b
  c.backward();
  assert.deepEqual(a.grad!.tolist(), [[12, 24], [16, 28]]);
  a.add(1).sum().backward(); // accumulates
  assert.deepEqual(a.grad!.tolist(), [[13, 25], [17, 29]]);
});

test("backward of a non-scalar needs a gradient; a freed graph refuses a second backward", () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const y = x.mul(2);
  assert.throws(() => y.backward(), /one-element outputs; got shape \[3\]/);
  y.backward(tensor([1, 1, 1]));
  assert.throws(() => y.backward(tensor([1, 1, 1])), /second time/);
  const z = x.exp();
  z.sum().backward(undefined, { retainGraph: true });
  z.sum().backward(); // allowed: the first kept the graph
});

test("noGrad records nothing; detach cuts the graph", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = noGrad(() => x.mul(3));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  const z = x.detach().mul(2);
  assert.equal(z.requiresGrad, false);
});

test("in-place change of a saved tensor is detected at backward", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const w = tensor([3, 4]);
  const y = x.mul(w).sum();
  w.mul_(2);
  assert.throws(() => y.backward(), /modified by an in-place operation/);
  assert.throws(() => x.add_(1), /in-place operation on a tensor that requires grad/);
});

test("createGraph gives differentiable gradients (second derivative of x³)", () => {
  const x = tensor([2], { dtype: "float64", requiresGrad: true });
  const [g] = autograd.grad(x.pow(3).sum(), x, { createGraph: true });
  assertClose(g!, [12]);
  const [gg] = autograd.grad(g!.sum(), x);
  assertClose(gg!, [12]); // 6x
  assert.equal(x.grad, null, "autograd.grad does not touch .grad");
});

test("retainGrad and hooks on non-leaves", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const h = x.mul(2).retainGrad();
  let seen: number[] = [];
  h.registerHook((g) => { seen = [...g.toArray()]; return g.mul(10); });
  h.sum().backward();
  assert.deepEqual(seen, [1, 1]);
  assert.deepEqual([...h.grad!.toArray()], [10, 10]);
  assert.deepEqual([...x.grad!.toArray()], [20, 20]);
});

test("custom autograd.Function", () => {
  class Cube extends autograd.Function {
    static override forward(ctx: autograd.FunctionCtx, x: import("../../src/index.js").Tensor) {
      ctx.saveForBackward(x);
      return x.pow(3);
    }
    static override backward(ctx: autograd.FunctionCtx, g: import("../../src/index.js").Tensor) {
      const [x] = ctx.savedTensors;
      return [g.mul(x.pow(2)).mul(3)];
    }
  }
  manualSeed(1);
  const x = randn([5], { dtype: "float64", requiresGrad: true });
  const r = autograd.gradcheck((t) => Cube.apply(t), [x]);
  assert.ok(r.passed);
  const y = Cube.apply(x);
  assert.equal(y.gradFn!.name, "CubeBackward");
});

test("gradcheck catches a wrong backward", () => {
  class Wrong extends autograd.Function {
    static override forward(_ctx: autograd.FunctionCtx, x: import("../../src/index.js").Tensor) { return x.mul(x); }
    static override backward(_ctx: autograd.FunctionCtx, g: import("../../src/index.js").Tensor) { return [g]; }
  }
  const x = tensor([0.5, 1.5], { dtype: "float64", requiresGrad: true });
  assert.throws(() => autograd.gradcheck((t) => Wrong.apply(t), [x]), /Jacobian mismatch/);
  const r = autograd.gradcheck((t) => Wrong.apply(t), [x], { raiseException: false });
  assert.equal(r.passed, false);
  assert.ok(r.worstRelativeError > 0.1);
});
