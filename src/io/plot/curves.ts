// Line plots as PNG: training curves (loss / accuracy vs epoch, train and validation), the
// learning-rate range test (loss vs lr on a log axis). Axes with nice ticks and light grid lines,
// one colour per series, markers when a series has few points, a legend, and a title.

import type { Image } from "../../data/image.js";
import { writePng } from "../png.js";
import { type RGB, Canvas, PALETTE } from "./canvas.js";
import { type Ticks, formatTick, linearTicks, logTicks } from "./axes.js";
import { textWidth } from "./font.js";

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** RGB 0..255; default: the next tab10 colour. */
  color?: RGB;
}

export interface CurvesOptions {
  series: Series[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  logX?: boolean;
  logY?: boolean;
  /** Fix the axis ranges (default: fitted to the data, widened to nice ticks). */
  xLim?: [number, number];
  yLim?: [number, number];
  /** Image size in pixels; default 800 × 500. */
  width?: number;
  height?: number;
  /** Draw a dot at every point: default when a series has at most 40 points. */
  markers?: boolean;
}

/** Where things landed, so callers (and tests) can map data to pixels. */
export interface PlotLayout {
  width: number;
  height: number;
  /** The plotting area, in pixels: [left, right) × [top, bottom). */
  left: number;
  top: number;
  right: number;
  bottom: number;
  xRange: [number, number];
  yRange: [number, number];
  colors: RGB[];
  /** Data coordinates → continuous pixel coordinates. */
  toPixel(x: number, y: number): [number, number];
}

const INK: RGB = [40, 40, 40], GRID: RGB = [228, 228, 228], AXIS: RGB = [120, 120, 120];
const S = 2; // font scale for titles, labels and legend

/** Render a line plot into an RGBA image (see plotCurves). */
export function renderCurves(opts: CurvesOptions): { image: Image; layout: PlotLayout } {
  const op = "plotCurves";
  if (!opts || !Array.isArray(opts.series) || opts.series.length === 0) throw new Error(`${op}: expected { series: [{ name, x, y }, ...] } with at least one series`);
  opts.series.forEach((s, i) => {
    if (!s || s.x === undefined || s.y === undefined || s.x.length !== s.y.length) {
      throw new Error(`${op}: series ${i} (${s?.name ?? "?"}) needs x and y arrays of equal length; got ${s?.x?.length} and ${s?.y?.length}`);
    }
  });
  const W = opts.width ?? 800, H = opts.height ?? 500;
  const logX = !!opts.logX, logY = !!opts.logY;
  const ok = (v: number, log: boolean) => Number.isFinite(v) && (!log || v > 0);
  const xs: number[] = [], ys: number[] = [];
  for (const s of opts.series) {
    for (let i = 0; i < s.x.length; i++) {
      if (!ok(s.x[i], logX) || !ok(s.y[i], logY)) continue;
      if (opts.xLim && (s.x[i] < opts.xLim[0] || s.x[i] > opts.xLim[1])) continue;
      xs.push(s.x[i]);
      ys.push(s.y[i]);
    }
  }
  if (xs.length === 0) throw new Error(`${op}: no finite${logX || logY ? " positive" : ""} points to plot`);
  const fit = (vals: number[], lim: [number, number] | undefined, log: boolean, pad: number): Ticks => {
    if (lim) {
      const t = log ? logTicks(lim[0], lim[1]) : linearTicks(lim[0], lim[1]);
      return { ...t, lo: lim[0], hi: lim[1], ticks: t.ticks.filter((v) => v >= lim[0] - 1e-12 * Math.abs(lim[0]) && v <= lim[1] * (1 + 1e-12)) };
    }
    let lo = Math.min(...vals), hi = Math.max(...vals);
    if (log) return logTicks(lo, hi);
    const d = (hi - lo) * pad;
    lo -= d; hi += d;
    return linearTicks(lo, hi);
  };
  const xt = fit(xs, opts.xLim, logX, 0), yt = fit(ys, opts.yLim, logY, 0.03);
  const yLabels = yt.ticks.map((v) => formatTick(v, yt.step));
  const left = 16 + (opts.yLabel ? 7 * S + 10 : 0) + Math.max(...yLabels.map((l) => textWidth(l, S))) + 8;
  const top = opts.title ? 14 + 7 * S + 12 : 16;
  const right = W - Math.max(20, textWidth(formatTick(xt.ticks[xt.ticks.length - 1] ?? 0, xt.step), S) / 2 + 8), bottom = H - (16 + 7 * S + 8 + (opts.xLabel ? 7 * S + 10 : 0));
  if (right - left < 20 || bottom - top < 20) throw new Error(`${op}: image ${W}×${H} is too small for the labels`);
  const tx = (v: number) => (logX ? Math.log10(v) : v), ty = (v: number) => (logY ? Math.log10(v) : v);
  const [x0, x1, y0, y1] = [tx(xt.lo), tx(xt.hi), ty(yt.lo), ty(yt.hi)];
  const toPixel = (x: number, y: number): [number, number] => [
    left + ((tx(x) - x0) / (x1 - x0)) * (right - left),
    bottom - ((ty(y) - y0) / (y1 - y0)) * (bottom - top),
  ];
  const c = new Canvas(W, H);
  // Grid and ticks.
  xt.ticks.forEach((v) => {
    const px = Math.round(toPixel(v, yt.lo)[0]);
    c.fillRect(px, top, 1, bottom - top, GRID);
    c.fillRect(px, bottom, 1, 5, AXIS);
    c.text(px, bottom + 8, formatTick(v, xt.step), INK, { scale: S, align: "center" });
  });
  yt.ticks.forEach((v, i) => {
    const py = Math.round(toPixel(xt.lo, v)[1]);
    c.fillRect(left, py, right - left, 1, GRID);
    c.fillRect(left - 5, py, 5, 1, AXIS);
    c.text(left - 8, py, yLabels[i], INK, { scale: S, align: "right", valign: "middle" });
  });
  if (opts.title) c.text(W / 2, 14, opts.title, INK, { scale: S, align: "center" });
  if (opts.xLabel) c.text((left + right) / 2, H - 12, opts.xLabel, INK, { scale: S, align: "center", valign: "bottom" });
  if (opts.yLabel) c.text(14, (top + bottom) / 2, opts.yLabel, INK, { scale: S, vertical: true, valign: "middle" });
  c.strokeRect(left, top, right - left + 1, bottom - top + 1, AXIS);
  // Curves over the frame (a point on the axis stays visible), clipped to the plotting area; a
  // non-finite point breaks the line.
  const colors = opts.series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]);
  c.clip = { x0: left, y0: top, x1: right + 1, y1: bottom + 1 };
  opts.series.forEach((s, si) => {
    const markers = opts.markers ?? s.x.length <= 40;
    let prev: [number, number] | null = null;
    for (let i = 0; i < s.x.length; i++) {
      if (!ok(s.x[i], logX) || !ok(s.y[i], logY)) { prev = null; continue; }
      const p = toPixel(s.x[i], s.y[i]);
      if (prev) c.line(prev[0], prev[1], p[0], p[1], colors[si], 2);
      if (markers) c.disk(p[0], p[1], 3, colors[si]);
      prev = p;
    }
  });
  c.clip = null;
  drawLegend(c, opts.series.map((s) => s.name), colors, right, top);
  const layout: PlotLayout = { width: W, height: H, left, top, right, bottom, xRange: [xt.lo, xt.hi], yRange: [yt.lo, yt.hi], colors, toPixel };
  return { image: c.toImage(), layout };
}

