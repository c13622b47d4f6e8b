import { test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, autograd, enableGrad, manualSeed, randn, randperm, zeros, tensor } from "../../src/index.js";
import type { DType } from "../../src/index.js";
import { loadFixture, T, assertClose, assertGradcheck, type FixtureTensor } from "../helpers.js";

interface PoolCase {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  args: any[]; opts: any;
  x: FixtureTensor; out: FixtureTensor; indices?: FixtureTensor;
  gy?: FixtureTensor; gx?: FixtureTensor;
}
type Family = "maxPool2d" | "avgPool2d" | "adaptiveAvgPool2d" | "adaptiveMaxPool2d" | "maxUnpool2d";

const fx = loadFixture("conv_pool") as Record<Family, PoolCase[]>;
const DTYPES: DType[] = ["float64", "float32"];

/** Run one family's op on a fixture case: { output, indices? }. */
function apply(family: Family, c: PoolCase, x: Tensor): { output: Tensor; indices?: Tensor } {
  switch (family) {
    case "maxPool2d": return F.maxPool2dWithIndices(x, c.args[0], c.opts);
    case "adaptiveMaxPool2d": return F.adaptiveMaxPool2dWithIndices(x, c.args[0]);
    case "avgPool2d": return { output: F.avgPool2d(x, c.args[0], c.opts) };
    case "adaptiveAvgPool2d": return { output: F.adaptiveAvgPool2d(x, c.args[0]) };
    case "maxUnpool2d": return { output: F.maxUnpool2d(x, T(c.indices!), c.args[0], c.opts) };
  }
}

for (const family of ["maxPool2d", "avgPool2d", "adaptiveAvgPool2d", "adaptiveMaxPool2d", "maxUnpool2d"] as Family[]) {
  for (const dtype of DTYPES) {
    for (const c of fx[family]) {
      test(`${family} matches torch: ${c.name} (${dtype})`, () => {
        const x = T(c.x, { dtype, requiresGrad: true });
        const { output, indices } = apply(family, c, x);
        assert.equal(output.dtype, dtype);
        assertClose(output, c.out, { msg: "forward" });
        if (indices) {
          assert.equal(indices.dtype, "int32");
          assert.deepEqual(indices.shape, c.indices!.shape);
          assert.deepEqual([...indices.toArray()], c.indices!.data, "indices");
        }
        if (c.gy) {
          output.backward(T(c.gy, { dtype }));
          assertClose(x.grad!, c.gx!, { msg: "x.grad" });
        }
      });
    }
  }
}

test("pool fixtures cover the options they claim", () => {
  const all = Object.values(fx).flat();
  for (const key of ["ceilMode", "countIncludePad", "divisorOverride", "dilation", "outputSize"]) {
    assert.ok(all.some((c) => c.opts && c.opts[key] !== undefined), key);
  }
  assert.ok(fx.maxPool2d.some((c) => c.out.data.includes("nan")), "a NaN case");
  assert.ok(fx.adaptiveAvgPool2d.some((c) => Array.isArray(c.args[0]) && c.args[0].includes(null)), "a null adaptive dim");
});

// ---- gradcheck (float64) on tiny shapes ----------------------------------------------------------

/** Distinct values (a permutation), so no max sits within eps of a tie. */
function distinct(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return randperm(n).to("float64").div(n).reshape(shape);
}

test("maxPool2d gradcheck (overlapping, padding, dilation, ceilMode)", () => {
  manualSeed(1);
  assertGradcheck((x) => F.maxPool2d(x, 3, { stride: 1, padding: 1 }), [distinct([1, 2, 4, 4])]);
  assertGradcheck((x) => F.maxPool2d(x, [2, 3], { stride: 2, dilation: [2, 1], ceilMode: true }), [distinct([2, 1, 5, 6])]);
});

test("avgPool2d gradcheck (padding, ceilMode, countIncludePad false, divisorOverride)", () => {
  manualSeed(2);
  assertGradcheck((x) => F.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [randn([1, 2, 6, 5])]);
  assertGradcheck((x) => F.avgPool2d(x, [2, 3], { stride: 1, padding: [1, 1], divisorOverride: 5 }), [randn([2, 4, 4])]);
});

test("adaptive pools gradcheck (overlapping windows)", () => {
  manualSeed(3);
  assertGradcheck((x) => F.adaptiveAvgPool2d(x, [3, null]), [randn([1, 2, 5, 4])]);
  assertGradcheck((x) => F.adaptiveMaxPool2d(x, [3, 2]), [distinct([1, 2, 5, 3])]);
});

test("maxUnpool2d gradcheck", () => {
  manualSeed(4);
  const { indices } = F.maxPool2dWithIndices(distinct([1, 2, 4, 6]), 2);
  assertGradcheck((v) => F.maxUnpool2d(v, indices, 2), [randn([1, 2, 2, 3])]);
});

test("double backward through max and average pooling (gradcheck of createGraph gradients)", () => {
  manualSeed(5);
  const viaGrad = (pool: (x: Tensor) => Tensor) => (x: Tensor): Tensor =>
    enableGrad(() => autograd.grad(pool(x).square().sum(), x, { createGraph: true })[0]!);
  assertGradcheck(viaGrad((x) => F.maxPool2d(x, 2, { stride: 1 })), [distinct([1, 1, 4, 4])]);
  assertGradcheck(viaGrad((x) => F.adaptiveMaxPool2d(x, 2)), [distinct([1, 1, 3, 5])]);
  assertGradcheck(viaGrad((x) => F.avgPool2d(x, 2, { stride: 1, padding: 1, countIncludePad: false })), [randn([1, 1, 3, 3])]);
  assertGradcheck(viaGrad((x) => F.adaptiveAvgPool2d(x, [2, 3])), [randn([1, 1, 3, 4])]);
});

