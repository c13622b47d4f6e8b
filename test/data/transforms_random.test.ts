// data.transforms' random transforms: seeding (default generator, options generator, per-call
// generator), parameter distributions, agreement with the functional versions at the drawn
// parameters, dataset statistics, the eigen-solver, and crop averaging.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, tensor, rand, randn, manualSeed, getRngState, Generator, data } from "../../src/index.js";
import { withSeed, sampleSeed } from "../../src/data/seed.js";

const tr = data.transforms;
const TF = tr.functional;
type Image = data.transforms.Image;

function randomImage(h: number, w: number, c = 3, seed = 1): Image {
  const g = new Generator(seed);
  const bytes = new Uint8Array(h * w * c);
  for (let i = 0; i < bytes.length; i++) bytes[i] = g.int(0, 256);
  return { data: bytes, height: h, width: w, channels: c };
}

function same(a: unknown, b: unknown): boolean {
  const arr = (x: unknown): number[] => (x instanceof Tensor ? [...x.shape, ...x.toArray()] : (() => { const i = x as Image; return [i.height, i.width, i.channels, ...i.data]; })());
  const p = arr(a), q = arr(b);
  return p.length === q.length && p.every((v, i) => v === q[i]);
}

const clone = (g: Generator): Generator => new Generator().setState(g.getState());

test("manualSeed makes a pipeline repeatable; a different seed changes it", () => {
  const img = randomImage(40, 40);
  const t = tr.Compose([
    tr.RandomResizedCrop(24), tr.RandomHorizontalFlip(), tr.ColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 }),
    tr.RandomRotation(15), tr.ToTensor(), tr.RandomErasing({ p: 1, value: "random" }),
  ]);
  manualSeed(7); const a = t(img);
  manualSeed(7); const b = t(img);
  manualSeed(8); const c = t(img);
  assert.ok(same(a, b));
  assert.ok(!same(a, c));
  assert.deepEqual([...a.shape], [3, 24, 24]);
});

test("per-call and options generators are used and leave the default generator alone", () => {
  const img = randomImage(20, 20);
  const t = tr.Compose([tr.RandomCrop(16, { padding: 2 }), tr.RandomHorizontalFlip(), tr.RandomAffine(10, { translate: [0.1, 0.1] })]);
  const before = JSON.stringify(getRngState());
  const a = t(img, new Generator(3)), b = t(img, new Generator(3)), c = t(img, new Generator(4));
  assert.equal(JSON.stringify(getRngState()), before);
  assert.ok(same(a, b) && !same(a, c));
  const own = tr.RandomCrop(16, { padding: 2, generator: new Generator(3) });
  const ref = tr.RandomCrop(16, { padding: 2 });
  assert.ok(same(own(img), ref(img, new Generator(3))));
  assert.equal(JSON.stringify(getRngState()), before);
});

test("the DataLoader's per-sample seeding (withSeed) makes a sample's augmentation reproducible", () => {
  const img = randomImage(32, 32);
  const t = tr.Compose([tr.RandomCrop(32, { padding: 4 }), tr.RandomHorizontalFlip()]);
  const s = sampleSeed(11, 0, 5);
  assert.ok(same(withSeed(s, () => t(img)), withSeed(s, () => t(img))));
  assert.ok(!same(withSeed(s, () => t(img)), withSeed(sampleSeed(11, 1, 5), () => t(img))));
});

