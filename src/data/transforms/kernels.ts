// Typed-array kernels behind the geometric transforms. Each works on a Raster (see common.ts),
// so the same loop serves HWC Images and CHW tensors. No allocation per pixel: index maps and
// weights are computed once per row/column, then the loops only read and write.
//
// uint8/int32 outputs of resampling are rounded half-to-even and clamped (torchvision casts
// uint8 to float32, resamples, then torch.round()s); float32 arithmetic is emulated with
// Math.fround where PyTorch computes in float32, so results match it closely.

import { type Raster, emptyLike, roundingFor } from "./common.js";

export type PadMode = "constant" | "edge" | "reflect" | "symmetric";

/** Source index for coordinate p on an axis of length n under a padding mode; −1 means "fill". */
export function padIndex(p: number, n: number, mode: PadMode): number {
  if (p >= 0 && p < n) return p;
  switch (mode) {
    case "constant": return -1;
    case "edge": return p < 0 ? 0 : n - 1;
    case "reflect": {
      if (n === 1) return 0;
      const period = 2 * n - 2;
      const m = ((p % period) + period) % period;
      return m < n ? m : period - m;
    }
    case "symmetric": {
      const period = 2 * n;
      const m = ((p % period) + period) % period;
      return m < n ? m : period - 1 - m;
    }
  }
}

/** Index map for `len` outputs starting at source coordinate `start`. */
export function axisMap(start: number, len: number, n: number, mode: PadMode, reverse = false): Int32Array {
  const m = new Int32Array(len);
  for (let i = 0; i < len; i++) m[i] = padIndex(start + (reverse ? len - 1 - i : i), n, mode);
  return m;
}

/**
 * out[c, y, x] = in[c, rows[y], cols[x]], or fill[c] where a map says −1. Crops, pads, flips and
 * the fused pad+crop of RandomCrop are all this one loop.
 */
export function remap(r: Raster, rows: Int32Array, cols: Int32Array, fill: Float64Array): Raster {
  const oh = rows.length, ow = cols.length, C = r.c;
  const out = emptyLike(r, oh, ow);
  const src = r.data, dst = out.data;
  const inPlane = C * r.h * r.w, outPlane = C * oh * ow;
  if (r.image && C === 3) {
    // The common RGB case, unrolled: byte offsets of the source rows/columns are precomputed.
    const f0 = fill[0], f1 = fill[1], f2 = fill[2];
    const ys = r.ys;
    let o = 0;
    for (let y = 0; y < oh; y++) {
      const sy = rows[y];
      if (sy < 0) {
        for (let x = 0; x < ow; x++) { dst[o] = f0; dst[o + 1] = f1; dst[o + 2] = f2; o += 3; }
        continue;
      }
      const rowBase = sy * ys;
      for (let x = 0; x < ow; x++) {
        const sx = cols[x];
        if (sx < 0) { dst[o] = f0; dst[o + 1] = f1; dst[o + 2] = f2; }
        else { const s = rowBase + 3 * sx; dst[o] = src[s]; dst[o + 1] = src[s + 1]; dst[o + 2] = src[s + 2]; }
        o += 3;
      }
    }
    return out;
  }
  if (r.image) {
    // HWC: copy C bytes per pixel.
    let o = 0;
    for (let y = 0; y < oh; y++) {
      const sy = rows[y];
      const rowBase = sy * r.ys;
      for (let x = 0; x < ow; x++) {
        const sx = cols[x];
        if (sy < 0 || sx < 0) {
          for (let c = 0; c < C; c++) dst[o++] = fill[c];
        } else {
          let s = rowBase + sx * C;
          for (let c = 0; c < C; c++) dst[o++] = src[s++];
        }
      }
    }
    return out;
  }
  for (let p = 0; p < r.planes; p++) {
    let o = p * outPlane;
    for (let c = 0; c < C; c++) {
      const cBase = p * inPlane + c * r.cs;
      const f = fill[c];
      for (let y = 0; y < oh; y++) {
        const sy = rows[y];
        if (sy < 0) {
          for (let x = 0; x < ow; x++) dst[o++] = f;
          continue;
        }
        const rowBase = cBase + sy * r.w;
        for (let x = 0; x < ow; x++) {
          const sx = cols[x];
          dst[o++] = sx < 0 ? f : src[rowBase + sx];
        }
      }
    }
  }
  return out;
}

/** Round half to even, as torch.round does before a cast to an integer dtype. */
export function rint(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}

/** Writes float results into an integer raster: rounded half-to-even, clamped to [0, 255] for uint8. */
function storeFor(out: Raster): (i: number, v: number) => void {
  const d = out.data;
  if (d instanceof Uint8Array) {
    const clamped = new Uint8ClampedArray(d.buffer, d.byteOffset, d.length); // rounds half to even, clamps
    return (i, v) => { clamped[i] = v; };
  }
  if (d instanceof Int32Array) return (i, v) => { d[i] = rint(v); };
  return (i, v) => { d[i] = v; };
}