function drawLegend(c: Canvas, names: string[], colors: RGB[], right: number, top: number): void {
  if (names.length === 1 && !names[0]) return;
  const rowH = 7 * S + 8;
  const w = 36 + Math.max(...names.map((n) => textWidth(n, S))) + 12, h = names.length * rowH + 8;
  const x = right - w - 8, y = top + 8;
  c.fillRect(x, y, w, h, [255, 255, 255], 0.85);
  c.strokeRect(x, y, w, h, [200, 200, 200]);
  names.forEach((n, i) => {
    const cy = y + 4 + i * rowH + rowH / 2;
    c.line(x + 8, cy, x + 30, cy, colors[i], 2);
    c.text(x + 36, cy, n, INK, { scale: S, valign: "middle" });
  });
}

/**
 * Plot curves to a PNG file (written atomically) and return the layout.
 *
 * @example
 * io.plotCurves("run/loss.png", { title: "Loss", xLabel: "epoch", yLabel: "loss",
 *   series: [{ name: "train", x: epochs, y: trainLoss }, { name: "val", x: epochs, y: valLoss }] });
 * io.plotCurves("run/lr_find.png", { series: [{ name: "loss", x: lrs, y: losses }], logX: true, xLabel: "learning rate" });
 */
export function plotCurves(path: string, opts: CurvesOptions): PlotLayout {
  const { image, layout } = renderCurves(opts);
  writePng(path, image);
  return layout;
}
