// Image grids as PNG (torchvision's make_grid + save_image): samples of a dataset, learned
// filters, the class templates of a linear classifier — optionally scaled to [0, 1] first, upscaled
// with nearest-neighbour so small images are visible, and labelled.

import { Tensor } from "../../tensor/tensor.js";
import { type Image, isImage } from "../../data/image.js";
import { writePng } from "../png.js";
import { Canvas } from "./canvas.js";
import { textWidth } from "./font.js";

export interface GridOptions {
  /** Images per row; default 8 (torchvision's nrow). */
  nrow?: number;
  /** Pixels between images (after upscaling); default 2. */
  padding?: number;
  /** Background grey level 0..255; default 255 (white). */
  padValue?: number;
  /** Shift and scale float tensors to [0, 1] using `range`, or their min and max. Default false. */
  normalize?: boolean;
  /** With normalize: each image by its own min and max (class templates, filters). Default false. */
  scaleEach?: boolean;
  /** With normalize: the [min, max] mapped to [0, 1]. */
  range?: [number, number];
  /** Integer upscaling factor; default: enough to make each image about 64 px. */
  scale?: number;
  /** A caption under each image (e.g. class names). */
  labels?: string[];
}

interface Raw {
  C: number;
  H: number;
  W: number;
  /** CHW values: floats in [0,1] after normalisation, or bytes 0..255 when `bytes`. */
  get(c: number, h: number, w: number): number;
  bytes: boolean;
  data?: ArrayLike<number>;
}

function toRaw(images: Tensor | (Tensor | Image)[], op: string): Raw[] {
  if (images instanceof Tensor) {
    if (images.ndim === 3) images = images.unsqueeze(1);
    if (images.ndim !== 4) throw new Error(`${op}: a tensor of images must be [N, C, H, W] or [N, H, W]; got [${images.shape.join(", ")}]`);
    const [N] = images.shape;
    return Array.from({ length: N }, (_, i) => toRaw([(images as Tensor).select(0, i)], op)[0]);
  }
  if (!Array.isArray(images) || images.length === 0) throw new Error(`${op}: expected a non-empty list of images or an [N, C, H, W] tensor`);
  return images.map((im, k) => {
    if (isImage(im)) {
      const { data, height: H, width: W, channels: C } = im;
      return { C, H, W, bytes: true, get: (c, h, w) => data[(h * W + w) * C + c] };
    }
    if (!(im instanceof Tensor)) throw new Error(`${op}: image ${k} is neither a Tensor nor an Image`);
    const t = im.ndim === 2 ? im.unsqueeze(0) : im;
    if (t.ndim !== 3) throw new Error(`${op}: image ${k} must be [C, H, W] or [H, W]; got [${im.shape.join(", ")}]`);
    const [C, H, W] = t.shape;
    const data = t.dataRowMajor();
    const bytes = t.dtype === "int32";
    return { C, H, W, bytes, data, get: (c, h, w) => data[(c * H + h) * W + w] };
  });
}

/** Render images into one RGB grid image (see imageGrid). */
export function renderImageGrid(images: Tensor | (Tensor | Image)[], opts: GridOptions = {}): Image {
  const op = "imageGrid";
  const raws = toRaw(images, op);
  for (const r of raws) if (r.C !== 1 && r.C !== 3 && r.C !== 4) throw new Error(`${op}: images need 1, 3 or 4 channels; got ${r.C}`);
  const H = Math.max(...raws.map((r) => r.H)), W = Math.max(...raws.map((r) => r.W));
  const scale = opts.scale ?? Math.max(1, Math.round(64 / Math.max(H, W)));
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`${op}: scale must be a positive integer; got ${scale}`);
  const nrow = Math.min(opts.nrow ?? 8, raws.length), pad = opts.padding ?? 2;
  const labels = opts.labels;
  if (labels && labels.length !== raws.length) throw new Error(`${op}: ${labels.length} labels for ${raws.length} images`);
  const labelH = labels ? 7 + 6 : 0;
  const cw = W * scale, ch = H * scale;
  const rows = Math.ceil(raws.length / nrow);
  const bg = opts.padValue ?? 255;
  const c = new Canvas(nrow * (cw + pad) + pad, rows * (ch + labelH + pad) + pad, [bg, bg, bg]);
  // Normalisation range (float tensors only): explicit, global min/max, or per image.
  const minmax = (r: Raw): [number, number] => {
    let lo = Infinity, hi = -Infinity;
    for (let k = 0; k < r.C; k++) for (let h = 0; h < r.H; h++) for (let w = 0; w < r.W; w++) {
      const v = r.get(k, h, w);
      if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    }
    return [lo, hi];
  };
  let global: [number, number] | null = opts.range ?? null;
  if (opts.normalize && !global && !opts.scaleEach) {
    const all = raws.filter((r) => !r.bytes).map(minmax);
    global = [Math.min(...all.map((a) => a[0])), Math.max(...all.map((a) => a[1]))];
  }
  raws.forEach((r, idx) => {
    const [lo, hi] = opts.normalize && !r.bytes ? (opts.scaleEach && !opts.range ? minmax(r) : global!) : [0, 1];
    const span = hi - lo > 1e-12 ? hi - lo : 1;
    const x0 = pad + (idx % nrow) * (cw + pad), y0 = pad + Math.floor(idx / nrow) * (ch + labelH + pad);
    for (let h = 0; h < r.H; h++) {
      for (let w = 0; w < r.W; w++) {
        const px = [0, 1, 2].map((k) => {
          const v = r.get(r.C === 1 ? 0 : k, h, w);
          const b = r.bytes ? v : ((v - lo) / span) * 255;
          return b >= 255 ? 255 : b > 0 ? Math.round(b) : 0;
        }) as [number, number, number];
        c.fillRect(x0 + w * scale, y0 + h * scale, scale, scale, px);
      }
    }
    if (labels) {
      let s = labels[idx];
      while (s.length > 1 && textWidth(s, 1) > cw) s = s.slice(0, -1);
      c.text(x0 + cw / 2, y0 + ch + 3, s, [40, 40, 40], { align: "center" });
    }
  });
  const img = c.toImage();
  // Drop alpha: the grid is opaque RGB.
  const rgb = new Uint8Array(img.width * img.height * 3);
  for (let i = 0, j = 0; i < img.data.length; i += 4) { rgb[j++] = img.data[i]; rgb[j++] = img.data[i + 1]; rgb[j++] = img.data[i + 2]; }
  return { data: rgb, height: img.height, width: img.width, channels: 3 };
}

/**
 * Save images as one grid PNG, atomically.
 *
 * @example
 * io.imageGrid("templates.png", W.reshape(10, 3, 32, 32), { normalize: true, scaleEach: true, labels: classes, nrow: 10 });
 */
export function imageGrid(path: string, images: Tensor | (Tensor | Image)[], opts: GridOptions = {}): void {
  writePng(path, renderImageGrid(images, opts));
}