test("RandomCrop equals pad + crop at the drawn position, for every pad mode and padIfNeeded", () => {
  const img = randomImage(9, 7);
  for (const paddingMode of ["constant", "edge", "reflect", "symmetric"] as const) {
    for (const opts of [{ padding: 3 }, { padding: [1, 2] }, { padding: [2, 0, 1, 3], padIfNeeded: true }, { padIfNeeded: true }]) {
      const size: [number, number] = [12, 11];
      const g = new Generator(42);
      const t = tr.RandomCrop(size, { ...opts, paddingMode, fill: [9, 8, 7] } as data.transforms.RandomCropOptions);
      const g2 = clone(g);
      let ref: Image = img;
      if (opts.padding !== undefined) ref = TF.pad(ref, opts.padding, { paddingMode, fill: [9, 8, 7] });
      if (opts.padIfNeeded && ref.width < size[1]) ref = TF.pad(ref, [size[1] - ref.width, 0], { paddingMode, fill: [9, 8, 7] });
      if (opts.padIfNeeded && ref.height < size[0]) ref = TF.pad(ref, [0, size[0] - ref.height], { paddingMode, fill: [9, 8, 7] });
      if (ref.height < size[0] || ref.width < size[1]) {
        assert.throws(() => t(img, g), /required crop size \[12, 11\] is larger than input image size/);
        continue;
      }
      const [i, j] = tr.randomCropParams("test", ref.height, ref.width, size[0], size[1], g2);
      assert.ok(same(t(img, g), TF.crop(ref, i, j, size[0], size[1])), `${paddingMode} ${JSON.stringify(opts)}`);
    }
  }
});

test("RandomCrop(32, padding 4) visits every offset 0..8 about equally", () => {
  const counts = new Array(9).fill(0);
  const g = new Generator(1);
  for (let k = 0; k < 9000; k++) counts[tr.randomCropParams("t", 40, 40, 32, 32, g)[1]]++;
  for (const c of counts) assert.ok(Math.abs(c - 1000) < 150, `offset counts ${counts}`);
  // The whole image draws nothing.
  const g2 = new Generator(1), before = JSON.stringify(g2.getState());
  assert.deepEqual(tr.randomCropParams("t", 8, 8, 8, 8, g2), [0, 0]);
  assert.equal(JSON.stringify(g2.getState()), before);
});

test("flip frequency ≈ p; p = 0 never flips, p = 1 always does", () => {
  const img = randomImage(2, 3);
  const flipped = TF.hflip(img), vflipped = TF.vflip(img);
  for (const p of [0, 0.3, 1]) {
    const h = tr.RandomHorizontalFlip({ p }), v = tr.RandomVerticalFlip({ p, generator: new Generator(2) });
    let nh = 0, nv = 0;
    const g = new Generator(5);
    for (let k = 0; k < 4000; k++) { if (same(h(img, g), flipped)) nh++; if (same(v(img), vflipped)) nv++; }
    const sd = Math.sqrt(4000 * p * (1 - p));
    assert.ok(Math.abs(nh - 4000 * p) <= 4 * sd, `hflip p=${p}: ${nh}/4000`);
    assert.ok(Math.abs(nv - 4000 * p) <= 4 * sd, `vflip p=${p}: ${nv}/4000`);
  }
  assert.throws(() => tr.RandomHorizontalFlip({ p: 1.5 }), /probability p should be in \[0, 1\]/);
});

test("RandomResizedCrop: boxes respect scale and ratio; the fallback is torchvision's centre crop", () => {
  const g = new Generator(9);
  for (let k = 0; k < 2000; k++) {
    const [i, j, h, w] = tr.randomResizedCropParams(60, 80, [0.08, 1], [3 / 4, 4 / 3], g);
    assert.ok(i >= 0 && j >= 0 && i + h <= 60 && j + w <= 80 && h > 0 && w > 0);
    // Rounding to whole pixels moves area and ratio a little off the sampled values.
    const area = (h * w) / (60 * 80);
    assert.ok(area >= 0.08 * 0.8 && area <= 1, `area ${area}`);
    assert.ok(w / h >= (3 / 4) * 0.85 && w / h <= (4 / 3) / 0.85, `ratio ${w / h}`);
  }
  // No box can have 2–3× the image's area: 10 failed tries, then the centre crop clamped to the ratio range.
  assert.deepEqual(tr.randomResizedCropParams(10, 40, [2, 3], [3 / 4, 4 / 3], g), [0, 13, 10, 13]);
  assert.deepEqual(tr.randomResizedCropParams(40, 10, [2, 3], [3 / 4, 4 / 3], g), [13, 0, 13, 10]);
  assert.deepEqual(tr.randomResizedCropParams(30, 32, [2, 3], [3 / 4, 4 / 3], g), [0, 0, 30, 32]);
  const img = randomImage(30, 50);
  const t = tr.RandomResizedCrop([12, 10], { scale: [0.2, 0.5] });
  const g1 = new Generator(4), g2 = clone(g1);
  const [i, j, h, w] = tr.randomResizedCropParams(30, 50, [0.2, 0.5], [3 / 4, 4 / 3], g2);
  assert.ok(same(t(img, g1), TF.resizedCrop(img, i, j, h, w, [12, 10])));
  assert.throws(() => tr.RandomResizedCrop(8, { scale: [0.9, 0.1] }), /should be of kind \(min, max\)/);
});

