// Synthetic captioning scenes: deterministic from the seed, captions that follow the objects'
// layout ("left of" in a row, "above" in a column), pixels that show the named colour where the
// object is, independent train/val streams, PNG + captions.json output, and errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { data } from "../../src/index.js";
import {
  generateScenes, sceneSplits, describeScene, writeScenes, SyntheticScenes, SCENE_COLORS, type SceneObject,
} from "../../src/data/datasets/scenes.js";

test("scenes are deterministic, [3, S, S] float32 in [0, 1], with 1..maxObjects objects", () => {
  const a = generateScenes({ count: 40, seed: 5, maxObjects: 3 });
  const b = generateScenes({ count: 40, seed: 5, maxObjects: 3 });
  const c = generateScenes({ count: 40, seed: 6, maxObjects: 3 });
  assert.deepEqual(a.map((s) => s.caption), b.map((s) => s.caption));
  assert.deepEqual(Array.from(a[7].image.toArray()), Array.from(b[7].image.toArray()));
  assert.notDeepEqual(a.map((s) => s.caption), c.map((s) => s.caption));
  for (const s of a) {
    assert.deepEqual(s.image.shape, [3, 32, 32]);
    assert.equal(s.image.dtype, "float32");
    const px = s.image.toArray();
    assert.ok(px.every((v) => v >= 0 && v <= 1));
    assert.ok(s.objects.length >= 1 && s.objects.length <= 3);
  }
  const counts = new Set(a.map((s) => s.objects.length));
  assert.deepEqual([...counts].sort(), [1, 2, 3], "every object count occurs");
  assert.deepEqual(generateScenes({ count: 2, imageSize: 48 })[0].image.shape, [3, 48, 48]);
});

test("captions follow the layout; the object's colour is where the caption says", () => {
  const scenes = generateScenes({ count: 60, seed: 1, maxObjects: 3 });
  let rows = 0, cols = 0;
  for (const s of scenes) {
    assert.equal(s.caption, describeScene(s.objects));
    const words = s.caption.split(" ");
    assert.equal(words.filter((w) => w === "a").length, s.objects.length);
    if (s.caption.includes("left of")) { rows++; s.objects.forEach((o, i) => i > 0 && assert.ok(o.row === s.objects[0].row && o.col > s.objects[i - 1].col && o.cx > s.objects[i - 1].cx)); }
    if (s.caption.includes("above")) { cols++; s.objects.forEach((o, i) => i > 0 && assert.ok(o.col === s.objects[0].col && o.row > s.objects[i - 1].row && o.cy > s.objects[i - 1].cy)); }
    // At a circle's or square's centre the dominant channel is the named colour's.
    const S = 32, px = s.image.toArray();
    for (const o of s.objects) {
      if (o.shape === "triangle") continue; // its centre may be near an edge of the shape
      const at = (c: number): number => px[c * S * S + Math.floor(o.cy) * S + Math.floor(o.cx)];
      const [r, g, b] = [at(0), at(1), at(2)];
      const want = { red: r > g + 0.3 && r > b + 0.3, green: g > r + 0.3 && g > b + 0.3, blue: b > r + 0.3 && b > g + 0.2, yellow: r > b + 0.3 && g > b + 0.3 }[o.color];
      assert.ok(want, `${o.color} ${o.shape} at (${o.cx.toFixed(1)}, ${o.cy.toFixed(1)}) has rgb ${[r, g, b].map((v) => v.toFixed(2))}`);
    }
  }
  assert.ok(rows > 5 && cols > 5, `both relations occur (rows ${rows}, columns ${cols})`);
  const o = (row: number, col: number): SceneObject => ({ shape: "circle", color: SCENE_COLORS[0], size: "small", row, col, cx: 0, cy: 0 });
  assert.equal(describeScene([o(0, 0), o(0, 2)]), "a small red circle left of a small red circle");
  assert.equal(describeScene([o(0, 1), o(2, 1)]), "a small red circle above a small red circle");
  assert.throws(() => describeScene([o(0, 0), o(1, 1)]), /neither in one row .* nor in one column/);
  assert.throws(() => describeScene([]), /at least one object/);
});

test("train and val are independent streams; the Dataset and the files on disk", () => {
  const { train, val } = sceneSplits({ train: 30, val: 10, seed: 2 });
  assert.equal(train.length, 30);
  assert.equal(val.length, 10);
  assert.deepEqual(train.slice(0, 10).map((s) => s.caption), generateScenes({ count: 10, seed: 2 }).map((s) => s.caption));
  assert.notDeepEqual(val.map((s) => s.caption), train.slice(0, 10).map((s) => s.caption));
  const ds = new SyntheticScenes({ split: "val", count: 10, seed: 2 });
  assert.equal(ds.length, 10);
  const [img, cap] = ds.get(-1) as [unknown, string];
  assert.equal(cap, val[9].caption);
  assert.deepEqual((img as { shape: number[] }).shape, [3, 32, 32]);
  assert.throws(() => ds.get(10), /index 10 is out of range/);

  const dir = mkdtempSync(join(tmpdir(), "kestrel-scenes-"));
  const path = writeScenes(dir, val.slice(0, 3));
  const index = JSON.parse(readFileSync(path, "utf8")) as { file: string; caption: string }[];
  assert.deepEqual(index.map((e) => e.caption), val.slice(0, 3).map((s) => s.caption));
  assert.ok(existsSync(join(dir, "images/000002.png")));
  const png = data.decodeImage(readFileSync(join(dir, index[1].file)), index[1].file);
  assert.deepEqual([png.height, png.width], [32, 32]);
  const src = val[1].image.toArray();
  const C = png.channels;
  for (const p of [0, 100, 517, 1023]) for (let c = 0; c < 3; c++) assert.ok(Math.abs(png.data[p * C + c] - src[c * 1024 + p] * 255) <= 0.5 + 1e-9);
});

test("scene options are checked", () => {
  assert.throws(() => generateScenes({ maxObjects: 4 }), /1 ≤ minObjects ≤ maxObjects ≤ 3/);
  assert.throws(() => generateScenes({ minObjects: 2, maxObjects: 1 }), /minObjects 2, maxObjects 1/);
  assert.throws(() => generateScenes({ imageSize: 8 }), /imageSize must be an integer ≥ 16, got 8/);
  assert.throws(() => generateScenes({ count: -1 }), /count must be a non-negative integer/);
  assert.throws(() => new SyntheticScenes({ split: "test" as "val" }), /split must be "train" or "val"/);
});
