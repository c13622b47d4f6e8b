// Rotation and affine warps: torchvision's F.rotate / F.affine (tensor versions: an inverse
// matrix about the image centre, grid_sample with align_corners=False, then fill) and the
// random transforms RandomRotation and RandomAffine. Nearest or bilinear interpolation.

import type { Generator } from "../../tensor/random.js";
import {
  type ImageOrTensor, type RandomOptions, type Transform, fillValues, fromRaster, fmt, named, pickGenerator, pyRound, toRaster,
  uniform,
} from "./common.js";
import { affineSample } from "./kernels.js";
import type { Interpolation } from "./functional_geometric.js";

const rad = (deg: number): number => (deg * Math.PI) / 180;

/**
 * torchvision's _get_inverse_affine_matrix: the 2×3 matrix mapping output to input coordinates
 * (origin at the image centre) for rotation `angle` (degrees), translation, scale, shear [x, y]
 * (degrees), about `center`.
 */
export function inverseAffineMatrix(center: readonly [number, number], angle: number, translate: readonly [number, number], scale: number, shear: readonly [number, number]): number[] {
  const rot = rad(angle), sx = rad(shear[0]), sy = rad(shear[1]);
  const [cx, cy] = center, [tx, ty] = translate;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = (-Math.cos(rot - sy) * Math.tan(sx)) / Math.cos(sy) - Math.sin(rot);
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = (-Math.sin(rot - sy) * Math.tan(sx)) / Math.cos(sy) + Math.cos(rot);
  const m = [d, -b, 0, -c, a, 0].map((v) => v / scale);
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}

/** The bounding size [w, h] of the warped image (torchvision's _compute_affine_output_size, for expand). */
function expandedSize(m: readonly number[], w: number, h: number): [number, number] {
  const f = m.map(Math.fround);
  const pts = [[-0.5 * w, -0.5 * h], [-0.5 * w, 0.5 * h], [0.5 * w, 0.5 * h], [0.5 * w, -0.5 * h]];
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (const [x, y] of pts) {
    const nx = Math.fround(f[0] * x + f[1] * y + f[2]), ny = Math.fround(f[3] * x + f[4] * y + f[5]);
    minX = Math.min(minX, nx); maxX = Math.max(maxX, nx); minY = Math.min(minY, ny); maxY = Math.max(maxY, ny);
  }
  const tol = 1e-4;
  // Truncate to 1e-4 so that 3.00000001 does not ceil to 4.
  const up = (v: number): number => Math.ceil(Math.trunc(v / tol) * tol);
  const down = (v: number): number => Math.floor(Math.trunc(v / tol) * tol);
  return [up(maxX + w * 0.5) - down(minX + w * 0.5), up(maxY + h * 0.5) - down(minY + h * 0.5)];
}

function centerOffset(center: readonly number[] | undefined, w: number, h: number): [number, number] {
  if (center === undefined) return [0, 0];
  if (center.length !== 2) throw new Error(`affine: center should be a sequence [x, y]; got [${center}]`);
  return [center[0] - w * 0.5, center[1] - h * 0.5];
}

function checkInterp(op: string, mode: unknown): Interpolation {
  if (mode !== "nearest" && mode !== "bilinear") throw new Error(`${op}: interpolation mode ${JSON.stringify(mode)} is unsupported; use "nearest" or "bilinear"`);
  return mode;
}

export interface WarpOptions {
  /** "nearest" (default, as torchvision) or "bilinear". */
  interpolation?: Interpolation;
  /** Value for pixels from outside: one number or one per channel. Omitted = torchvision's fill=None (zeros, no mask blend). */
  fill?: number | readonly number[];
  /** Centre of rotation [x, y] in pixels (default: the image centre). */
  center?: readonly number[];
}