test("RandomScaleCrop: shorter side L uniform in [minSize, maxSize], then a random crop", () => {
  const img = randomImage(20, 30);
  const t = tr.RandomScaleCrop({ minSize: 16, maxSize: 24, crop: 14 });
  const seen = new Set<number>();
  const g = new Generator(3);
  for (let k = 0; k < 200; k++) {
    const g2 = clone(g);
    const L = g2.int(16, 25);
    seen.add(L);
    const resized = TF.resize(img, L);
    assert.equal(Math.min(resized.height, resized.width), L);
    const [i, j] = tr.randomCropParams("t", resized.height, resized.width, 14, 14, g2);
    const out = t(img, g) as Image;
    assert.ok(same(out, TF.crop(resized, i, j, 14, 14)));
  }
  assert.equal(seen.size, 9);
  const d = tr.RandomScaleCrop();
  assert.match(String(d), /minSize=256, maxSize=480, crop=224/);
  assert.throws(() => tr.RandomScaleCrop({ minSize: 200, crop: 224 }), /must not exceed minSize/);
});

test("ColorJitter: factors come from the documented ranges; a degenerate range is a fixed adjustment", () => {
  const img = randomImage(6, 5);
  const fixed = tr.ColorJitter({ brightness: [0.5, 0.5], saturation: [1.5, 1.5] });
  // Brightness and saturation do not commute on uint8 (truncation), so replay the drawn order.
  const g = new Generator(1), g2 = clone(g);
  const order = [0, 1, 2, 3];
  for (let i = 3; i > 0; i--) { const j = g2.int(0, i + 1); [order[i], order[j]] = [order[j], order[i]]; }
  let ref: Image = img;
  for (const k of order) {
    if (k === 0) ref = TF.adjustBrightness(ref, 0.5);
    if (k === 2) ref = TF.adjustSaturation(ref, 1.5);
  }
  assert.ok(same(fixed(img, g), ref));
  assert.throws(() => tr.ColorJitter({ hue: 0.6 }), /hue values should be between \[-0.5, 0.5\]/);
  assert.throws(() => tr.ColorJitter({ brightness: -1 }), /must be non negative/);
  assert.throws(() => tr.ColorJitter({ contrast: [1.5, 0.5] }), /contrast values should be between/);
  assert.match(String(tr.ColorJitter({ brightness: 0.4 })), /brightness=\[0.6, 1.4\], contrast=null/);
  assert.equal(tr.ColorJitter({ brightness: 0 })(img), img); // no-op ranges draw nothing and change nothing
});

test("Lighting adds Σ eigvec·α·eigval per channel (hand-computed) and is a no-op at alphastd 0", () => {
  const x = rand([3, 4, 5], { dtype: "float64" });
  const eigval = [0.3, 0.2, 0.1], eigvec = [[0, 1, 0], [1, 0, 0], [0, 0, 1]];
  const g = new Generator(12), g2 = clone(g);
  const alpha = [g2.normal() * 0.1, g2.normal() * 0.1, g2.normal() * 0.1];
  const shift = [alpha[1] * 0.2, alpha[0] * 0.3, alpha[2] * 0.1];
  const y = tr.Lighting(0.1, eigval, eigvec)(x, g) as Tensor;
  const xs = x.toArray(), ys = y.toArray();
  for (let k = 0; k < 60; k++) assert.ok(Math.abs(ys[k] - xs[k] - shift[Math.floor(k / 20)]) < 1e-12);
  assert.equal(tr.Lighting(0)(x), x);
  const img = randomImage(3, 3);
  const out = tr.Lighting(0.5, eigval, eigvec)(img, new Generator(1)) as Image;
  assert.ok(out.data.every((v) => v >= 0 && v <= 255));
  assert.throws(() => tr.Lighting(0.1)(randomImage(2, 2, 1)), /expects 3 \(RGB\) channels/);
});

