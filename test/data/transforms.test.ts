// data.transforms' deterministic functions against torchvision 0.14 (tensor inputs; fixtures from
// test/fixtures/gen_transforms.py). uint8 inputs run twice: as an HWC Image and as an int32
// tensor. Tolerances: exact for copies (crop/flip/pad/erase), ±1 for uint8 resampling and
// colour, 1e-5 for float32, 1e-8 for float64.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, tensor, data } from "../../src/index.js";
import { loadFixture, T, type FixtureTensor } from "../helpers.js";

const { functional: TF } = data.transforms;
type Image = data.transforms.Image;

const fx = loadFixture("transforms");

function imageFromCHW(f: FixtureTensor): Image {
  const [C, H, W] = f.shape;
  const bytes = new Uint8Array(C * H * W);
  for (let c = 0; c < C; c++) for (let k = 0; k < H * W; k++) bytes[k * C + c] = f.data[c * H * W + k] as number;
  return { data: bytes, height: H, width: W, channels: C };
}

/** Flatten any output (Image, Tensor, or an array of either) to CHW values plus a shape. */
function flat(x: unknown): { shape: number[]; values: number[] } {
  if (Array.isArray(x)) {
    const parts = x.map(flat);
    return { shape: [parts.length, ...parts[0].shape], values: parts.flatMap((p) => p.values) };
  }
  if (x instanceof Tensor) return { shape: [...x.shape], values: Array.from(x.toArray()) };
  const img = x as Image;
  const { height: H, width: W, channels: C } = img;
  const values = new Array<number>(C * H * W);
  for (let c = 0; c < C; c++) for (let k = 0; k < H * W; k++) values[c * H * W + k] = img.data[k * C + c];
  return { shape: [C, H, W], values };
}

const EXACT = new Set(["crop", "hflip", "vflip", "centerCrop", "pad", "fiveCrop", "tenCrop", "erase"]);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function run(op: string, x: any, a: any): unknown {
  switch (op) {
    case "normalize": return TF.normalize(x, a.mean, a.std);
    case "crop": return TF.crop(x, a.top, a.left, a.height, a.width);
    case "hflip": return TF.hflip(x);
    case "vflip": return TF.vflip(x);
    case "centerCrop": return TF.centerCrop(x, a.size);
    case "pad": return TF.pad(x, a.padding, { fill: a.fill, paddingMode: a.paddingMode });
    case "fiveCrop": return TF.fiveCrop(x, a.size);
    case "tenCrop": return TF.tenCrop(x, a.size, a.verticalFlip);
    case "resize": return TF.resize(x, a.size, { maxSize: a.maxSize, interpolation: a.interpolation, antialias: a.antialias });
    case "resizedCrop": return TF.resizedCrop(x, a.top, a.left, a.height, a.width, a.size);
    case "rotate": return TF.rotate(x, a.angle, { interpolation: a.interpolation, expand: a.expand, center: a.center ?? undefined, fill: a.fill ?? undefined });
    case "affine": return TF.affine(x, a.angle, a.translate, a.scale, a.shear, { interpolation: a.interpolation, fill: a.fill ?? undefined });
    case "adjustBrightness": return TF.adjustBrightness(x, a.factor);
    case "adjustContrast": return TF.adjustContrast(x, a.factor);
    case "adjustSaturation": return TF.adjustSaturation(x, a.factor);
    case "adjustHue": return TF.adjustHue(x, a.factor);
    case "rgbToGrayscale": return TF.rgbToGrayscale(x, a.numOutputChannels);
    case "erase": return TF.erase(x, a.i, a.j, a.h, a.w, a.v);
  }
  throw new Error(`unknown op ${op}`);
}

function compare(label: string, got: unknown, exp: FixtureTensor, tol: { atol: number; rtol: number }): void {
  const g = flat(got);
  assert.deepEqual(g.shape, exp.shape, `${label}: shape`);
  let worst = 0, at = -1;
  for (let i = 0; i < g.values.length; i++) {
    const e = exp.data[i] as number, err = Math.abs(g.values[i] - e);
    const over = err / (tol.atol + tol.rtol * Math.abs(e));
    if (over > 1 && over > worst) { worst = over; at = i; }
  }
  assert.ok(at < 0, `${label}: element ${at} is ${g.values[at]}, expected ${exp.data[at]} (tolerance atol ${tol.atol}, rtol ${tol.rtol})`);
}

const inputs = fx.inputs as Record<string, FixtureTensor>;

