// SummaryWriter: TensorBoard event files in pure TypeScript, like torch.utils.tensorboard's.
// Events are queued and appended to `<logDir>/events.out.tfevents.<time>.<host>.<pid>.<n>`;
// the queue is written out when it holds `maxQueue` events, when `flushSecs` have passed since
// the last write, on flush() and on close(). An event file is an append-only log (TensorBoard
// reads it while it grows), so it is appended to rather than renamed into place.

import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { Tensor } from "../../tensor/tensor.js";
import type { Image } from "../../data/image.js";
import { type DataFormats, encodePng, tensorToImage } from "../png.js";
import { encodeRecord } from "./record.js";
import { type Event, type SummaryValue, encodeEvent, histogram } from "./summary.js";

export interface SummaryWriterOptions {
  /** Write queued events at least this often (seconds); default 10 (torch: 120). */
  flushSecs?: number;
  /** Write once this many events are queued; default 10. */
  maxQueue?: number;
  /** Appended to the file name (torch's filename_suffix). */
  filenameSuffix?: string;
}

let fileCounter = 0;

/**
 * Writes scalars, histograms and images that TensorBoard shows (`tensorboard --logdir runs`).
 *
 * @example
 * const w = new io.SummaryWriter("runs/exp1");
 * w.addScalar("loss/train", loss.item(), step);
 * w.addHistogram("fc1.weight", model.fc1.weight, epoch);
 * w.addImage("filters", grid, epoch);   // CHW float in [0, 1]
 * w.close();
 */
export class SummaryWriter {
  readonly logDir: string;
  /** Path of the event file this writer appends to. */
  readonly path: string;
  private fd: number;
  private queue: Uint8Array[] = [];
  private lastWrite = Date.now();
  private readonly flushSecs: number;
  private readonly maxQueue: number;

  constructor(logDir: string, options: SummaryWriterOptions = {}) {
    if (typeof logDir !== "string" || logDir === "") throw new Error(`SummaryWriter: logDir must be a folder path, got ${JSON.stringify(logDir)}`);
    this.logDir = logDir;
    this.flushSecs = options.flushSecs ?? 10;
    this.maxQueue = options.maxQueue ?? 10;
    mkdirSync(logDir, { recursive: true });
    const secs = String(Math.floor(Date.now() / 1000)).padStart(10, "0");
    const host = hostname().replace(/[^A-Za-z0-9._-]/g, "_");
    this.path = join(logDir, `events.out.tfevents.${secs}.${host}.${process.pid}.${fileCounter++}${options.filenameSuffix ?? ""}`);
    this.fd = openSync(this.path, "a");
    // The first record of every event file names the format version.
    this.queue.push(encodeRecord(encodeEvent({ wallTime: Date.now() / 1000, step: 0, fileVersion: "brain.Event:2" })));
    this.flush();
  }

  /** Log one number (a tensor must hold exactly one element). `wallTime` in seconds defaults to now. */
  addScalar(tag: string, value: number | Tensor, step = 0, wallTime?: number): void {
    const v = value instanceof Tensor ? scalarOf(value, tag) : value;
    if (typeof v !== "number") throw new Error(`addScalar: value for "${tag}" must be a number or a one-element tensor, got ${typeof v}`);
    this.addValue({ tag: checkTag(tag, "addScalar"), simpleValue: v }, step, wallTime);
  }

  /** Log several scalars under one main tag, as `<mainTag>/<key>` (torch writes separate runs; one file is simpler to read). */
  addScalars(mainTag: string, values: Record<string, number | Tensor>, step = 0, wallTime?: number): void {
    for (const [k, v] of Object.entries(values)) this.addScalar(`${mainTag}/${k}`, v, step, wallTime);
  }

  /**
   * Log the distribution of a tensor's (or an array's) values. `bins`: "tensorflow" (default,
   * TensorBoard's exponential buckets), a bin count, or explicit edges — as torch's add_histogram.
   */
  addHistogram(tag: string, values: Tensor | ArrayLike<number>, step = 0, options: { bins?: "tensorflow" | number | number[]; wallTime?: number } = {}): void {
    const data = values instanceof Tensor ? values.dataRowMajor() : values;
    let histo;
    try {
      histo = histogram(data, options.bins ?? "tensorflow");
    } catch (e) {
      throw new Error(`${(e as Error).message} (tag "${tag}")`);
    }
    this.addValue({ tag: checkTag(tag, "addHistogram"), histo }, step, options.wallTime);
  }

  /**
   * Log an image: a tensor in [0, 1] (float) or 0..255 (int32), laid out as `dataformats`
   * ("CHW" default, "HWC", "HW"), or an Image. Stored PNG-encoded.
   */
  addImage(tag: string, img: Tensor | Image, step = 0, options: { dataformats?: DataFormats; wallTime?: number } = {}): void {
    const im = tensorToImage(img, options.dataformats ?? "CHW", "addImage");
    const png = encodePng(im);
    this.addValue({ tag: checkTag(tag, "addImage"), image: { height: im.height, width: im.width, colorspace: im.channels, encodedImageString: png } }, step, options.wallTime);
  }

  /** Append a raw Event (for summaries this writer has no helper for). */
  addEvent(event: Event): void {
    this.enqueue(encodeRecord(encodeEvent(event)));
  }

  private addValue(value: SummaryValue, step: number, wallTime?: number): void {
    if (!Number.isSafeInteger(step)) throw new Error(`SummaryWriter: step must be an integer, got ${step} (tag "${value.tag}")`);
    this.addEvent({ wallTime: wallTime ?? Date.now() / 1000, step, summary: { value: [value] } });
  }

  private enqueue(record: Uint8Array): void {
    if (this.fd < 0) throw new Error(`SummaryWriter: writer for ${this.logDir} is closed`);
    this.queue.push(record);
    if (this.queue.length >= this.maxQueue || Date.now() - this.lastWrite >= this.flushSecs * 1000) this.flush();
  }

  /** Write every queued event to the file now. */
  flush(): void {
    if (this.fd < 0 || this.queue.length === 0) return;
    const total = this.queue.reduce((a, r) => a + r.length, 0);
    const buf = new Uint8Array(total);
    let o = 0;
    for (const r of this.queue) { buf.set(r, o); o += r.length; }
    this.queue = [];
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    this.lastWrite = Date.now();
  }

  /** Flush, fsync and close the file. Further add* calls throw. */
  close(): void {
    if (this.fd < 0) return;
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }
}

function checkTag(tag: string, op: string): string {
  if (typeof tag !== "string" || tag === "") throw new Error(`${op}: tag must be a non-empty string, got ${JSON.stringify(tag)}`);
  return tag;
}

function scalarOf(t: Tensor, tag: string): number {
  if (t.size !== 1) throw new Error(`addScalar: tensor for "${tag}" has shape [${t.shape.join(", ")}]; a scalar needs exactly one element (use .mean() or .item())`);
  return t.dataRowMajor()[0];
}
