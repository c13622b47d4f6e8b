// A captioning dataset that exists offline: synthetic scenes of 1–3 coloured shapes on a dark,
// noisy background, each with the one caption that describes it, e.g.
//   "a large red circle"                                     (one object)
//   "a small blue square left of a large yellow triangle"    (objects in a row, left to right)
//   "a large green circle above a small red square"          (objects in a column, top to bottom)
// Objects sit in the cells of a 3×3 grid (with a little jitter), several objects share one row or
// one column, so "left of" / "above" are never ambiguous and the caption is a function of the
// image: what is where matters, which gives attention something to do. Generation is
// deterministic: the same options (seed included) give the same images, bit for bit.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Tensor } from "../../tensor/tensor.js";
import { tensor } from "../../tensor/creation.js";
import { Generator } from "../../tensor/random.js";
import type { Dataset } from "../dataset.js";
import { checkIndex } from "../dataset.js";
import { PNG } from "pngjs";

export const SCENE_SHAPES = ["circle", "square", "triangle"] as const;
export const SCENE_COLORS = ["red", "green", "blue", "yellow"] as const;
export const SCENE_SIZES = ["small", "large"] as const;
const RGB: Record<SceneColor, [number, number, number]> = {
  red: [0.9, 0.15, 0.12], green: [0.15, 0.8, 0.2], blue: [0.2, 0.35, 0.95], yellow: [0.95, 0.88, 0.15],
};

export type SceneShape = (typeof SCENE_SHAPES)[number];
export type SceneColor = (typeof SCENE_COLORS)[number];
export type SceneSize = (typeof SCENE_SIZES)[number];

/** One object: what it is and where (grid cell and centre in pixels). */
export interface SceneObject {
  shape: SceneShape;
  color: SceneColor;
  size: SceneSize;
  row: number;
  col: number;
  cx: number;
  cy: number;
}

/** A generated scene: the image (float32 [3, S, S] in [0, 1]), its caption and its objects. */
export interface Scene {
  image: Tensor;
  caption: string;
  objects: SceneObject[];
}

export interface ScenesOptions {
  /** Scenes to generate (default 1000). */
  count?: number;
  /** Image height = width in pixels (default 32; at least 16). */
  imageSize?: number;
  /** Fewest / most objects per scene (defaults 1 and 2; at most 3). */
  minObjects?: number;
  maxObjects?: number;
  /** Seed of the scene generator (default 0). */
  seed?: number;
  /** Standard deviation of the per-pixel Gaussian noise (default 0.03). */
  noise?: number;
}

function checkOptions(o: ScenesOptions): Required<ScenesOptions> {
  const op = "scenes";
  const r = { count: 1000, imageSize: 32, minObjects: 1, maxObjects: 2, seed: 0, noise: 0.03, ...o };
  if (!Number.isInteger(r.count) || r.count < 0) throw new Error(`${op}: count must be a non-negative integer, got ${r.count}`);
  if (!Number.isInteger(r.imageSize) || r.imageSize < 16) throw new Error(`${op}: imageSize must be an integer ≥ 16, got ${r.imageSize}`);
  if (!Number.isInteger(r.minObjects) || !Number.isInteger(r.maxObjects) || r.minObjects < 1 || r.maxObjects > 3 || r.minObjects > r.maxObjects) {
    throw new Error(`${op}: need 1 ≤ minObjects ≤ maxObjects ≤ 3 (a 3×3 grid), got minObjects ${r.minObjects}, maxObjects ${r.maxObjects}`);
  }
  if (!(r.noise >= 0)) throw new Error(`${op}: noise must be ≥ 0, got ${r.noise}`);
  if (!Number.isFinite(r.seed)) throw new Error(`${op}: seed must be a finite number, got ${r.seed}`);
  return r;
}