test("symmetricEigen: known spectrum, A·v = λ·v, orthonormal columns, descending order", () => {
  const { values, vectors } = tr.symmetricEigen([[2, 1, 0], [1, 2, 0], [0, 0, 5]]);
  assert.ok(values.every((v, i) => Math.abs(v - [5, 3, 1][i]) < 1e-12), `values ${values}`);
  const A = [[4, -2, 0.5], [-2, 3, 1.25], [0.5, 1.25, 1]];
  const e = tr.symmetricEigen(A);
  for (let j = 0; j < 3; j++) {
    for (let i = 0; i < 3; i++) {
      const av = A[i][0] * e.vectors[0][j] + A[i][1] * e.vectors[1][j] + A[i][2] * e.vectors[2][j];
      assert.ok(Math.abs(av - e.values[j] * e.vectors[i][j]) < 1e-12);
    }
    for (let k = 0; k < 3; k++) {
      const dot = e.vectors[0][j] * e.vectors[0][k] + e.vectors[1][j] * e.vectors[1][k] + e.vectors[2][j] * e.vectors[2][k];
      assert.ok(Math.abs(dot - (j === k ? 1 : 0)) < 1e-12);
    }
  }
  assert.ok(e.values[0] >= e.values[1] && e.values[1] >= e.values[2]);
  assert.throws(() => tr.symmetricEigen([[1, 2], [3, 4]]), /not symmetric/);
});

test("computePCALighting recovers the covariance of correlated RGB data", () => {
  // Pixels = M·z with z ~ N(0, 1)³, so the covariance is M·Mᵀ.
  const M = [[0.2, 0.05, 0], [0.18, -0.04, 0.01], [0.15, 0, 0.03]];
  const z = randn([3, 20000], { dtype: "float64" }).toArray();
  const px = new Float64Array(60000);
  for (let k = 0; k < 20000; k++) for (let c = 0; c < 3; c++) px[c * 20000 + k] = 0.5 + M[c][0] * z[k] + M[c][1] * z[20000 + k] + M[c][2] * z[40000 + k];
  const x = tensor(px, { dtype: "float64" }).reshape([1, 3, 100, 200]);
  const pca = tr.computePCALighting(x);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
    const exp = M[i][0] * M[j][0] + M[i][1] * M[j][1] + M[i][2] * M[j][2];
    assert.ok(Math.abs(pca.cov[i][j] - exp) < 0.002, `cov[${i}][${j}] ${pca.cov[i][j]} vs ${exp}`);
  }
  const trace = pca.cov[0][0] + pca.cov[1][1] + pca.cov[2][2];
  assert.ok(Math.abs(pca.eigval.reduce((a, b) => a + b) - trace) < 1e-12);
  assert.ok(pca.eigval[0] > 0.9 * trace); // strongly correlated channels: one dominant component
});

