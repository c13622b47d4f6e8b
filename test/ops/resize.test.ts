import { test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, tensor, randn, arange, autograd, manualSeed, enableGrad } from "../../src/index.js";
import type { DType } from "../../src/index.js";
import { loadFixture, T, assertClose, assertGradcheck, type FixtureTensor } from "../helpers.js";

const fx = loadFixture("norm_resize");
const DTYPES: DType[] = ["float64", "float32"];

interface Case { inputs: FixtureTensor[]; out: FixtureTensor; g: FixtureTensor; grads: FixtureTensor[] }

function check(c: Case, dtype: DType, fn: (x: Tensor) => Tensor, msg: string): void {
  const x = T(c.inputs[0], { dtype, requiresGrad: true });
  const out = fn(x);
  assertClose(out, c.out, { msg: `${msg} ${dtype} out` });
  out.backward(T(c.g, { dtype }));
  assertClose(x.grad!, c.grads[0], { msg: `${msg} ${dtype} grad` });
}

/** PyTorch's snake_case interpolate kwargs → our options. */
function interpOptions(o: Record<string, unknown>): F.InterpolateOptions {
  return {
    size: o.size as number | number[] | undefined,
    scaleFactor: o.scale_factor as number | number[] | undefined,
    mode: (o.mode as F.InterpolateMode | undefined) ?? "nearest",
    alignCorners: o.align_corners as boolean | undefined,
    recomputeScaleFactor: o.recompute_scale_factor as boolean | undefined,
  };
}

test("pad: constant / reflect / replicate / circular match PyTorch (outputs and gradients)", () => {
  assert.equal(fx.pad.length, 17);
  for (const c of fx.pad) {
    for (const dtype of DTYPES) {
      const opts = c.value === null ? { mode: c.mode } : { mode: c.mode, value: c.value };
      check(c, dtype, (x) => F.pad(x, c.pad, opts), `pad ${c.mode} ${JSON.stringify(c.pad)}`);
    }
  }
});

test("pad: small worked examples", () => {
  const x = tensor([[[1, 2, 3]]]);
  assert.deepEqual(F.pad(x, [2, 1], { mode: "reflect" }).tolist(), [[[3, 2, 1, 2, 3, 2]]]);
  assert.deepEqual(F.pad(x, [2, 1], { mode: "replicate" }).tolist(), [[[1, 1, 1, 2, 3, 3]]]);
  assert.deepEqual(F.pad(x, [2, 1], { mode: "circular" }).tolist(), [[[2, 3, 1, 2, 3, 1]]]);
  assert.deepEqual(F.pad(x, [-1, 2], { mode: "circular" }).tolist(), [[[2, 3, 2, 3]]], "crops, then wraps what is left");
  assert.deepEqual(F.pad(x, [1, -1], { value: 9 }).tolist(), [[[9, 1, 2]]]);
  assert.deepEqual(F.pad(tensor([1, 2], { dtype: "int32" }), [1, 0]).tolist(), [0, 1, 2]);
});

test("pad: gradcheck and double backward for every mode", () => {
  manualSeed(4);
  const x = randn([1, 2, 3, 3]);
  assertGradcheck((x) => F.pad(x, [1, -1, 2, 0], { value: 0.5 }), [x]);
  assertGradcheck((x) => F.pad(x, [2, 1, 1, 2], { mode: "reflect" }), [x]);
  assertGradcheck((x) => F.pad(x, [2, 0, 1, 3], { mode: "replicate" }), [x]);
  assertGradcheck((x) => F.pad(x, [3, 1, -1, 2], { mode: "circular" }), [x]);
  const g = randn([1, 2, 6, 6]).double();
  assertGradcheck((x) => enableGrad(() => {
    const y = F.pad(x, [2, 1, 1, 2], { mode: "reflect" });
    return autograd.grad(y.mul(y).mul(g).sum(), [x], { createGraph: true })[0]!;
  }), [x]);
});