/** The caption of a scene's objects (already in reading order: left to right or top to bottom). */
export function describeScene(objects: readonly SceneObject[]): string {
  if (objects.length === 0) throw new Error("describeScene: a scene needs at least one object");
  const np = (o: SceneObject): string => `a ${o.size} ${o.color} ${o.shape}`;
  let s = np(objects[0]);
  for (let i = 1; i < objects.length; i++) {
    const a = objects[i - 1], b = objects[i];
    const rel = a.row === b.row && a.col < b.col ? "left of" : a.col === b.col && a.row < b.row ? "above" : null;
    if (rel === null) throw new Error(`describeScene: objects ${i - 1} and ${i} are neither in one row (left to right) nor in one column (top to bottom)`);
    s += ` ${rel} ${np(b)}`;
  }
  return s;
}

/** Whether a point (relative to an object's centre, in units of its half-size) lies inside it. */
function inside(shape: SceneShape, u: number, v: number): boolean {
  if (shape === "circle") return u * u + v * v <= 1;
  if (shape === "square") return Math.abs(u) <= 0.85 && Math.abs(v) <= 0.85;
  // Triangle with its apex up: the half-width grows from 0 at v = −1 to 1 at v = +1.
  return v >= -1 && v <= 0.9 && Math.abs(u) <= (v + 1) / 2;
}

/** Paints objects on a background into a [3, S, S] float32 array (2×2 supersampled edges). */
export function renderScene(objects: readonly SceneObject[], imageSize: number, gen: Generator, noise = 0.03): Float32Array {
  const S = imageSize, out = new Float32Array(3 * S * S);
  const bg = 0.05 + 0.15 * gen.random();
  const tint = [0, 1, 2].map(() => bg + 0.04 * (gen.random() - 0.5));
  for (let c = 0; c < 3; c++) out.fill(tint[c], c * S * S, (c + 1) * S * S);
  for (const o of objects) {
    const half = (o.size === "large" ? 0.15 : 0.09) * S;
    const rgb = RGB[o.color].map((v) => Math.min(1, Math.max(0, v + 0.1 * (gen.random() - 0.5))));
    const x0 = Math.max(0, Math.floor(o.cx - half - 1)), x1 = Math.min(S - 1, Math.ceil(o.cx + half + 1));
    const y0 = Math.max(0, Math.floor(o.cy - half - 1)), y1 = Math.min(S - 1, Math.ceil(o.cy + half + 1));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        let cover = 0;
        for (const dy of [0.25, 0.75]) for (const dx of [0.25, 0.75]) if (inside(o.shape, (x + dx - o.cx) / half, (y + dy - o.cy) / half)) cover += 0.25;
        if (cover === 0) continue;
        for (let c = 0; c < 3; c++) {
          const i = c * S * S + y * S + x;
          out[i] = out[i] * (1 - cover) + rgb[c] * cover;
        }
      }
    }
  }
  if (noise > 0) for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, out[i] + noise * gen.normal()));
  return out;
}

/** Draws one scene's objects: a count, a row or column for several, distinct cells, attributes. */
function layoutScene(o: Required<ScenesOptions>, gen: Generator): SceneObject[] {
  const S = o.imageSize;
  const k = gen.int(o.minObjects, o.maxObjects + 1);
  let cells: [number, number][];
  if (k === 1) {
    cells = [[gen.int(0, 3), gen.int(0, 3)]];
  } else {
    const line = gen.int(0, 3);
    const slots = [0, 1, 2];
    for (let i = 2; i > 0; i--) { const j = gen.int(0, i + 1); [slots[i], slots[j]] = [slots[j], slots[i]]; }
    const picked = slots.slice(0, k).sort((a, b) => a - b);
    cells = gen.random() < 0.5 ? picked.map((c) => [line, c]) : picked.map((r) => [r, line]);
  }
  const jitter = 0.03 * S;
  return cells.map(([row, col]) => ({
    shape: SCENE_SHAPES[gen.int(0, SCENE_SHAPES.length)],
    color: SCENE_COLORS[gen.int(0, SCENE_COLORS.length)],
    size: SCENE_SIZES[gen.int(0, SCENE_SIZES.length)],
    row, col,
    cx: ((2 * col + 1) / 6) * S + jitter * (2 * gen.random() - 1),
    cy: ((2 * row + 1) / 6) * S + jitter * (2 * gen.random() - 1),
  }));
}

