// TensorBoard's messages (tensorflow/core/util/event.proto, framework/summary.proto), encoded
// and decoded by hand with the field numbers below, plus the histogram that
// torch.utils.tensorboard's add_histogram computes.
//
//   Event          { wall_time = 1 (double), step = 2 (int64), file_version = 3 (string), summary = 5 (Summary) }
//   Summary        { value = 1 (repeated Value) }
//   Value          { tag = 1 (string), simple_value = 2 (float), image = 4 (Image), histo = 5 (HistogramProto) }
//   Image          { height = 1, width = 2, colorspace = 3 (int32), encoded_image_string = 4 (bytes) }
//   HistogramProto { min = 1, max = 2, num = 3, sum = 4, sum_squares = 5 (double),
//                    bucket_limit = 6, bucket = 7 (packed repeated double) }
// Proto3 rules: plain fields at their default (0) are left out, oneof members never are.

import { ProtoWriter, asDouble, asFloat, asPackedDoubles, readFields } from "./proto.js";

export interface HistogramProto {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  /** Right edge of each bucket. */
  bucketLimit: number[];
  /** Count in each bucket. */
  bucket: number[];
}

export interface ImageProto {
  height: number;
  width: number;
  /** 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
  colorspace: number;
  /** PNG bytes. */
  encodedImageString: Uint8Array;
}

export interface SummaryValue {
  tag: string;
  simpleValue?: number;
  image?: ImageProto;
  histo?: HistogramProto;
}

export interface Event {
  wallTime: number;
  step: number;
  fileVersion?: string;
  summary?: { value: SummaryValue[] };
}

function encodeHisto(h: HistogramProto): Uint8Array {
  const w = new ProtoWriter();
  if (h.min) w.double(1, h.min);
  if (h.max) w.double(2, h.max);
  if (h.num) w.double(3, h.num);
  if (h.sum) w.double(4, h.sum);
  if (h.sumSquares) w.double(5, h.sumSquares);
  if (h.bucketLimit.length) w.packedDoubles(6, h.bucketLimit);
  if (h.bucket.length) w.packedDoubles(7, h.bucket);
  return w.finish();
}

function encodeImage(im: ImageProto): Uint8Array {
  const w = new ProtoWriter();
  if (im.height) w.int(1, im.height);
  if (im.width) w.int(2, im.width);
  if (im.colorspace) w.int(3, im.colorspace);
  if (im.encodedImageString.length) w.bytes(4, im.encodedImageString);
  return w.finish();
}

function encodeValue(v: SummaryValue): Uint8Array {
  const w = new ProtoWriter();
  if (v.tag) w.string(1, v.tag);
  if (v.simpleValue !== undefined) w.float(2, v.simpleValue);
  if (v.image) w.bytes(4, encodeImage(v.image));
  if (v.histo) w.bytes(5, encodeHisto(v.histo));
  return w.finish();
}

/** Serialize an Event message. */
export function encodeEvent(e: Event): Uint8Array {
  const w = new ProtoWriter();
  if (e.wallTime) w.double(1, e.wallTime);
  if (e.step) w.int(2, e.step);
  if (e.fileVersion !== undefined) w.string(3, e.fileVersion);
  if (e.summary) {
    const s = new ProtoWriter();
    for (const v of e.summary.value) s.bytes(1, encodeValue(v));
    w.bytes(5, s.finish());
  }
  return w.finish();
}

const text = new TextDecoder();

/** Parse an Event message (unknown fields, e.g. graph_def, are skipped). */
export function decodeEvent(b: Uint8Array): Event {
  const e: Event = { wallTime: 0, step: 0 };
  for (const f of readFields(b, "Event")) {
    if (f.field === 1 && f.wire === 1) e.wallTime = asDouble(f.value);
    else if (f.field === 2 && f.wire === 0) e.step = Number(f.value);
    else if (f.field === 3 && f.wire === 2) e.fileVersion = text.decode(f.value as Uint8Array);
    else if (f.field === 5 && f.wire === 2) {
      const value: SummaryValue[] = [];
      for (const s of readFields(f.value as Uint8Array, "Summary")) if (s.field === 1 && s.wire === 2) value.push(decodeValue(s.value as Uint8Array));
      e.summary = { value };
    }
  }
  return e;
}