// ---- semantics --------------------------------------------------------------------------------------

test("max pooling: the first maximum wins a tie and takes the whole gradient", () => {
  const x = tensor([[[[1, 3], [3, 2]]]], { dtype: "float64", requiresGrad: true });
  const { output, indices } = F.maxPool2dWithIndices(x, 2);
  assert.deepEqual([...indices.toArray()], [1]);
  output.sum().backward();
  assert.deepEqual([...x.grad!.toArray()], [0, 1, 0, 0]);
});

test("max pooling sums the gradient where one input is the max of several windows", () => {
  const x = tensor([[[[0, 0, 0], [0, 9, 0], [0, 0, 0]]]], { requiresGrad: true });
  F.maxPool2d(x, 2, { stride: 1 }).sum().backward();
  assert.deepEqual([...x.grad!.toArray()], [0, 0, 0, 0, 4, 0, 0, 0, 0]);
});

test("default stride is the kernel size; global average pooling equals mean", () => {
  manualSeed(6);
  const x = randn([2, 3, 6, 6]);
  assert.deepEqual(F.maxPool2d(x, 3).shape, [2, 3, 2, 2]);
  assert.deepEqual(F.avgPool2d(x, 2, { stride: null }).shape, [2, 3, 3, 3]);
  assertClose(F.adaptiveAvgPool2d(x, 1).reshape([2, 3]), x.mean([2, 3]), { atol: 1e-6, rtol: 1e-5 });
});

test("unbatched inputs give unbatched outputs and indices", () => {
  manualSeed(7);
  const x = randn([3, 4, 4]);
  const { output, indices } = F.maxPool2dWithIndices(x, 2);
  assert.deepEqual(output.shape, [3, 2, 2]);
  assert.deepEqual(indices.shape, [3, 2, 2]);
  assert.deepEqual(F.maxUnpool2d(output, indices, 2).shape, [3, 4, 4]);
  assert.deepEqual(F.adaptiveMaxPool2dWithIndices(x, [null, 1]).indices.shape, [3, 4, 1]);
});

// ---- errors --------------------------------------------------------------------------------------

test("pooling errors teach", () => {
  const x = zeros([1, 2, 5, 5]);
  assert.throws(() => F.maxPool2d(x, 3, { padding: 2 }), /maxPool2d: padding should be at most half of the kernel size; got padding \[2, 2\] for kernel \[3, 3\]/);
  assert.throws(() => F.avgPool2d(x, 2, { padding: [0, 2] }), /avgPool2d: padding should be at most half/);
  assert.throws(() => F.maxPool2d(x, 6), /maxPool2d: output size is too small; input 2×5×5 gives 2×0×0/);
  assert.throws(() => F.maxPool2d(x, 3, { dilation: 3 }), /output size is too small/);
  assert.throws(() => F.maxPool2d(x, 0), /kernelSize must be an integer ≥ 1/);
  assert.throws(() => F.maxPool2d(x, 2, { stride: 0 }), /stride must be an integer ≥ 1/);
  assert.throws(() => F.maxPool2d(zeros([5, 5]), 2), /expected a 3-d \(unbatched \[C, H, W\]\) or 4-d .* got shape \[5, 5\]/);
  assert.throws(() => F.avgPool2d(zeros([1, 0, 4, 4]), 2), /non-zero C, H, W, got shape \[1, 0, 4, 4\]/);
  assert.throws(() => F.avgPool2d(x, 2, { divisorOverride: 0 }), /divisorOverride must be a non-zero integer, got 0/);
  assert.throws(() => F.adaptiveAvgPool2d(x, [0, 2]), /adaptiveAvgPool2d: outputSize must be positive integers/);
  assert.throws(() => F.adaptiveMaxPool2d(x, [1, 2, 3]), /outputSize must be an int or a pair/);
  assert.throws(() => F.maxPool2d(tensor([[[1]]], { dtype: "int32" }), 1), /input must be float32 or float64, got int32/);
});

test("maxUnpool2d errors teach", () => {
  const { output, indices } = F.maxPool2dWithIndices(randn([1, 1, 4, 4]), 2);
  assert.throws(() => F.maxUnpool2d(output, indices.to("float32"), 2), /indices must be int32, got float32/);
  assert.throws(() => F.maxUnpool2d(output, indices.reshape([1, 1, 4]), 2), /indices must have the input's shape \[1, 1, 2, 2\], got \[1, 1, 4\]/);
  assert.throws(() => F.maxUnpool2d(output, tensor([[[[0, 1], [2, 16]]]], { dtype: "int32" }), 2), /maxUnpool2d: found an invalid max index 16; output planes are 4×4/);
  assert.throws(() => F.maxUnpool2d(output, indices, 2, { outputSize: [6, 4] }), /invalid outputSize \[6,4\]; H must be between 2 and 6/);
  assert.throws(() => F.maxUnpool2d(output, indices, 2, { outputSize: [4] }), /outputSize must have 2 or 4 elements/);
  assert.deepEqual(F.maxUnpool2d(output, indices, 2, { outputSize: [1, 1, 5, 5] }).shape, [1, 1, 5, 5]);
});