interface LinearAxis { i0: Int32Array; i1: Int32Array; l0: Float64Array; l1: Float64Array }

/** PyTorch's bilinear source indices/weights (align_corners=False) for one axis. */
function linearAxis(n: number, outN: number, R: (v: number) => number): LinearAxis {
  const scale = R(n / outN);
  const i0 = new Int32Array(outN), i1 = new Int32Array(outN), l0 = new Float64Array(outN), l1 = new Float64Array(outN);
  for (let i = 0; i < outN; i++) {
    let real = R(R(scale * R(i + 0.5)) - 0.5);
    if (real < 0) real = 0;
    const idx = Math.min(Math.floor(real), n - 1);
    const lam = Math.min(Math.max(R(real - idx), 0), 1);
    i0[i] = idx;
    i1[i] = idx < n - 1 ? idx + 1 : idx;
    l1[i] = lam;
    l0[i] = R(1 - lam);
  }
  return { i0, i1, l0, l1 };
}

/** Bilinear resize without antialiasing: F.interpolate(mode="bilinear", align_corners=False). */
export function resizeBilinear(r: Raster, oh: number, ow: number): Raster {
  const out = emptyLike(r, oh, ow);
  const R = roundingFor(r); // float32 arithmetic unless the input is float64
  const ax = linearAxis(r.w, ow, R), ay = linearAxis(r.h, oh, R);
  const src = r.data, store = storeFor(out);
  const C = r.c, inPlane = C * r.h * r.w, outPlane = C * oh * ow;
  for (let p = 0; p < r.planes; p++) {
    for (let c = 0; c < C; c++) {
      const base = p * inPlane + c * r.cs, obase = p * outPlane + c * out.cs;
      for (let y = 0; y < oh; y++) {
        const r0 = base + ay.i0[y] * r.ys, r1 = base + ay.i1[y] * r.ys, h0 = ay.l0[y], h1 = ay.l1[y];
        const orow = obase + y * out.ys;
        for (let x = 0; x < ow; x++) {
          const a = ax.i0[x] * r.xs, b = ax.i1[x] * r.xs, w0 = ax.l0[x], w1 = ax.l1[x];
          const top = R(R(w0 * src[r0 + a]) + R(w1 * src[r0 + b]));
          const bot = R(R(w0 * src[r1 + a]) + R(w1 * src[r1 + b]));
          store(orow + x * out.xs, R(R(h0 * top) + R(h1 * bot)));
        }
      }
    }
  }
  return out;
}

/** Nearest resize: F.interpolate(mode="nearest"), source index floor(dst · in/out). */
export function resizeNearest(r: Raster, oh: number, ow: number): Raster {
  const sy = Math.fround(r.h / oh), sx = Math.fround(r.w / ow);
  const rows = new Int32Array(oh), cols = new Int32Array(ow);
  for (let y = 0; y < oh; y++) rows[y] = Math.min(Math.floor(Math.fround(y * sy)), r.h - 1);
  for (let x = 0; x < ow; x++) cols[x] = Math.min(Math.floor(Math.fround(x * sx)), r.w - 1);
  return remap(r, rows, cols, new Float64Array(r.c));
}

interface AAWeights { start: Int32Array; size: Int32Array; weights: Float64Array; support: number }

/** Antialiased (PIL-style triangle filter widened by the downscale factor) weights for one axis. */
function aaAxis(n: number, outN: number): AAWeights {
  const scale = n / outN;
  const support = scale >= 1 ? scale : 1;
  const inv = scale >= 1 ? 1 / scale : 1;
  const maxK = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outN), size = new Int32Array(outN), weights = new Float64Array(outN * maxK);
  for (let i = 0; i < outN; i++) {
    const center = scale * (i + 0.5);
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xsize = Math.min(Math.trunc(center + support + 0.5), n) - xmin;
    let total = 0;
    for (let j = 0; j < xsize; j++) {
      const t = Math.abs((j + xmin - center + 0.5) * inv);
      const w = t < 1 ? 1 - t : 0;
      weights[i * maxK + j] = w;
      total += w;
    }
    if (total !== 0) for (let j = 0; j < xsize; j++) weights[i * maxK + j] /= total;
    start[i] = xmin;
    size[i] = xsize;
  }
  return { start, size, weights, support: maxK };
}

