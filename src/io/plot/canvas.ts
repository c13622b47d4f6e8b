// A small RGBA rasteriser for plots: anti-aliased lines of any width (coverage from the distance
// to the segment), filled rectangles and disks, and text in the built-in 5×7 font (horizontal, or
// rotated to read bottom-to-top for y-axis labels). Pixel (x, y) covers [x, x+1) × [y, y+1).

import type { Image } from "../../data/image.js";
import { GLYPH_H, GLYPH_W, glyph, textWidth } from "./font.js";

export type RGB = readonly [number, number, number];

/** matplotlib's "tab10" colours, the default series colours. */
export const PALETTE: RGB[] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

export interface TextOptions {
  scale?: number;
  /** Horizontal anchor of x: the text's left edge, centre or right edge. */
  align?: "left" | "center" | "right";
  /** Vertical anchor of y: the text's top, middle or bottom. */
  valign?: "top" | "middle" | "bottom";
  /** Rotate 90° counter-clockwise (reads bottom to top); anchors then apply to the rotated box. */
  vertical?: boolean;
}

export class Canvas {
  readonly width: number;
  readonly height: number;
  /** RGBA, row-major. */
  readonly data: Uint8Array;
  /** Drawing is limited to this rectangle [x0, x1) × [y0, y1) when set. */
  clip: { x0: number; y0: number; x1: number; y1: number } | null = null;

  constructor(width: number, height: number, background: RGB = [255, 255, 255]) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new Error(`Canvas: size must be positive integers, got ${width}×${height}`);
    }
    this.width = width;
    this.height = height;
    this.data = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      this.data[4 * i] = background[0];
      this.data[4 * i + 1] = background[1];
      this.data[4 * i + 2] = background[2];
      this.data[4 * i + 3] = 255;
    }
  }

  /** Mix colour c into pixel (x, y) with opacity a ∈ [0, 1]. */
  blend(x: number, y: number, c: RGB, a = 1): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || a <= 0) return;
    const k = this.clip;
    if (k && (x < k.x0 || x >= k.x1 || y < k.y0 || y >= k.y1)) return;
    const i = 4 * (y * this.width + x);
    if (a >= 1) {
      this.data[i] = c[0]; this.data[i + 1] = c[1]; this.data[i + 2] = c[2];
      return;
    }
    for (let j = 0; j < 3; j++) this.data[i + j] = Math.round(this.data[i + j] * (1 - a) + c[j] * a);
  }

  /** The colour at (x, y). */
  get(x: number, y: number): RGB {
    const i = 4 * (y * this.width + x);
    return [this.data[i], this.data[i + 1], this.data[i + 2]];
  }

  fillRect(x: number, y: number, w: number, h: number, c: RGB, a = 1): void {
    const x0 = Math.max(0, Math.round(x)), y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w)), y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) this.blend(xx, yy, c, a);
  }

  /** A 1-pixel rectangle outline. */
  strokeRect(x: number, y: number, w: number, h: number, c: RGB): void {
    this.fillRect(x, y, w, 1, c);
    this.fillRect(x, y + h - 1, w, 1, c);
    this.fillRect(x, y, 1, h, c);
    this.fillRect(x + w - 1, y, 1, h, c);
  }

  /** An anti-aliased line segment from (x0, y0) to (x1, y1) in continuous pixel coordinates. */
  line(x0: number, y0: number, x1: number, y1: number, c: RGB, width = 1): void {
    if (![x0, y0, x1, y1].every(Number.isFinite)) return;
    const r = width / 2;
    const dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    const minX = Math.max(0, Math.floor(Math.min(x0, x1) - r - 1)), maxX = Math.min(this.width - 1, Math.ceil(Math.max(x0, x1) + r + 1));
    const minY = Math.max(0, Math.floor(Math.min(y0, y1) - r - 1)), maxY = Math.min(this.height - 1, Math.ceil(Math.max(y0, y1) + r + 1));
    for (let py = minY; py <= maxY; py++) {
      for (let px = minX; px <= maxX; px++) {
        const cx = px + 0.5, cy = py + 0.5;
        let t = len2 > 0 ? ((cx - x0) * dx + (cy - y0) * dy) / len2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ex = cx - (x0 + t * dx), ey = cy - (y0 + t * dy);
        const cov = r + 0.5 - Math.sqrt(ex * ex + ey * ey);
        if (cov > 0) this.blendMax(px, py, c, Math.min(1, cov));
      }
    }
  }

  /** Blend so that overlapping pieces of one stroke do not darken each other's edges twice. */
  private blendMax(x: number, y: number, c: RGB, a: number): void {
    this.blend(x, y, c, a >= 0.999 ? 1 : a);
  }

  /** A filled anti-aliased disk. */
  disk(cx: number, cy: number, radius: number, c: RGB): void {
    for (let py = Math.floor(cy - radius - 1); py <= Math.ceil(cy + radius + 1); py++) {
      for (let px = Math.floor(cx - radius - 1); px <= Math.ceil(cx + radius + 1); px++) {
        const d = Math.hypot(px + 0.5 - cx, py + 0.5 - cy);
        const cov = radius + 0.5 - d;
        if (cov > 0) this.blend(px, py, c, Math.min(1, cov));
      }
    }
  }

  /** Draw text in the 5×7 font; returns its width in pixels. */
  text(x: number, y: number, str: string, c: RGB, opts: TextOptions = {}): number {
    const s = opts.scale ?? 1;
    const w = textWidth(str, s), h = GLYPH_H * s;
    const along = opts.vertical ? h : w, across = opts.vertical ? w : h;
    const left = Math.round(x - (opts.align === "center" ? along / 2 : opts.align === "right" ? along : 0));
    const top = Math.round(y - (opts.valign === "middle" ? across / 2 : opts.valign === "bottom" ? across : 0));
    for (let i = 0; i < str.length; i++) {
      const rows = glyph(str[i]);
      for (let gy = 0; gy < GLYPH_H; gy++) {
        for (let gx = 0; gx < GLYPH_W; gx++) {
          if (!(rows[gy] & (1 << (GLYPH_W - 1 - gx)))) continue;
          const u = (i * (GLYPH_W + 1) + gx) * s, v = gy * s; // position along / across the text
          for (let a = 0; a < s; a++) {
            for (let b = 0; b < s; b++) {
              if (opts.vertical) this.blend(left + v + b, top + w - 1 - (u + a), c);
              else this.blend(left + u + a, top + v + b, c);
            }
          }
        }
      }
    }
    return w;
  }

  /** The canvas as an RGBA Image (shares the pixel buffer). */
  toImage(): Image {
    return { data: this.data, height: this.height, width: this.width, channels: 4 };
  }
}
