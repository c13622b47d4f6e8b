import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { io, tensor, zeros, ones } from "../../src/index.js";
import { glyph } from "../../src/io/plot/font.js";
import { tmp } from "./util.js";

const read = (p: string) => io.decodePng(readFileSync(p));
const at = (im: { data: Uint8Array; width: number }, x: number, y: number) => {
  const i = 4 * (Math.floor(y) * im.width + Math.floor(x));
  return [im.data[i], im.data[i + 1], im.data[i + 2]];
};
const near = (a: number[], b: readonly number[], tol = 40) => a.every((v, i) => Math.abs(v - b[i]) <= tol);
const luminance = (c: number[]) => 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];

test("plotCurves writes a PNG of the requested size whose curve pixels lie where the data says", () => {
  const dir = tmp();
  const p = join(dir, "loss.png");
  const x = [1, 2, 3, 4, 5, 6, 7, 8];
  const train = x.map((e) => 2 / e), val = x.map((e) => 2 / e + 0.4);
  const layout = io.plotCurves(p, { title: "Loss", xLabel: "epoch", yLabel: "loss", width: 640, height: 400,
    series: [{ name: "train", x, y: train }, { name: "val", x, y: val }] });
  assert.deepEqual(readdirSync(dir), ["loss.png"]);
  const im = read(p);
  assert.deepEqual([im.width, im.height], [640, 400]);
  for (const [s, ys] of [[0, train], [1, val]] as const) {
    for (const i of [0, 3, 7]) {
      const [px, py] = layout.toPixel(x[i], ys[i]);
      assert.ok(near(at(im, px, py), layout.colors[s]), `series ${s} point ${i} at (${px.toFixed(1)}, ${py.toFixed(1)}) is ${at(im, px, py)}`);
    }
    // Midway along a segment, too (the line, not only the markers).
    const [mx, my] = layout.toPixel(4.5, (ys[3] + ys[4]) / 2);
    assert.ok(near(at(im, mx, my), layout.colors[s], 90), `series ${s} segment midpoint is ${at(im, mx, my)}`);
  }
  // Far from both curves (low left of the plot, above the axis) the background is white or grid grey.
  const [bx, by] = layout.toPixel(1.3, layout.yRange[0] + 0.03 * (layout.yRange[1] - layout.yRange[0]));
  assert.ok(luminance(at(im, bx, by)) > 220, `background at (${bx}, ${by}) is ${at(im, bx, by)}`);
  assert.ok(layout.xRange[0] <= 1 && layout.xRange[1] >= 8 && layout.yRange[0] <= 0.25 && layout.yRange[1] >= 2.4);
});

test("plotCurves on a log x axis (LR range test) maps decades evenly; NaN breaks the line instead of failing", () => {
  const p = join(tmp(), "lr.png");
  const lrs = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1];
  const loss = [2.3, 2.0, 1.2, NaN, 9];
  const layout = io.plotCurves(p, { series: [{ name: "loss", x: lrs, y: loss }], logX: true, xLabel: "learning rate", yLabel: "loss" });
  const xs = lrs.map((l) => layout.toPixel(l, 1)[0]);
  for (let i = 1; i < 4; i++) assert.ok(Math.abs((xs[i + 1] - xs[i]) - (xs[1] - xs[0])) < 1e-6, "equal spacing per decade");
  const im = read(p);
  assert.ok(near(at(im, ...layout.toPixel(1e-3, 1.2)), layout.colors[0]));
  assert.ok(near(at(im, ...layout.toPixel(1e-1, 9)), layout.colors[0]));
  // No segment from 1e-3 to 1e-1 across the NaN: the midpoint of that chord is background.
  const [mx, my] = layout.toPixel(10 ** -2, (1.2 + 9) / 2);
  assert.ok(luminance(at(im, mx, my)) > 200, `chord midpoint is ${at(im, mx, my)}`);
});