test("computeMeanStd / computeMeanImage on tensors, Images and datasets; SubtractMeanImage centres the data", async () => {
  const x = tensor([[[[0, 2], [4, 6]], [[1, 1], [1, 1]]], [[[2, 2], [2, 2]], [[3, 3], [3, 3]]]], { dtype: "float64" }); // [2, 2, 2, 2]
  const ms = tr.computeMeanStd(x);
  // channel 0 holds 0 2 4 6 2 2 2 2, channel 1 holds 1 1 1 1 3 3 3 3 (population std).
  const c0 = [0, 2, 4, 6, 2, 2, 2, 2], m0 = c0.reduce((a, b) => a + b) / 8, s0 = Math.sqrt(c0.reduce((a, b) => a + (b - m0) ** 2, 0) / 8);
  assert.ok(Math.abs(ms.mean[0] - m0) < 1e-12 && Math.abs(ms.std[0] - s0) < 1e-12, `${ms.mean} ${ms.std}`);
  assert.ok(Math.abs(ms.mean[1] - 2) < 1e-12 && Math.abs(ms.std[1] - 1) < 1e-12);
  const imgs = [randomImage(4, 5, 3, 1), randomImage(4, 5, 3, 2)];
  const fromImgs = tr.computeMeanStd(imgs);
  const stacked = Tensor.fromData(Float64Array.from([...TF.toTensor(imgs[0]).toArray(), ...TF.toTensor(imgs[1]).toArray()]), [2, 3, 4, 5]);
  const ref = tr.computeMeanStd(stacked);
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(fromImgs.mean[c] - ref.mean[c]) < 1e-6 && Math.abs(fromImgs.std[c] - ref.std[c]) < 1e-6);
  const ds = new data.TensorDataset(stacked, tensor([0, 1], { dtype: "int32" }));
  const fromDs = await tr.computeMeanStd(ds);
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(fromDs.mean[c] - ref.mean[c]) < 1e-12);
  const meanImg = tr.computeMeanImage(stacked);
  assert.deepEqual([...meanImg.shape], [3, 4, 5]);
  const centred = tr.SubtractMeanImage(meanImg)(stacked);
  const sums = new Float64Array(60);
  centred.toArray().forEach((v, i) => { sums[i % 60] += v; });
  assert.ok(sums.every((s) => Math.abs(s) < 1e-6));
  assert.ok(same(await tr.computeMeanImage(ds), meanImg));
  assert.throws(() => tr.computeMeanImage([randomImage(2, 2), randomImage(3, 2)]), /must share one size/);
  assert.throws(() => tr.SubtractMeanImage(meanImg)(rand([3, 4, 4])), /does not end with the mean image's shape \[3, 4, 5\]/);
});

test("RandomRotation and RandomAffine equal rotate/affine at the drawn parameters", () => {
  const img = randomImage(9, 11);
  const g = new Generator(6), g2 = clone(g);
  const angle = -20 + 40 * g2.random();
  assert.ok(same(tr.RandomRotation(20, { interpolation: "bilinear" })(img, g), TF.rotate(img, angle, { interpolation: "bilinear", fill: 0 })));
  const a = tr.RandomAffine([-10, 30], { translate: [0.2, 0.1], scale: [0.8, 1.2], shear: [-5, 5, -3, 3], fill: [1, 2, 3] });
  const g3 = new Generator(2), g4 = clone(g3);
  const p = tr.randomAffineParams([-10, 30], [0.2, 0.1], [0.8, 1.2], [-5, 5, -3, 3], 11, 9, g4);
  assert.ok(same(a(img, g3), TF.affine(img, p.angle, p.translate, p.scale, p.shear, { fill: [1, 2, 3] })));
  for (let k = 0; k < 500; k++) {
    const q = tr.randomAffineParams([-10, 30], [0.2, 0.1], [0.8, 1.2], [-5, 5, -3, 3], 11, 9, g4);
    assert.ok(q.angle >= -10 && q.angle <= 30 && q.scale >= 0.8 && q.scale <= 1.2);
    assert.ok(Number.isInteger(q.translate[0]) && Math.abs(q.translate[0]) <= 2.2 + 0.5 && Math.abs(q.translate[1]) <= 0.9 + 0.5);
    assert.ok(Math.abs(q.shear[0]) <= 5 && Math.abs(q.shear[1]) <= 3);
  }
  assert.throws(() => tr.RandomRotation(-5), /must be positive/);
  assert.throws(() => tr.RandomAffine(0, { translate: [1.5, 0] }), /translation values should be between 0 and 1/);
  assert.throws(() => tr.RandomAffine(0, { scale: [0, 1] }), /scale values should be positive/);
  assert.throws(() => tr.RandomAffine(0, { shear: [1, 2, 3] }), /length 2 or 4/);
});

