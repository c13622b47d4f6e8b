import { test } from "node:test";
import assert from "node:assert/strict";
import { F, tensor, ones, randn, manualSeed, noGrad } from "../../src/index.js";
import type { DType } from "../../src/index.js";
import { assertClose, assertGradcheck } from "../helpers.js";

test("dropout: the same seed gives the same mask; another seed a different one", () => {
  const x = randn([50, 40]);
  manualSeed(11);
  const a = F.dropout(x, 0.3).toArray();
  manualSeed(11);
  const b = F.dropout(x, 0.3).toArray();
  assert.deepEqual(a, b);
  manualSeed(12);
  const c = F.dropout(x, 0.3).toArray();
  assert.notDeepEqual(a, c);
  // Without re-seeding, consecutive calls draw fresh masks.
  manualSeed(11);
  F.dropout(x, 0.3);
  assert.notDeepEqual(F.dropout(x, 0.3).toArray(), a);
});

for (const dtype of ["float32", "float64"] as DType[]) {
  test(`dropout: keeps ≈ 1 − p of the units and scales them by 1/(1 − p), ${dtype}`, () => {
    manualSeed(5);
    for (const p of [0.1, 0.5, 0.8]) {
      const x = randn([200, 250], { dtype });
      const y = F.dropout(x, p);
      assert.equal(y.dtype, dtype);
      const xs = x.toArray();
      const ys = y.toArray();
      let kept = 0;
      const scale = dtype === "float32" ? Math.fround(1 / (1 - p)) : 1 / (1 - p);
      for (let i = 0; i < xs.length; i++) {
        if (ys[i] === 0) continue;
        kept++;
        const want = dtype === "float32" ? Math.fround(xs[i] * scale) : xs[i] * scale;
        assert.equal(ys[i], want, `element ${i}`);
      }
      const frac = kept / xs.length; // 50 000 draws: standard error ≤ 0.0023
      assert.ok(Math.abs(frac - (1 - p)) < 0.01, `p = ${p}: kept ${frac}, expected ≈ ${1 - p}`);
      // The expectation is preserved.
      assert.ok(Math.abs(y.mean().item() - x.mean().item()) < 0.03, `p = ${p}: mean drifted`);
    }
  });
}

test("dropout: eval mode and p = 0 return the input itself; p = 1 gives zeros", () => {
  const x = randn([3, 4], { requiresGrad: true });
  assert.equal(F.dropout(x, 0.5, false), x);
  assert.equal(F.dropout(x, 0), x);
  const z = F.dropout(x, 1);
  assert.ok([...z.toArray()].every((v) => v === 0)); // −0 where x < 0, as in PyTorch
  z.sum().backward();
  assert.deepEqual([...x.grad!.toArray()], new Array(12).fill(0));
  assert.deepEqual(F.dropout(randn([0, 3]), 0.5).shape, [0, 3]);
});

test("dropout: gradient is mask/(1 − p)", () => {
  const x = randn([6, 7], { dtype: "float64", requiresGrad: true });
  manualSeed(3);
  const y = F.dropout(x, 0.3);
  y.sum().backward();
  const ys = y.toArray(), xs = x.toArray(), gs = x.grad!.toArray();
  let zeros = 0;
  for (let i = 0; i < xs.length; i++) {
    if (ys[i] === 0) { assert.equal(gs[i], 0); zeros++; }
    else assert.equal(gs[i], 1 / 0.7);
  }
  assert.ok(zeros > 0 && zeros < xs.length);
  assertGradcheck((t) => { manualSeed(3); return F.dropout(t, 0.3); }, [randn([4, 5], { dtype: "float64" })]);
  assertGradcheck((t) => { manualSeed(4); return F.dropout2d(t, 0.5); }, [randn([2, 3, 2, 2], { dtype: "float64" })]);
  assertGradcheck((t) => { manualSeed(4); return F.dropout1d(t, 0.5); }, [randn([3, 4], { dtype: "float64" })]);
});

test("dropout: bad p and non-float inputs are errors", () => {
  const x = randn([2, 2]);
  assert.throws(() => F.dropout(x, 1.5), /dropout: dropout probability has to be between 0 and 1, got 1.5/);
  assert.throws(() => F.dropout(x, -0.1), /between 0 and 1, got -0.1/);
  assert.throws(() => F.dropout(x, NaN), /between 0 and 1, got NaN/);
  assert.throws(() => F.dropout(x, 1.5, false), /between 0 and 1/, "checked even in eval mode, like PyTorch");
  assert.throws(() => F.dropout(tensor([1, 2], { dtype: "int32" }), 0.5), /dropout: input must be float32 or float64/);
  assert.throws(() => F.dropout2d(randn([2, 3]), 0.5), /dropout2d: expected a 4-d input \[N, C, H, W\] or a 3-d input \[C, H, W\], got shape \[2, 3\]/);
  assert.throws(() => F.dropout2d(x, 2), /dropout2d: dropout probability/);
  assert.throws(() => F.dropout1d(randn([2, 3, 4, 5]), 0.5), /dropout1d: expected a 3-d input \[N, C, L\] or a 2-d input \[C, L\]/);
});

test("dropout2d zeroes whole channels ([N, C, H, W] and unbatched [C, H, W])", () => {
  manualSeed(21);
  for (const shape of [[8, 16, 3, 4], [32, 3, 4]]) {
    const x = ones(shape, { dtype: "float64" });
    const y = F.dropout2d(x, 0.4);
    const plane = shape[shape.length - 1] * shape[shape.length - 2];
    const v = y.toArray();
    let kept = 0;
    for (let c = 0; c < v.length / plane; c++) {
      const first = v[c * plane];
      assert.ok(first === 0 || first === 1 / 0.6, `channel ${c}: ${first}`);
      for (let k = 1; k < plane; k++) assert.equal(v[c * plane + k], first, `channel ${c} is not all-or-nothing`);
      if (first !== 0) kept++;
    }
    const channels = v.length / plane;
    assert.ok(kept > 0 && kept < channels, `kept ${kept} of ${channels}`);
  }
  // Same seed, same channel mask; eval mode is the identity.
  const x = randn([2, 4, 3, 3]);
  manualSeed(2);
  const a = F.dropout2d(x, 0.5).toArray();
  manualSeed(2);
  assert.deepEqual(F.dropout2d(x, 0.5).toArray(), a);
  assert.equal(F.dropout2d(x, 0.5, false), x);
  assert.ok([...F.dropout2d(x, 1).toArray()].every((v) => v === 0));
  // dropout3d: one draw per (n, c) over a [D, H, W] volume
  manualSeed(9);
  const v = F.dropout3d(ones([2, 5, 2, 2, 2]), 0.5).toArray();
  for (let c = 0; c < 10; c++) for (let k = 1; k < 8; k++) assert.equal(v[c * 8 + k], v[c * 8]);
});

test("dropout inside noGrad records nothing", () => {
  const x = randn([3, 3], { requiresGrad: true });
  const y = noGrad(() => F.dropout(x, 0.5));
  assert.equal(y.requiresGrad, false);
  assertClose(F.dropout(x.detach(), 0.5, false), x.detach());
});
