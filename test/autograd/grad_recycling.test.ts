// The backward engine hands gradient storage that flows between nodes back to the pool as soon
// as it is consumed (src/autograd/grad_storage.ts). These tests use tensors above the pool's
// 64 KiB floor, so recycling really happens, and check that (1) it happens, (2) gradients are
// right where storage is shared (views, ops passing a gradient through, a tensor used twice),
// and (3) a gradient that user code saw (tensor hooks, custom Functions, .grad of leaves and of
// retainGrad() tensors) is never recycled: it keeps its values while later passes reuse memory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { full, ones, randn, autograd, manualSeed, type Tensor } from "../../src/index.js";
import { poolStats } from "../../src/tensor/pool.js";

const N = 256; // [N, N] float32 = 256 KiB

/** Run a few unrelated backward passes of the same sizes, so any recycled buffer is reused. */
function churn(): void {
  for (let i = 0; i < 3; i++) {
    const w = randn([N, N], { requiresGrad: true });
    w.mul(5).exp().mul(7).sum().backward();
  }
}

function allEqual(t: Tensor, v: number): boolean {
  return t.toArray().every((x) => x === v);
}

test("backward recycles intermediate gradients and the next pass reuses them", () => {
  const x = ones([N, N], { requiresGrad: true });
  x.mul(2).mul(3).mul(4).sum().backward();
  const before = poolStats();
  x.grad = null;
  x.mul(2).mul(3).mul(4).sum().backward();
  const after = poolStats();
  assert.ok(after.released - before.released >= 2, `released ${after.released - before.released}`);
  assert.ok(after.hits > before.hits, "the second pass took no buffer from the pool");
  assert.ok(allEqual(x.grad!, 24));
});

test("gradients are right where storage is shared: views, add's pass-through, a tensor used twice", () => {
  manualSeed(5);
  const x = randn([N, N], { requiresGrad: true });
  const v = x.reshape([N * N]);
  const a = v.mul(2).reshape([N, N]);     // through a view
  const b = x.add(x);                     // add passes its gradient through, twice to x
  const c = a.add(b).mul(x);              // x used a third time
  c.sum().backward();
  // d/dx Σ (2x + 2x)·x = 8x
  const xs = x.toArray(), gs = x.grad!.toArray();
  for (let i = 0; i < xs.length; i++) assert.ok(Math.abs(gs[i] - 8 * xs[i]) <= 1e-5 * (1 + Math.abs(xs[i])), `at ${i}: ${gs[i]} vs ${8 * xs[i]}`);
  const g = x.grad!;
  churn();
  assert.strictEqual(x.grad, g);
  for (let i = 0; i < xs.length; i++) assert.ok(Math.abs(g.toArray()[i] - 8 * xs[i]) <= 1e-5 * (1 + Math.abs(xs[i])), "a leaf's .grad changed after later passes");
});

test("a gradient a tensor hook keeps is never recycled", () => {
  const x = ones([N, N], { requiresGrad: true });
  const y = x.mul(2);
  let kept: Tensor | null = null;
  y.registerHook((g) => { kept = g; });
  y.mul(3).mul(5).sum().backward();
  churn();
  assert.ok(allEqual(kept!, 15), "the hooked gradient was overwritten");
  assert.ok(allEqual(x.grad!, 30));
});

test("retainGrad() gradients and gradients a custom Function sees are never recycled", () => {
  let seen: Tensor | null = null;
  let returned: Tensor | null = null;
  class Stash extends autograd.Function {
    static override forward(_ctx: autograd.FunctionCtx, t: Tensor): Tensor { return t.mul(1); }
    static override backward(_ctx: autograd.FunctionCtx, g: Tensor): Tensor[] {
      seen = g;
      returned = g.mul(2);
      return [returned];
    }
  }
  const x = ones([N, N], { requiresGrad: true });
  const y = x.mul(3);
  y.retainGrad();
  Stash.apply(y).mul(7).mul(1).sum().backward();
  churn();
  assert.ok(allEqual(seen!, 7), "the gradient a custom backward received was overwritten");
  assert.ok(allEqual(returned!, 14), "the gradient a custom backward returned was overwritten");
  assert.ok(allEqual(y.grad!, 14), "a retainGrad() gradient was overwritten");
  assert.ok(allEqual(x.grad!, 42));
});

test("no recycling with retainGraph, createGraph or inputs (their gradients may be used again)", () => {
  const x = full([N, N], 2, { requiresGrad: true });
  const y = x.mul(x).mul(3);
  const released = poolStats().released;
  const [g] = autograd.grad(y.sum(), x, { createGraph: true });
  y.sum().backward(undefined, { retainGraph: true });
  assert.equal(poolStats().released, released);
  churn();
  assert.ok(allEqual(g!, 12));
  assert.ok(allEqual(x.grad!, 12));
});
