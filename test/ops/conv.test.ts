import { test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, autograd, enableGrad, manualSeed, randn, zeros, tensor } from "../../src/index.js";
import type { DType } from "../../src/index.js";
import { loadFixture, T, assertClose, assertGradcheck, type FixtureTensor } from "../helpers.js";

interface ConvCase {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  opts: any;
  x: FixtureTensor; w: FixtureTensor; b: FixtureTensor | null;
  out: FixtureTensor; gy: FixtureTensor; gx: FixtureTensor; gw: FixtureTensor; gb: FixtureTensor | null;
}

const fx = loadFixture("conv_pool") as { conv2d: ConvCase[]; convTranspose2d: ConvCase[] };
const DTYPES: DType[] = ["float64", "float32"];

function runCase(op: "conv2d" | "convTranspose2d", c: ConvCase, dtype: DType): void {
  const x = T(c.x, { dtype, requiresGrad: true });
  const w = T(c.w, { dtype, requiresGrad: true });
  const b = c.b ? T(c.b, { dtype, requiresGrad: true }) : null;
  const y = F[op](x, w, b, c.opts);
  assert.equal(y.dtype, dtype);
  assertClose(y, c.out, { msg: "forward" });
  y.backward(T(c.gy, { dtype }));
  assertClose(x.grad!, c.gx, { msg: "x.grad" });
  assertClose(w.grad!, c.gw, { msg: "w.grad" });
  if (b) assertClose(b.grad!, c.gb!, { msg: "b.grad" });
}

for (const dtype of DTYPES) {
  for (const c of fx.conv2d) test(`conv2d matches torch: ${c.name} (${dtype})`, () => runCase("conv2d", c, dtype));
  for (const c of fx.convTranspose2d) test(`convTranspose2d matches torch: ${c.name} (${dtype})`, () => runCase("convTranspose2d", c, dtype));
}

test("fixtures cover the option combinations they claim", () => {
  const names = fx.conv2d.map((c) => c.name).join("|");
  for (const s of ["stride 2", "dilation", "groups 2", "depthwise", "same", "valid", "no bias", "unbatched"]) assert.match(names, new RegExp(s));
  assert.ok(fx.convTranspose2d.some((c) => c.opts.outputPadding !== undefined));
});

// ---- gradcheck (float64 finite differences) on tiny shapes ----------------------------------------

const convConfigs: [string, number[], number[], F.Conv2dOptions][] = [
  ["stride 2, padding 1", [1, 2, 5, 4], [2, 2, 3, 3], { stride: 2, padding: 1 }],
  ["dilation 2, groups 2", [1, 4, 5, 5], [2, 2, 2, 2], { dilation: 2, groups: 2 }],
  ["same, even kernel, pairs", [2, 1, 4, 3], [2, 1, 2, 3], { padding: "same", dilation: [1, 1] }],
  ["stride [2,1], padding [0,1], unbatched", [2, 4, 4], [3, 2, 2, 2], { stride: [2, 1], padding: [0, 1] }],
];

for (const [name, xs, ws, opts] of convConfigs) {
  test(`conv2d gradcheck on x, w, b: ${name}`, () => {
    manualSeed(1);
    assertGradcheck((x, w, b) => F.conv2d(x, w, b, opts), [randn(xs), randn(ws), randn([ws[0]])]);
  });
}

const convTConfigs: [string, number[], number[], F.ConvTranspose2dOptions][] = [
  ["stride 2, padding 1, outputPadding 1", [1, 2, 3, 3], [2, 2, 3, 3], { stride: 2, padding: 1, outputPadding: 1 }],
  ["groups 2, dilation 2", [1, 4, 2, 3], [4, 1, 2, 2], { groups: 2, dilation: 2 }],
  ["stride [1,2], outputPadding [1,1] (< dilation 2 / stride 2)", [2, 1, 2, 2], [1, 2, 2, 2], { stride: [1, 2], dilation: 2, outputPadding: [1, 1] }],
];

for (const [name, xs, ws, opts] of convTConfigs) {
  test(`convTranspose2d gradcheck on x, w, b: ${name}`, () => {
    manualSeed(2);
    const b = randn([ws[1] * (opts.groups ?? 1)]);
    assertGradcheck((x, w, bb) => F.convTranspose2d(x, w, bb, opts), [randn(xs), randn(ws), b]);
  });
}