/** Rotate counter-clockwise by `angle` degrees (torchvision F.rotate); `expand` grows the canvas to fit. */
export function rotate<T extends ImageOrTensor>(img: T, angle: number, opts: WarpOptions & { expand?: boolean } = {}): T {
  const r = toRaster("rotate", img);
  const mode = checkInterp("rotate", opts.interpolation ?? "nearest");
  if (!Number.isFinite(angle)) throw new Error(`rotate: angle must be a finite number; got ${angle}`);
  const m = inverseAffineMatrix(centerOffset(opts.center, r.w, r.h), -angle, [0, 0], 1, [0, 0]);
  const [ow, oh] = opts.expand ? expandedSize(m, r.w, r.h) : [r.w, r.h];
  const fill = opts.fill === undefined ? null : fillValues("rotate", opts.fill, r.c);
  return fromRaster(affineSample(r, m, oh, ow, mode, fill), img) as T;
}

/**
 * Affine warp (torchvision F.affine): rotate by `angle` degrees (clockwise in image coordinates,
 * torchvision's convention for affine), translate [tx, ty] pixels, scale, shear (degrees; a
 * number is an x-shear, [sx, sy] both), about the centre.
 */
export function affine<T extends ImageOrTensor>(img: T, angle: number, translate: readonly number[], scale: number, shear: number | readonly number[], opts: WarpOptions = {}): T {
  const r = toRaster("affine", img);
  const mode = checkInterp("affine", opts.interpolation ?? "nearest");
  if (translate.length !== 2) throw new Error(`affine: translate should be a sequence of length 2; got [${translate}]`);
  if (!(scale > 0)) throw new Error(`affine: scale should be positive; got ${scale}`);
  const sh = typeof shear === "number" ? [shear, 0] : shear.length === 1 ? [shear[0], shear[0]] : [...shear];
  if (sh.length !== 2) throw new Error(`affine: shear should be a number or a sequence of two values; got [${shear}]`);
  const m = inverseAffineMatrix(centerOffset(opts.center, r.w, r.h), angle, [translate[0], translate[1]], scale, [sh[0], sh[1]]);
  const fill = opts.fill === undefined ? null : fillValues("affine", opts.fill, r.c);
  return fromRaster(affineSample(r, m, r.h, r.w, mode, fill), img) as T;
}

function degreeRange(op: string, degrees: number | readonly number[], name = "degrees"): [number, number] {
  if (typeof degrees === "number") {
    if (degrees < 0) throw new Error(`${op}: if ${name} is a single number, it must be positive; got ${degrees}`);
    return [-degrees, degrees];
  }
  if (degrees.length !== 2) throw new Error(`${op}: if ${name} is a sequence, it must be of length 2; got [${degrees}]`);
  return [degrees[0], degrees[1]];
}

export interface RandomRotationOptions extends RandomOptions {
  interpolation?: Interpolation;
  expand?: boolean;
  center?: readonly number[];
  /** Default 0. */
  fill?: number | readonly number[];
}

/** RandomRotation(degrees, { interpolation: "nearest", expand: false, center, fill: 0 }): angle ~ U(−d, d) or U(d0, d1). */
export function RandomRotation(degrees: number | readonly number[], opts: RandomRotationOptions = {}): Transform<ImageOrTensor, ImageOrTensor> {
  const [d0, d1] = degreeRange("RandomRotation", degrees);
  checkInterp("RandomRotation", opts.interpolation ?? "nearest");
  if (opts.center !== undefined && opts.center.length !== 2) throw new Error(`RandomRotation: center should be a sequence of length 2; got [${opts.center}]`);
  const fn = (img: ImageOrTensor, generator?: Generator): ImageOrTensor => {
    const angle = uniform(pickGenerator(generator, opts), d0, d1);
    return rotate(img, angle, { interpolation: opts.interpolation, expand: opts.expand, center: opts.center, fill: opts.fill ?? 0 });
  };
  return named(fn, `RandomRotation(degrees=[${d0}, ${d1}], interpolation=${opts.interpolation ?? "nearest"}, expand=${!!opts.expand}, fill=${JSON.stringify(opts.fill ?? 0)})`);
}