test("pad: errors follow PyTorch 1.13's restrictions", () => {
  const x3 = randn([1, 2, 3]);
  assert.throws(() => F.pad(x3, [1]), /padding length must be divisible by 2, got 1/);
  assert.throws(() => F.pad(x3, [1, 1, 1, 1, 1, 1, 1, 1]), /padding length too large: 4/);
  assert.throws(() => F.pad(x3, [-2, -2]), /gives a negative size -1/);
  assert.throws(() => F.pad(x3, [3, 0], { mode: "reflect" }), /reflect padding must be less than the corresponding input dim, but got padding \(3, 0\) at dim 2 of input \[1, 2, 3\]/);
  assert.throws(() => F.pad(x3, [-3, 0], { mode: "replicate" }), /too small for padding \(-3, 0\): the output size would be 0/);
  assert.throws(() => F.pad(x3, [4, 0], { mode: "circular" }), /would wrap around more than once/);
  assert.throws(() => F.pad(randn([3]), [1, 1], { mode: "reflect" }), /pads the last 1 dim of a 2-d\/3-d input/);
  assert.throws(() => F.pad(randn([1, 2, 3, 4]), [1, 1], { mode: "replicate" }), /got 1 pair\(s\) for input shape \[1, 2, 3, 4\]/);
  assert.throws(() => F.pad(x3, [1, 1, 1, 1], { mode: "circular" }), /needs 2 values .* got 4/);
  assert.throws(() => F.pad(randn([2, 3]), [1, 1], { mode: "circular" }), /needs 0 values/);
  assert.throws(() => F.pad(x3, [1, 1], { mode: "reflect", value: 1 }), /doesn't take a value/);
  assert.throws(() => F.pad(x3, [1, 1], { mode: "wrap" as F.PadMode }), /unknown mode "wrap"/);
  assert.equal(F.pad(x3, [-3, 0], { mode: "circular" }).shape[2], 0);
});

test("interpolate: nearest / nearest-exact / linear / bilinear / trilinear / area match PyTorch", () => {
  assert.equal(fx.interp.length, 31);
  for (const c of fx.interp) {
    const opts = interpOptions(c.options);
    for (const dtype of DTYPES) check(c, dtype, (x) => F.interpolate(x, opts), `interpolate ${JSON.stringify(c.options)}`);
  }
});

test("interpolate: worked examples, upsample aliases", () => {
  const x = arange(0, 4, 1, { dtype: "float64" }).reshape(1, 1, 2, 2);
  assert.deepEqual(F.upsample(x, { scaleFactor: 2 }).reshape(4, 4).tolist(), [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]);
  assert.deepEqual(F.upsampleNearest(x, { size: 3 }).reshape(3, 3).tolist(), [[0, 0, 1], [0, 0, 1], [2, 2, 3]]);
  assert.deepEqual(F.upsampleBilinear(x, { size: 3 }).reshape(3, 3).tolist(), [[0, 0.5, 1], [1, 1.5, 2], [2, 2.5, 3]]);
  assert.deepEqual(F.interpolate(x, { size: [2, 4], mode: "bilinear" }).reshape(2, 4).tolist(), [[0, 0.25, 0.75, 1], [2, 2.25, 2.75, 3]]);
});

test("interpolate: gradcheck and double backward", () => {
  manualSeed(5);
  const x = randn([1, 2, 3, 4]);
  assertGradcheck((x) => F.interpolate(x, { size: [5, 3] }), [x]);
  assertGradcheck((x) => F.interpolate(x, { scaleFactor: 1.5, mode: "bilinear" }), [x]);
  assertGradcheck((x) => F.interpolate(x, { size: [2, 7], mode: "bilinear", alignCorners: true }), [x]);
  assertGradcheck((x) => F.interpolate(x, { size: 5, mode: "linear" }), [randn([1, 2, 3])]);
  assertGradcheck((x) => F.interpolate(x, { size: [2, 3], mode: "area" }), [x]);
  const g = randn([1, 2, 5, 6]).double();
  assertGradcheck((x) => enableGrad(() => {
    const y = F.interpolate(x, { size: [5, 6], mode: "bilinear" });
    return autograd.grad(y.mul(y).mul(g).sum(), [x], { createGraph: true })[0]!;
  }), [x]);
});

test("interpolate: errors", () => {
  const x = randn([1, 1, 3, 3]);
  assert.throws(() => F.interpolate(x), /either size or scaleFactor should be defined/);
  assert.throws(() => F.interpolate(x, { size: 2, scaleFactor: 2 }), /only one of size or scaleFactor/);
  assert.throws(() => F.interpolate(x, { size: 2, alignCorners: true }), /alignCorners can only be set with the interpolating modes/);
  assert.throws(() => F.interpolate(x, { size: [2] }), /same number of spatial dims, but got input with spatial dims \[3, 3\] and size \[2\]/);
  assert.throws(() => F.interpolate(x, { size: [0, 2] }), /sizes should be greater than 0, but got input \[3, 3\] and output \[0, 2\]/);
  assert.throws(() => F.interpolate(x, { scaleFactor: 0.1 }), /output \[0, 0\]/);
  assert.throws(() => F.interpolate(randn([1, 2, 3]), { size: 4, mode: "bilinear" }), /mode "bilinear" needs a 4-d input/);
  assert.throws(() => F.interpolate(x, { size: 4, mode: "linear" }), /mode "linear" needs a 3-d input/);
  assert.throws(() => F.interpolate(randn([3, 3]), { size: 4 }), /needs a 3-d, 4-d, 5-d input/);
  assert.throws(() => F.interpolate(x, { size: 4, mode: "cubic" as F.InterpolateMode }), /unknown mode "cubic"/);
  assert.throws(() => F.interpolate(x, { size: 4, recomputeScaleFactor: true }), /recomputeScaleFactor is not meaningful/);
});