test("conv2dWeightGrad equals w.grad and passes gradcheck in both arguments", () => {
  manualSeed(3);
  const opts: F.Conv2dOptions = { stride: 2, padding: 1, groups: 2 };
  const x = randn([2, 2, 4, 5], { dtype: "float64" });
  const w = randn([4, 1, 3, 2], { dtype: "float64", requiresGrad: true });
  const gy = randn(F.conv2d(x, w, null, opts).shape, { dtype: "float64" });
  F.conv2d(x, w, null, opts).backward(gy);
  assertClose(F.conv2dWeightGrad(x, gy, w.shape, opts), w.grad!);
  assertGradcheck((xx, gg) => F.conv2dWeightGrad(xx, gg, [4, 1, 3, 2], opts), [x, gy]);
});

test("conv2d double backward: gradcheck of the gradients (createGraph)", () => {
  manualSeed(4);
  const opts: F.Conv2dOptions = { stride: 2, padding: 1, dilation: [1, 2] };
  const b = randn([2], { dtype: "float64", requiresGrad: true });
  const f = (x: Tensor, w: Tensor): Tensor[] => {
    // gradcheck evaluates f under noGrad for finite differences; the inner grad needs a graph.
    return enableGrad(() => {
      const y = F.conv2d(x, w, b, opts);
      const [gx, gw, gb] = autograd.grad(y.square().sum(), [x, w, b], { createGraph: true });
      return [gx!, gw!, gb!];
    });
  };
  assertGradcheck(f, [randn([1, 2, 4, 5]), randn([2, 2, 2, 2])]);
});

test("convTranspose2d double backward: gradcheck of the gradients (createGraph)", () => {
  manualSeed(5);
  const f = (x: Tensor, w: Tensor): Tensor[] => {
    return enableGrad(() => {
      const y = F.convTranspose2d(x, w, null, { stride: 2, outputPadding: 1, groups: 2 });
      const [gx, gw] = autograd.grad(y.square().sum(), [x, w], { createGraph: true });
      return [gx!, gw!];
    });
  };
  assertGradcheck(f, [randn([1, 2, 2, 2]), randn([2, 1, 2, 2])]);
});

// ---- shapes, unbatched input, properties ------------------------------------------------------------

test("AlexNet conv1 (96 filters 11×11, stride 4) maps 1×3×227×227 to 1×96×55×55 (CS231n)", () => {
  manualSeed(6);
  const y = F.conv2d(randn([1, 3, 227, 227]), randn([96, 3, 11, 11]), randn([96]), { stride: 4 });
  assert.deepEqual(y.shape, [1, 96, 55, 55]);
});

test("unbatched input equals the batched result's first item", () => {
  manualSeed(7);
  const x = randn([2, 5, 5]), w = randn([3, 2, 3, 3]), b = randn([3]);
  const y = F.conv2d(x, w, b, { padding: 1 });
  assert.deepEqual(y.shape, [3, 5, 5]);
  assertClose(y, F.conv2d(x.unsqueeze(0), w, b, { padding: 1 }).squeeze(0));
  const wt = randn([2, 4, 2, 2]);
  assertClose(F.convTranspose2d(x, wt, null, { stride: 2 }), F.convTranspose2d(x.unsqueeze(0), wt, null, { stride: 2 }).squeeze(0));
});

test("a non-contiguous input gives the same result as its contiguous copy", () => {
  manualSeed(8);
  const x = randn([2, 5, 4, 3]).permute([0, 3, 1, 2]); // [2, 3, 5, 4], strided
  const w = randn([2, 3, 2, 2]);
  assertClose(F.conv2d(x, w), F.conv2d(x.contiguous(), w));
});

test("convTranspose2d is the adjoint of conv2d: ⟨conv(x), y⟩ = ⟨x, convT(y)⟩", () => {
  manualSeed(9);
  const opts = { stride: 2, padding: 1, dilation: 2, groups: 2 };
  const x = randn([2, 4, 7, 6], { dtype: "float64" }), w = randn([6, 2, 3, 2], { dtype: "float64" });
  const y = randn(F.conv2d(x, w, null, opts).shape, { dtype: "float64" });
  // outputPadding recovers the input width that the output-size formula cannot tell apart.
  const back = F.convTranspose2d(y, w, null, { ...opts, outputPadding: [0, 1] });
  assert.deepEqual(back.shape, x.shape);
  assertClose(F.conv2d(x, w, null, opts).mul(y).sum(), x.mul(back).sum().item());
});

// ---- errors --------------------------------------------------------------------------------------