test("RandomErasing: box area and ratio within bounds, values as asked, p respected", () => {
  const x = rand([3, 20, 30]);
  const t = tr.RandomErasing({ p: 1, scale: [0.05, 0.2], ratio: [0.5, 2], value: -1 });
  const g = new Generator(8);
  for (let k = 0; k < 200; k++) {
    const y = t(x, g) as Tensor;
    const v = y.toArray();
    let n = 0;
    for (let i = 0; i < 600; i++) if (v[i] === -1) { n++; assert.equal(v[600 + i], -1); }
    assert.ok(n === 0 || (n >= 0.05 * 600 * 0.7 && n <= 0.2 * 600 * 1.3), `erased ${n} of 600`);
  }
  assert.equal(tr.RandomErasing({ p: 0 })(x), x);
  const noisy = tr.RandomErasing({ p: 1, value: "random" })(x, new Generator(1)) as Tensor;
  const changed = noisy.toArray().filter((v, i) => v !== x.toArray()[i]);
  assert.ok(changed.some((v) => v < 0 || v > 1), "random values are N(0, 1), not pixels");
  assert.throws(() => tr.RandomErasing({ value: "noise" as never }), /should be 'random'/);
  assert.throws(() => tr.RandomErasing({ scale: [0.5, 2] }), /between 0 and 1/);
  assert.throws(() => tr.RandomErasing({ p: 1, value: [1, 2] })(x), /either a single value or 3/);
});

test("FiveCrop/TenCrop + averageOverCrops / tta average softmax (default) or logits", () => {
  const img = randomImage(10, 12);
  const crops = tr.TenCrop(8)(img) as Image[];
  assert.equal(crops.length, 10);
  assert.equal(tr.FiveCrop([6, 4])(img).length, 5);
  const W = randn([4, 3 * 8 * 8]);
  const model = (x: Tensor): Tensor => x.reshape([x.shape[0], -1]).matmul(W.transpose(0, 1));
  const ts = crops.map((c) => TF.toTensor(c));
  const soft = tr.averageOverCrops(model, ts);
  const logit = tr.averageOverCrops(model, ts, { average: "logits" });
  assert.deepEqual([...soft.shape], [4]);
  const outs = ts.map((t) => Array.from(model(t.unsqueeze(0)).toArray()));
  for (let k = 0; k < 4; k++) {
    let ps = 0, ls = 0;
    for (const o of outs) {
      const m = Math.max(...o), z = o.reduce((a, b) => a + Math.exp(b - m), 0);
      ps += Math.exp(o[k] - m) / z;
      ls += o[k];
    }
    assert.ok(Math.abs(soft.toArray()[k] - ps / 10) < 1e-5 && Math.abs(logit.toArray()[k] - ls / 10) < 1e-4);
  }
  const batch = Tensor.fromData(Float32Array.from([...ts.flatMap((t) => [...t.toArray()]), ...ts.flatMap((t) => [...t.toArray()])]), [2, 10, 3, 8, 8]);
  const b = tr.averageOverCrops({ forward: model }, batch);
  assert.deepEqual([...b.shape], [2, 4]);
  assert.ok(b.toArray().slice(0, 4).every((v, i) => Math.abs(v - soft.toArray()[i]) < 1e-6));
  const viaTta = tr.tta(model, img, tr.TenCrop(8));
  assert.ok(viaTta.toArray().every((v, i) => Math.abs(v - soft.toArray()[i]) < 1e-6));
  assert.throws(() => tr.averageOverCrops(model, [rand([3, 2])]), /crop 0 should be a tensor \[C, H, W\]/);
  assert.throws(() => tr.averageOverCrops(() => rand([3]), ts), /should return \[10, K\]/);
});

test("Image and int32-tensor inputs give the same results under the same seed", () => {
  const img = randomImage(16, 18);
  const asTensor = TF.pilToTensor(img);
  const t = tr.Compose([tr.RandomResizedCrop(12), tr.RandomRotation(30), tr.ColorJitter({ brightness: 0.3, hue: 0.2 }), tr.RandomVerticalFlip()]);
  const a = t(img, new Generator(5)) as Image, b = t(asTensor, new Generator(5)) as Tensor;
  assert.ok(same(TF.pilToTensor(a), b));
  assert.match(String(t), /Compose\(\n {4}RandomResizedCrop\(size=\[12, 12\]/);
});