/**
 * Generate `count` scenes deterministically from `seed`.
 * Example: const [s] = generateScenes({ count: 1, seed: 3 }); s.image.shape; // [3, 32, 32]
 */
export function generateScenes(options: ScenesOptions = {}): Scene[] {
  const o = checkOptions(options);
  const gen = new Generator(o.seed);
  const out: Scene[] = [];
  for (let n = 0; n < o.count; n++) {
    const objects = layoutScene(o, gen);
    const pixels = renderScene(objects, o.imageSize, gen, o.noise);
    out.push({ image: tensor(pixels, { dtype: "float32" }).reshape([3, o.imageSize, o.imageSize]), caption: describeScene(objects), objects });
  }
  return out;
}

export interface SceneSplitsOptions extends Omit<ScenesOptions, "count"> {
  /** Training scenes (default 5000). */
  train?: number;
  /** Validation scenes (default 500), drawn from a separate stream (seed + 1000003). */
  val?: number;
}

/** Train and validation splits: independent streams of the same generator settings. */
export function sceneSplits(options: SceneSplitsOptions = {}): { train: Scene[]; val: Scene[] } {
  const { train = 5000, val = 500, seed = 0, ...rest } = options;
  return {
    train: generateScenes({ ...rest, seed, count: train }),
    val: generateScenes({ ...rest, seed: seed + 1000003, count: val }),
  };
}

/**
 * A map-style Dataset of scenes: item i is [image float32 [3, S, S], caption]. `split` picks the
 * train or val stream of sceneSplits (sizes `count`, default 5000 / 500).
 */
export class SyntheticScenes implements Dataset<[Tensor, string]> {
  readonly scenes: Scene[];
  constructor(options: ScenesOptions & { split?: "train" | "val" } = {}) {
    const { split = "train", seed = 0, ...rest } = options;
    if (split !== "train" && split !== "val") throw new Error(`SyntheticScenes: split must be "train" or "val", got ${JSON.stringify(split)}`);
    this.scenes = generateScenes({ count: split === "train" ? 5000 : 500, ...rest, seed: split === "train" ? seed : seed + 1000003 });
  }
  get length(): number {
    return this.scenes.length;
  }
  get(index: number): [Tensor, string] {
    const s = this.scenes[checkIndex("SyntheticScenes", index, this.scenes.length)];
    return [s.image, s.caption];
  }
}

/** A float [3, H, W] image in [0, 1] as RGB bytes (HWC). */
function toBytes(image: Tensor): { data: Uint8Array; height: number; width: number; channels: number } {
  const [C, H, W] = image.shape;
  const src = image.dataRowMajor(), out = new Uint8Array(H * W * C);
  for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) out[p * C + c] = Math.round(Math.min(1, Math.max(0, src[c * H * W + p])) * 255);
  return { data: out, height: H, width: W, channels: C };
}

/**
 * Write scenes under `dir` as images/000000.png … and captions.json ([{ file, caption }]), the
 * layout of a real captioning dataset; returns the captions.json path.
 */
export function writeScenes(dir: string, scenes: readonly Scene[]): string {
  mkdirSync(join(dir, "images"), { recursive: true });
  const index = scenes.map((s, i) => {
    const file = `images/${String(i).padStart(6, "0")}.png`;
    // pngjs directly (as data/formats/decode.ts): data/ must not import io/ (imports flow one way).
    const b = toBytes(s.image), png = new PNG({ width: b.width, height: b.height });
    png.data = Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength);
    writeFileSync(join(dir, file), PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false } as never));
    return { file, caption: s.caption };
  });
  const path = join(dir, "captions.json");
  writeFileSync(path, JSON.stringify(index, null, 1) + "\n");
  return path;
}