test("conv2d errors teach", () => {
  const x = zeros([1, 3, 5, 5]);
  assert.throws(() => F.conv2d(x, zeros([8, 4, 3, 3])), { message: "conv2d: input has 3 channels but weight expects 4 (weight shape [8, 4, 3, 3])" });
  assert.throws(() => F.conv2d(zeros([1, 4, 5, 5]), zeros([6, 1, 3, 3]), null, { groups: 3 }), /input has 4 channels but weight expects 3 \(weight shape \[6, 1, 3, 3\], groups 3\)/);
  assert.throws(() => F.conv2d(zeros([1, 4, 5, 5]), zeros([5, 2, 3, 3]), null, { groups: 2 }), /out channels \(5.*must be divisible by groups \(2\)/);
  assert.throws(() => F.conv2d(x, zeros([2, 3, 3, 3]), null, { groups: 0 }), /groups must be a positive integer, got 0/);
  assert.throws(() => F.conv2d(x, zeros([2, 3, 7, 3])), /kernel size can't be greater than the padded input size; padded input is 5×5, \(dilated\) kernel is 7×3/);
  assert.throws(() => F.conv2d(x, zeros([2, 3, 3, 3]), null, { dilation: 3 }), /\(dilated\) kernel is 7×7/);
  assert.doesNotThrow(() => F.conv2d(x, zeros([2, 3, 7, 3]), null, { padding: 1 }));
  assert.throws(() => F.conv2d(x, zeros([2, 3, 3, 3]), zeros([3])), /bias must have shape \[2\].*got \[3\]/);
  assert.throws(() => F.conv2d(x, zeros([2, 3, 3, 3], { dtype: "float64" })), /input is float32 but weight is float64/);
  assert.throws(() => F.conv2d(x, zeros([2, 3, 3, 3]), zeros([2], { dtype: "float64" })), /input is float32 but bias is float64/);
  assert.throws(() => F.conv2d(x, zeros([2, 3, 3, 3]), null, { padding: "same", stride: 2 }), /padding "same" is not supported for strided convolutions/);
  assert.throws(() => F.conv2d(x, zeros([2, 3, 3, 3]), null, { padding: "full" as "same" }), /invalid padding string "full"/);
  assert.throws(() => F.conv2d(x, zeros([2, 3, 3, 3]), null, { stride: 0 }), /stride must be an integer ≥ 1/);
  assert.throws(() => F.conv2d(x, zeros([2, 3, 3, 3]), null, { padding: -1 }), /padding must be an integer ≥ 0/);
  assert.throws(() => F.conv2d(zeros([3, 5]), zeros([2, 3, 3, 3])), /expected a 3-d \(unbatched \[C, H, W\]\) or 4-d .* got shape \[3, 5\]/);
  assert.throws(() => F.conv2d(x, zeros([2, 3, 3])), /weight must be 4-d, got shape \[2, 3, 3\]/);
  assert.throws(() => F.conv2d(tensor([[[[1]]]], { dtype: "int32" }), tensor([[[[1]]]], { dtype: "int32" })), /input must be float32 or float64, got int32/);
});

test("convTranspose2d errors teach", () => {
  const x = zeros([1, 3, 4, 4]);
  assert.throws(() => F.convTranspose2d(x, zeros([4, 2, 3, 3])), /convTranspose2d: input has 3 channels but weight expects 4 \(weight shape \[4, 2, 3, 3\]/);
  assert.throws(() => F.convTranspose2d(x, zeros([3, 2, 3, 3]), null, { groups: 2 }), /in channels \(3.*divisible by groups \(2\)/);
  assert.throws(() => F.convTranspose2d(x, zeros([3, 2, 3, 3]), null, { stride: 2, outputPadding: 2 }), /outputPadding must be smaller than either stride or dilation; got outputPadding \[2, 2\], stride \[2, 2\], dilation \[1, 1\]/);
  assert.throws(() => F.convTranspose2d(x, zeros([3, 2, 3, 3]), null, { outputPadding: [0, 1] }), /outputPadding must be smaller/);
  assert.throws(() => F.convTranspose2d(x, zeros([3, 2, 3, 3]), zeros([3])), /bias must have shape \[2\]/);
  assert.throws(() => F.convTranspose2d(x, zeros([3, 2, 1, 1]), null, { padding: 2 }), /the output would be 0×0/);
});

test("conv2dWeightGrad checks its gradOutput's shape", () => {
  assert.throws(() => F.conv2dWeightGrad(zeros([1, 2, 5, 5]), zeros([1, 3, 4, 4]), [3, 2, 3, 3]), /gradOutput has shape \[1, 3, 4, 4\] but the convolution's output is \[1, 3, 3, 3\]/);
});
