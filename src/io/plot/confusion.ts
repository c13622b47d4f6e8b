// Confusion matrices as PNG: rows are true classes, columns predicted classes, cells shaded from
// white to dark blue by count (matplotlib's "Blues"), counts printed in the cells when they fit,
// class names on both axes and a colour bar.

import { Tensor } from "../../tensor/tensor.js";
import type { Image } from "../../data/image.js";
import { writePng } from "../png.js";
import { type RGB, Canvas } from "./canvas.js";
import { textWidth } from "./font.js";

export interface ConfusionOptions {
  title?: string;
  /** Shade (and print) each row as fractions of its total: per-class recall. Default false (counts). */
  normalize?: boolean;
  /** Cell size in pixels; default fitted so the matrix is about 500 px wide (16..64). */
  cellSize?: number;
}

export interface ConfusionLayout {
  width: number;
  height: number;
  cellSize: number;
  /** Top-left pixel of the cell for true class i, predicted class j. */
  cellOrigin(i: number, j: number): [number, number];
}

/** matplotlib "Blues" stops, t = 0 .. 1. */
const BLUES: RGB[] = [[247, 251, 255], [222, 235, 247], [198, 219, 239], [158, 202, 225], [107, 174, 214], [66, 146, 198], [33, 113, 181], [8, 81, 156], [8, 48, 107]];

/** The colour for t ∈ [0, 1] on the Blues scale. */
export function blues(t: number): RGB {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (BLUES.length - 1);
  const i = Math.min(BLUES.length - 2, Math.floor(x)), f = x - i;
  const a = BLUES[i], b = BLUES[i + 1];
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

function toRows(matrix: number[][] | Tensor, op: string): number[][] {
  if (matrix instanceof Tensor) {
    if (matrix.ndim !== 2 || matrix.shape[0] !== matrix.shape[1]) throw new Error(`${op}: matrix must be square [C, C]; got shape [${matrix.shape.join(", ")}]`);
    return matrix.tolist() as number[][];
  }
  if (!Array.isArray(matrix) || matrix.length === 0 || !matrix.every((r) => Array.isArray(r) && r.length === matrix.length)) {
    throw new Error(`${op}: matrix must be a square array of rows (true class × predicted class) or a [C, C] tensor`);
  }
  return matrix;
}

const INK: RGB = [40, 40, 40];

/** Render a confusion matrix into an RGBA image (see plotConfusionMatrix). */
export function renderConfusionMatrix(matrix: number[][] | Tensor, classNames?: string[], opts: ConfusionOptions = {}): { image: Image; layout: ConfusionLayout } {
  const op = "plotConfusionMatrix";
  const m = toRows(matrix, op);
  const n = m.length;
  const names = classNames ?? m.map((_, i) => String(i));
  if (names.length !== n) throw new Error(`${op}: ${names.length} class names for a ${n}×${n} matrix`);
  const vals = m.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (opts.normalize ? (total > 0 ? v / total : 0) : v));
  });
  const max = Math.max(1e-12, ...vals.flat());
  const cell = opts.cellSize ?? Math.max(16, Math.min(64, Math.floor(500 / n)));
  const S = cell >= 24 ? 2 : 1; // font scale for names
  const nameW = Math.max(...names.map((s) => textWidth(s, S)));
  const left = 16 + 7 * 2 + 10 + nameW + 8;
  const top = opts.title ? 14 + 14 + 14 : 16;
  const gridW = n * cell;
  const barX = left + gridW + 16;
  const W = barX + 16 + 8 + textWidth(formatCount(max, !!opts.normalize), 2) + 16;
  const H = top + gridW + 8 + nameW + 10 + 14 + 14;
  const c = new Canvas(W, H);
  if (opts.title) c.text(W / 2, 14, opts.title, INK, { scale: 2, align: "center" });
  const origin = (i: number, j: number): [number, number] => [left + j * cell, top + i * cell];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const t = vals[i][j] / max;
      const [x, y] = origin(i, j);
      c.fillRect(x, y, cell, cell, blues(t));
      const label = formatCount(vals[i][j], !!opts.normalize);
      const ts = textWidth(label, 2) + 4 <= cell ? 2 : textWidth(label, 1) + 2 <= cell ? 1 : 0;
      if (ts) c.text(x + cell / 2, y + cell / 2, label, t > 0.5 ? [255, 255, 255] : INK, { scale: ts, align: "center", valign: "middle" });
    }
  }
  c.strokeRect(left - 1, top - 1, gridW + 2, gridW + 2, [120, 120, 120]);
  names.forEach((name, k) => {
    c.text(left - 8, top + k * cell + cell / 2, name, INK, { scale: S, align: "right", valign: "middle" });
    c.text(left + k * cell + cell / 2, top + gridW + 8, name, INK, { scale: S, vertical: true, align: "center" });
  });
  c.text(left + gridW / 2, H - 10, "predicted", INK, { scale: 2, align: "center", valign: "bottom" });
  c.text(14, top + gridW / 2, "true", INK, { scale: 2, vertical: true, valign: "middle" });
  // Colour bar: max at the top, 0 at the bottom.
  for (let y = 0; y < gridW; y++) c.fillRect(barX, top + y, 16, 1, blues(1 - y / Math.max(1, gridW - 1)));
  c.strokeRect(barX - 1, top - 1, 18, gridW + 2, [120, 120, 120]);
  c.text(barX + 24, top, formatCount(max, !!opts.normalize), INK, { scale: 2, valign: "top" });
  c.text(barX + 24, top + gridW, "0", INK, { scale: 2, valign: "bottom" });
  return { image: c.toImage(), layout: { width: W, height: H, cellSize: cell, cellOrigin: origin } };
}

function formatCount(v: number, normalized: boolean): string {
  if (normalized) return v.toFixed(2);
  return Number.isInteger(v) ? String(v) : v.toPrecision(3);
}

/**
 * Draw a confusion matrix (rows: true class, columns: predicted class) to a PNG file, atomically.
 *
 * @example
 * io.plotConfusionMatrix("run/confusion.png", metrics.confusionMatrix, dataset.classes);
 */
export function plotConfusionMatrix(path: string, matrix: number[][] | Tensor, classNames?: string[], opts: ConfusionOptions = {}): ConfusionLayout {
  const { image, layout } = renderConfusionMatrix(matrix, classNames, opts);
  writePng(path, image);
  return layout;
}