test("plotCurves errors teach", () => {
  const p = join(tmp(), "x.png");
  assert.throws(() => io.plotCurves(p, { series: [] }), /at least one series/);
  assert.throws(() => io.plotCurves(p, { series: [{ name: "a", x: [1, 2], y: [1] }] }), /series 0 \(a\) needs x and y arrays of equal length; got 2 and 1/);
  assert.throws(() => io.plotCurves(p, { series: [{ name: "a", x: [0, -1], y: [1, 2] }], logX: true }), /no finite positive points/);
});

test("plotConfusionMatrix: cell colours darken as counts grow; size fits the classes", () => {
  const p = join(tmp(), "cm.png");
  const m = [[50, 2, 0], [10, 30, 5], [0, 20, 40]];
  const layout = io.plotConfusionMatrix(p, tensor(m, { dtype: "int32" }), ["cat", "dog", "bird"], { title: "Confusion" });
  const im = read(p);
  assert.deepEqual([im.width, im.height], [layout.width, layout.height]);
  const cell = (i: number, j: number) => { const [x, y] = layout.cellOrigin(i, j); return at(im, x + 2, y + 2); };
  const order = m.flat().map((v, k) => [v, luminance(cell(Math.floor(k / 3), k % 3))]).sort((a, b) => a[0] - b[0]);
  for (let k = 1; k < order.length; k++) {
    if (order[k][0] > order[k - 1][0]) assert.ok(order[k][1] < order[k - 1][1], `count ${order[k][0]} should be darker than ${order[k - 1][0]}`);
  }
  assert.ok(near(cell(0, 2), io.plot.blues(0), 2) && near(cell(0, 0), io.plot.blues(1), 2));
  assert.throws(() => io.plotConfusionMatrix(p, [[1, 2]], ["a"]), /square/);
  assert.throws(() => io.plotConfusionMatrix(p, [[1]], ["a", "b"]), /2 class names for a 1×1 matrix/);
});

test("imageGrid lays images out in rows with padding, normalises, upscales and labels", () => {
  const p = join(tmp(), "grid.png");
  // Three 1×2×2 images: black, mid grey, white (after global min-max normalisation of 0, 1, 2).
  const imgs = [zeros([1, 2, 2]), ones([1, 2, 2]), ones([1, 2, 2]).mul(2)];
  io.imageGrid(p, imgs, { nrow: 2, padding: 1, scale: 3, normalize: true, padValue: 200 });
  const im = read(p);
  assert.deepEqual([im.width, im.height], [2 * (6 + 1) + 1, 2 * (6 + 1) + 1]);
  assert.deepEqual(at(im, 0, 0), [200, 200, 200]);
  assert.deepEqual(at(im, 1 + 5, 1 + 5), [0, 0, 0]);
  assert.deepEqual(at(im, 8 + 2, 1 + 2), [128, 128, 128]);
  assert.deepEqual(at(im, 1 + 1, 8 + 4), [255, 255, 255]);
  // Per-image scaling turns each constant image into black; labels add a caption row.
  io.imageGrid(p, tensor([[[[0, 1], [2, 3]]], [[[10, 20], [30, 40]]]]), { scaleEach: true, normalize: true, labels: ["a", "b"], scale: 8 });
  const g = read(p);
  assert.deepEqual([g.width, g.height], [2 * 18 + 2, 16 + 13 + 4]);
  assert.deepEqual(at(g, 2, 2), [0, 0, 0]);
  assert.deepEqual(at(g, 18 + 2 + 15, 2 + 15), [255, 255, 255]);
  assert.throws(() => io.imageGrid(p, [zeros([2, 4, 4])]), /1, 3 or 4 channels; got 2/);
  assert.throws(() => io.imageGrid(p, [zeros([1, 4, 4])], { labels: ["a", "b"] }), /2 labels for 1 images/);
});

test("the 5×7 font has a distinct glyph for every printable ASCII character", () => {
  const seen = new Set<string>();
  for (let c = 33; c < 127; c++) {
    const g = glyph(String.fromCharCode(c));
    assert.ok(g.some((r) => r !== 0), `glyph ${String.fromCharCode(c)} is empty`);
    const key = [...g].join(",");
    assert.ok(!seen.has(key), `glyph ${String.fromCharCode(c)} duplicates another`);
    seen.add(key);
  }
  assert.ok(glyph(" ").every((r) => r === 0));
});