export interface RandomAffineOptions extends RandomOptions {
  /** Maximum fractions [a, b]: tx ~ U(−a·W, a·W), ty ~ U(−b·H, b·H), rounded to whole pixels. */
  translate?: readonly [number, number];
  /** [min, max] scale factor. */
  scale?: readonly [number, number];
  /** s → x-shear ~ U(−s, s); [a, b] → x-shear ~ U(a, b); [a, b, c, d] → also y-shear ~ U(c, d). Degrees. */
  shear?: number | readonly number[];
  interpolation?: Interpolation;
  /** Default 0. */
  fill?: number | readonly number[];
  center?: readonly number[];
}

/** torchvision RandomAffine.get_params: [angle, [tx, ty], scale, [shearX, shearY]] drawn in that order. */
export function randomAffineParams(deg: readonly [number, number], translate: readonly number[] | undefined, scale: readonly number[] | undefined, shear: readonly number[] | undefined, w: number, h: number, g: Generator): { angle: number; translate: [number, number]; scale: number; shear: [number, number] } {
  const angle = uniform(g, deg[0], deg[1]);
  let tx = 0, ty = 0;
  if (translate) {
    const mx = translate[0] * w, my = translate[1] * h;
    tx = pyRound(uniform(g, -mx, mx));
    ty = pyRound(uniform(g, -my, my));
  }
  const s = scale ? uniform(g, scale[0], scale[1]) : 1;
  let shx = 0, shy = 0;
  if (shear) {
    shx = uniform(g, shear[0], shear[1]);
    if (shear.length === 4) shy = uniform(g, shear[2], shear[3]);
  }
  return { angle, translate: [tx, ty], scale: s, shear: [shx, shy] };
}

/** RandomAffine(degrees, { translate, scale, shear, interpolation: "nearest", fill: 0, center }). */
export function RandomAffine(degrees: number | readonly number[], opts: RandomAffineOptions = {}): Transform<ImageOrTensor, ImageOrTensor> {
  const deg = degreeRange("RandomAffine", degrees);
  checkInterp("RandomAffine", opts.interpolation ?? "nearest");
  const { translate, scale } = opts;
  if (translate !== undefined) {
    if (translate.length !== 2) throw new Error(`RandomAffine: translate should be a sequence of length 2; got [${translate}]`);
    if (translate.some((t) => !(t >= 0 && t <= 1))) throw new Error(`RandomAffine: translation values should be between 0 and 1; got [${translate}]`);
  }
  if (scale !== undefined) {
    if (scale.length !== 2) throw new Error(`RandomAffine: scale should be a sequence of length 2; got [${scale}]`);
    if (scale.some((s) => !(s > 0))) throw new Error(`RandomAffine: scale values should be positive; got [${scale}]`);
  }
  let shear: number[] | undefined;
  if (opts.shear !== undefined) {
    const s = opts.shear;
    if (typeof s === "number") shear = degreeRange("RandomAffine", s, "shear");
    else if (s.length === 2 || s.length === 4) shear = [...s];
    else throw new Error(`RandomAffine: shear should be a number or a sequence of length 2 or 4; got [${s}]`);
  }
  if (opts.center !== undefined && opts.center.length !== 2) throw new Error(`RandomAffine: center should be a sequence of length 2; got [${opts.center}]`);
  const fn = (img: ImageOrTensor, generator?: Generator): ImageOrTensor => {
    const r = toRaster("RandomAffine", img);
    const p = randomAffineParams(deg, translate, scale, shear, r.w, r.h, pickGenerator(generator, opts));
    return affine(img, p.angle, p.translate, p.scale, p.shear, { interpolation: opts.interpolation, fill: opts.fill ?? 0, center: opts.center });
  };
  return named(fn, `RandomAffine(degrees=${fmt(deg)}, translate=${translate ? `${fmt(translate)}` : null}, scale=${scale ? `${fmt(scale)}` : null}, shear=${shear ? `${fmt(shear)}` : null})`);
}