/** Bilinear resize with antialiasing (F.interpolate(..., antialias=True)): horizontal pass, then vertical. */
export function resizeBilinearAA(r: Raster, oh: number, ow: number): Raster {
  const out = emptyLike(r, oh, ow);
  const ax = aaAxis(r.w, ow), ay = aaAxis(r.h, oh);
  const src = r.data, store = storeFor(out);
  const tmp = new Float64Array(r.h * ow);
  const C = r.c, inPlane = C * r.h * r.w, outPlane = C * oh * ow;
  for (let p = 0; p < r.planes; p++) {
    for (let c = 0; c < C; c++) {
      const base = p * inPlane + c * r.cs, obase = p * outPlane + c * out.cs;
      for (let y = 0; y < r.h; y++) {
        const row = base + y * r.ys;
        for (let x = 0; x < ow; x++) {
          const s = ax.start[x], k = ax.size[x], wo = x * ax.support;
          let acc = 0;
          for (let j = 0; j < k; j++) acc += ax.weights[wo + j] * src[row + (s + j) * r.xs];
          tmp[y * ow + x] = acc;
        }
      }
      for (let y = 0; y < oh; y++) {
        const s = ay.start[y], k = ay.size[y], wo = y * ay.support;
        for (let x = 0; x < ow; x++) {
          let acc = 0;
          for (let j = 0; j < k; j++) acc += ay.weights[wo + j] * tmp[(s + j) * ow + x];
          store(obase + y * out.ys + x * out.xs, acc);
        }
      }
    }
  }
  return out;
}

/**
 * torchvision's tensor affine/rotate: inverse matrix `m` (2×3, centred coordinates), output size
 * oh×ow, grid_sample(padding_mode="zeros", align_corners=False) on the image plus a ones-mask
 * channel, then fill where the mask says "outside" (nearest: mask < 0.5; bilinear: blend by mask).
 * A null fill is torchvision's fill=None: plain grid_sample, zeros outside, no mask blend.
 */
export function affineSample(r: Raster, m: readonly number[], oh: number, ow: number, mode: "nearest" | "bilinear", fill: Float64Array | null): Raster {
  const out = emptyLike(r, oh, ow);
  const src = r.data, store = storeFor(out);
  const C = r.c, H = r.h, W = r.w, inPlane = C * H * W, outPlane = C * oh * ow;
  // Source pixel coordinate (align_corners=False) of output pixel (x, y):
  //   ix = a·(x + ½ − ow/2) + b·(y + ½ − oh/2) + c + W/2 − ½   (likewise iy with the second row).
  const [a, b, c0, d, e, f0] = m;
  for (let y = 0; y < oh; y++) {
    const by = y + 0.5 - oh / 2;
    for (let x = 0; x < ow; x++) {
      const bx = x + 0.5 - ow / 2;
      const ix = a * bx + b * by + c0 + W / 2 - 0.5;
      const iy = d * bx + e * by + f0 + H / 2 - 0.5;
      if (mode === "nearest") {
        const nx = rint(ix), ny = rint(iy);
        const inside = nx >= 0 && nx < W && ny >= 0 && ny < H;
        for (let p = 0; p < r.planes; p++) {
          for (let ch = 0; ch < C; ch++) {
            const oi = p * outPlane + ch * out.cs + y * out.ys + x * out.xs;
            store(oi, inside ? src[p * inPlane + ch * r.cs + ny * r.ys + nx * r.xs] : fill ? fill[ch] : 0);
          }
        }
        continue;
      }
      const x0 = Math.floor(ix), y0 = Math.floor(iy);
      const tx = ix - x0, ty = iy - y0;
      const vx0 = x0 >= 0 && x0 < W, vx1 = x0 + 1 >= 0 && x0 + 1 < W;
      const vy0 = y0 >= 0 && y0 < H, vy1 = y0 + 1 >= 0 && y0 + 1 < H;
      const wnw = (1 - tx) * (1 - ty), wne = tx * (1 - ty), wsw = (1 - tx) * ty, wse = tx * ty;
      // The mask channel is sampled like the image: the in-bounds share of the weights.
      const mask = fill === null ? 1 : (vx0 && vy0 ? wnw : 0) + (vx1 && vy0 ? wne : 0) + (vx0 && vy1 ? wsw : 0) + (vx1 && vy1 ? wse : 0);
      for (let p = 0; p < r.planes; p++) {
        for (let ch = 0; ch < C; ch++) {
          const cb = p * inPlane + ch * r.cs;
          let v = 0;
          if (vy0) {
            const rb = cb + y0 * r.ys;
            if (vx0) v += wnw * src[rb + x0 * r.xs];
            if (vx1) v += wne * src[rb + (x0 + 1) * r.xs];
          }
          if (vy1) {
            const rb = cb + (y0 + 1) * r.ys;
            if (vx0) v += wsw * src[rb + x0 * r.xs];
            if (vx1) v += wse * src[rb + (x0 + 1) * r.xs];
          }
          store(p * outPlane + ch * out.cs + y * out.ys + x * out.xs, fill === null ? v : v * mask + (1 - mask) * fill[ch]);
        }
      }
    }
  }
  return out;
}