test("transforms fixtures: every case matches torchvision (Image, int32 and float tensors)", () => {
  let checked = 0;
  for (const c of fx.cases) {
    const name = c.input as string;
    if (name === "f32") {
      compare(`${c.name} [float32]`, run(c.op, T(inputs.f64, { dtype: "float32" }), c.args), c.out, { atol: 2e-6, rtol: 1e-5 });
      checked++;
      continue;
    }
    const src = inputs[name];
    if (src.dtype === "int32") {
      const tol = EXACT.has(c.op) ? { atol: 0, rtol: 0 } : { atol: 1, rtol: 0 };
      compare(`${c.name} [Image]`, run(c.op, imageFromCHW(src), c.args), c.out, tol);
      compare(`${c.name} [int32]`, run(c.op, T(src), c.args), c.out, tol);
      checked += 2;
    } else {
      compare(`${c.name} [float64]`, run(c.op, T(src), c.args), c.out, { atol: 1e-9, rtol: 1e-8 });
      checked++;
    }
  }
  assert.ok(checked > 200, `only ${checked} comparisons ran`);
});

test("uint8 resampling and colour are mostly exact, not just within ±1", () => {
  // ±1 is the allowance; float32 emulation should make nearly every value identical.
  let total = 0, off = 0;
  for (const c of fx.cases) {
    if (inputs[c.input]?.dtype !== "int32" || EXACT.has(c.op)) continue;
    const g = flat(run(c.op, imageFromCHW(inputs[c.input]), c.args));
    g.values.forEach((v, i) => { total++; if (v !== c.out.data[i]) off++; });
  }
  assert.ok(off / total < 0.01, `${off} of ${total} uint8 values differ by 1`);
});

test("toTensor matches torchvision's to_tensor and is CHW float32 in [0, 1]", () => {
  const img = imageFromCHW(inputs.u8);
  const t = TF.toTensor(img);
  assert.equal(t.dtype, "float32");
  compare("toTensor", t, fx.to_tensor, { atol: 0, rtol: 0 });
  const back = TF.toImage(t);
  assert.deepEqual(Array.from(back.data), Array.from(img.data));
  const p = TF.pilToTensor(img);
  assert.equal(p.dtype, "int32");
  compare("pilToTensor", p, inputs.u8, { atol: 0, rtol: 0 });
});

test("functional errors teach", () => {
  const img = imageFromCHW(inputs.u8);
  assert.throws(() => TF.fiveCrop(img, 8), /bigger than input size \[7, 9\]/);
  assert.throws(() => TF.pad(img, [1, 2, 3]), /1, 2, or 4 element/);
  assert.throws(() => TF.pad(img, 7, { paddingMode: "reflect" }), /reflect padding must be smaller than the height \(7\)/);
  assert.throws(() => TF.pad(img, 1, { paddingMode: "wrap" as never }), /constant, edge, reflect or symmetric/);
  assert.throws(() => TF.resize(img, [1, 2, 3]), /1 or 2 element/);
  assert.throws(() => TF.resize(img, [4, 5], { maxSize: 9 }), /maxSize should only be passed/);
  assert.throws(() => TF.resize(img, 5, { maxSize: 5 }), /must be strictly greater/);
  assert.throws(() => TF.adjustHue(img, 0.7), /not in \[-0.5, 0.5\]/);
  assert.throws(() => TF.adjustBrightness(img, -1), /not non-negative/);
  assert.throws(() => TF.adjustContrast({ data: new Uint8Array(8), height: 2, width: 2, channels: 2 }, 1), /permitted channel values are \[1, 3\], but found 2/);
  assert.throws(() => TF.normalize(T(inputs.u8), [0.5], [0.5]), /should be a float tensor; got int32/);
  assert.throws(() => TF.normalize(T(inputs.f64), [0.5], [0]), /std evaluated to zero/);
  assert.throws(() => TF.normalize(T(inputs.f64), [0.5, 0.5], [1]), /mean has 2 values but the image has 3 channels/);
  assert.throws(() => TF.toTensor(T(inputs.f64) as never), /already a tensor/);
  assert.throws(() => TF.rotate(img, 10, { fill: [1, 2] }), /cannot broadcast to match the number of channels of the image \(2 != 3\)/);
  assert.throws(() => TF.rotate(img, 10, { interpolation: "bicubic" as never }), /unsupported/);
  assert.throws(() => TF.crop({ data: new Uint8Array(5), height: 2, width: 2, channels: 1 }, 0, 0, 1, 1), /has 5 bytes but 2×2×1 needs 4/);
  assert.throws(() => TF.crop(tensor([1, 2, 3]), 0, 0, 1, 1), /expected a tensor image/);
});

test("normalize keeps autograd when the input requires grad", () => {
  const x = T(inputs.f64).requiresGrad_(true);
  const y = TF.normalize(x, [0.1, 0.2, 0.3], [2, 4, 5]);
  y.sum().backward();
  const g = x.grad!.toArray();
  assert.ok(Math.abs(g[0] - 0.5) < 1e-12 && Math.abs(g[63] - 0.25) < 1e-12 && Math.abs(g[188] - 0.2) < 1e-12);
});
