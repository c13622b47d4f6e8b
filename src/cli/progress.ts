// The training display: on a terminal a progress bar per epoch redrawn in place (loss, accuracy,
// images/s, ETA) followed by a one-line epoch summary; elsewhere (CI, a file, a pipe) plain
// lines every 10% of an epoch, so logs stay readable and small.

import type { train } from "../index.js";

type ProgressEvent = train.ProgressEvent;

export interface DisplayIO {
  log: (s: string) => void;
  /** Writes without a newline (terminal only). */
  write?: (s: string) => void;
  isTTY?: boolean;
  /** Terminal width in columns. */
  columns?: number;
}

/** Seconds as m:ss (or h:mm:ss). */
export function fmtDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return "?";
  const t = Math.round(s), h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}` : `${m}:${String(sec).padStart(2, "0")}`;
}

export const pct = (v: number | undefined, digits = 1): string => (v === undefined || !Number.isFinite(v) ? "-" : `${(v * 100).toFixed(digits)}%`);
export const num = (v: number | undefined, digits = 4): string => (v === undefined || !Number.isFinite(v) ? "-" : v.toFixed(digits));
export const sci = (v: number): string => (v === 0 ? "0" : Math.abs(v) >= 0.01 && Math.abs(v) < 1000 ? String(Number(v.toPrecision(3))) : v.toExponential(2).replace(/\.?0+e/, "e").replace("e+", "e"));

/** The one-line summary printed after each epoch. */
export function epochLine(e: Extract<ProgressEvent, { type: "epochEnd" }>, imagesPerSecond: number, lastLr?: number): string {
  const l = e.logs;
  const parts = [`epoch ${e.epoch + 1}/${e.epochs}`, `loss ${num(l.loss)}`, `acc ${pct(l.accuracy)}`];
  if ("val_loss" in l) parts.push(`val_loss ${num(l.val_loss)}`, `val_acc ${pct(l.val_accuracy)}`);
  parts.push(`lr ${sci(lastLr ?? l.lr)}`, `${e.seconds.toFixed(1)}s`);
  if (imagesPerSecond > 0) parts.push(`${Math.round(imagesPerSecond)} img/s`);
  return parts.join("  ");
}

/**
 * A ProgressCallback handler drawing the training display. `every` is the fraction of an epoch
 * between plain lines (default 0.1).
 */
export function progressHandler(io: DisplayIO, opts: { every?: number } = {}): (e: ProgressEvent) => void {
  const tty = Boolean(io.isTTY && io.write);
  const every = opts.every ?? 0.1;
  let lastDraw = 0, nextMark = every, rate = 0, drawn = false, epochs = 0, lr: number | undefined;
  const clear = (): void => { if (drawn) { io.write!("\r\x1b[2K"); drawn = false; } };
  return (e) => {
    switch (e.type) {
      case "epochBegin":
        lastDraw = 0; nextMark = every; rate = 0; epochs = e.epochs; lr = undefined;
        break;
      case "batch": {
        rate = e.imagesPerSecond;
        lr = e.lr;
        const done = e.batch + 1, total = e.batches;
        const frac = total ? done / total : NaN;
        const stats = `loss ${num(e.running.loss)}  acc ${pct(e.running.accuracy)}  ${Math.round(e.imagesPerSecond)} img/s  ETA ${e.etaSeconds === null ? "?" : fmtDuration(e.etaSeconds)}`;
        if (tty) {
          const now = performance.now();
          if (now - lastDraw < 100 && done !== total) return; // ≤ 10 redraws a second
          lastDraw = now;
          const width = Math.max(10, Math.min(30, (io.columns ?? 100) - 80));
          const fill = Number.isFinite(frac) ? Math.round(frac * width) : 0;
          const bar = "█".repeat(fill) + "░".repeat(width - fill);
          io.write!(`\r\x1b[2Kepoch ${e.epoch + 1}/${epochs} ${bar} ${total ? `${done}/${total}` : done}  ${stats}`);
          drawn = true;
        } else if (Number.isFinite(frac) && frac + 1e-9 >= nextMark && done !== total) {
          while (nextMark <= frac + 1e-9) nextMark += every;
          io.log(`epoch ${e.epoch + 1}  ${String(Math.round(frac * 100)).padStart(3)}%  (${done}/${total})  ${stats}`);
        }
        break;
      }
      case "evalBegin":
        if (tty && drawn) io.write!("  validating…");
        break;
      case "epochEnd": {
        clear();
        io.log(epochLine(e, rate, lr));
        break;
      }
      case "trainEnd":
        clear();
        if (e.stopped && e.stopReason) io.log(`stopped: ${e.stopReason}`);
        break;
    }
  };
}