function decodeValue(b: Uint8Array): SummaryValue {
  const v: SummaryValue = { tag: "" };
  for (const f of readFields(b, "Summary.Value")) {
    if (f.field === 1 && f.wire === 2) v.tag = text.decode(f.value as Uint8Array);
    else if (f.field === 2 && f.wire === 5) v.simpleValue = asFloat(f.value);
    else if (f.field === 4 && f.wire === 2) {
      const im: ImageProto = { height: 0, width: 0, colorspace: 0, encodedImageString: new Uint8Array(0) };
      for (const g of readFields(f.value as Uint8Array, "Summary.Image")) {
        if (g.field === 1) im.height = Number(g.value);
        else if (g.field === 2) im.width = Number(g.value);
        else if (g.field === 3) im.colorspace = Number(g.value);
        else if (g.field === 4) im.encodedImageString = (g.value as Uint8Array).slice();
      }
      v.image = im;
    } else if (f.field === 5 && f.wire === 2) {
      const h: HistogramProto = { min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, bucketLimit: [], bucket: [] };
      for (const g of readFields(f.value as Uint8Array, "HistogramProto")) {
        if (g.field >= 1 && g.field <= 5 && g.wire === 1) {
          const key = (["min", "max", "num", "sum", "sumSquares"] as const)[g.field - 1];
          h[key] = asDouble(g.value);
        } else if (g.field === 6) h.bucketLimit.push(...(g.wire === 2 ? asPackedDoubles(g.value) : [asDouble(g.value)]));
        else if (g.field === 7) h.bucket.push(...(g.wire === 2 ? asPackedDoubles(g.value) : [asDouble(g.value)]));
      }
      v.histo = h;
    }
  }
  return v;
}

let defaultEdges: number[] | null = null;

/** TensorFlow's default histogram edges: ±1e-12 · 1.1^k up to 1e20, and 0 (as torch.utils.tensorboard's "tensorflow" bins). */
export function defaultBucketEdges(): number[] {
  if (defaultEdges) return defaultEdges;
  const pos: number[] = [];
  for (let v = 1e-12; v < 1e20; v *= 1.1) pos.push(v);
  defaultEdges = [...pos.map((v) => -v).reverse(), 0, ...pos];
  return defaultEdges;
}

/**
 * The HistogramProto torch.utils.tensorboard writes for `values`: numpy.histogram over `bins`
 * ("tensorflow" = the default exponential edges, a bin count = uniform edges from min to max, or
 * explicit edges), trimmed to the buckets from one before the first non-empty to the last
 * non-empty, with bucket_limit holding each bucket's right edge. Non-finite values are an error.
 */
export function histogram(values: ArrayLike<number>, bins: "tensorflow" | number | readonly number[] = "tensorflow"): HistogramProto {
  const n = values.length;
  if (n === 0) throw new Error("addHistogram: the input has no element");
  let min = Infinity, max = -Infinity, sum = 0, sumSquares = 0, bad = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) { bad++; continue; }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSquares += v * v;
  }
  if (bad) throw new Error(`addHistogram: ${bad} of ${n} values are NaN or infinite; the weights or gradients have diverged (lower the learning rate, check the loss)`);
  let edges: readonly number[];
  if (bins === "tensorflow") edges = defaultBucketEdges();
  else if (typeof bins === "number") {
    if (!Number.isInteger(bins) || bins < 1) throw new Error(`addHistogram: bins must be a positive integer, "tensorflow" or an array of edges; got ${bins}`);
    let lo = min, hi = max;
    if (lo === hi) { lo -= 0.5; hi += 0.5; }
    const step = (hi - lo) / bins;
    edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * step));
  } else {
    edges = bins;
    if (edges.length < 2 || edges.some((e, i) => i > 0 && !(e >= edges[i - 1]))) throw new Error(`addHistogram: bin edges must be an increasing array of at least 2 numbers`);
  }
  const nb = edges.length - 1;
  const counts = new Float64Array(nb);
  const last = edges[nb];
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v < edges[0] || v > last) continue;
    if (v === last) { counts[nb - 1]++; continue; }
    let lo = 0, hi = nb; // find the bucket k with edges[k] <= v < edges[k + 1]
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (edges[mid] <= v) lo = mid; else hi = mid;
    }
    counts[lo]++;
  }
  let start = -1, end = -1;
  for (let k = 0; k < nb; k++) if (counts[k] > 0) { if (start < 0) start = k; end = k; }
  if (start < 0) throw new Error(`addHistogram: every value lies outside the bucket edges [${edges[0]}, ${last}]; the histogram would be empty`);
  const bucket = start > 0 ? Array.from(counts.subarray(start - 1, end + 1)) : [0, ...counts.subarray(0, end + 1)];
  const bucketLimit = edges.slice(start, end + 2);
  return { min, max, num: n, sum, sumSquares, bucketLimit, bucket };
}
