// The safetensors format (Hugging Face), byte-compatible with the reference Rust writer:
//   8 bytes   N, the header length, unsigned 64-bit little-endian
//   N bytes   a UTF-8 JSON object { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: { str: str } },
//             padded with spaces so the data starts 8-byte aligned
//   the rest  raw little-endian row-major tensor data; offsets are relative to its start and
//             must tile it exactly (no gaps, no overlap, nothing left over).
// Like `safetensors.serialize`, tensors are written sorted by dtype alignment (largest first)
// then by name, with "__metadata__" first in the header. This file holds no Node imports, so it
// works in the browser on Uint8Arrays; safetensors_file.ts adds the file system.
//
// Loading converts to Kestrel's three dtypes: F32, F64, I32 load as they are; I64/U64/U32 load
// as int32 with a range check (a value that does not fit is an error naming the tensor); F16 and
// BF16 load as float32 (exact: both are subsets of float32); U8, I8, I16, U16 and BOOL load as
// int32 (BOOL as 0/1). FP8 dtypes are refused with an explanation.

import { Tensor } from "../tensor/tensor.js";
import type { DType, TypedArray } from "../tensor/dtype.js";

/** A dtype name as it appears in a safetensors header. */
export type SafetensorsDType =
  | "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "I16" | "U16" | "F16" | "BF16"
  | "I32" | "U32" | "F32" | "F64" | "I64" | "U64";

/** Element size in bytes, in the Rust enum's order (its derived ordering is the sort key when writing). */
const ITEMSIZE: Record<SafetensorsDType, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};
const RANK: Record<string, number> = Object.fromEntries(Object.keys(ITEMSIZE).map((k, i) => [k, i]));
const TO_SAFETENSORS: Record<DType, SafetensorsDType> = { float32: "F32", float64: "F64", int32: "I32" };

/** The reference reader refuses headers over 100 MB; so do we (a corrupt length would otherwise allocate wildly). */
const MAX_HEADER = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** One tensor's entry in a validated header. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  /** Byte offsets relative to the start of the data section. */
  begin: number;
  end: number;
}

/** A validated header: where the data starts and each tensor's entry, in offset order. */
export interface SafetensorsHeader {
  headerLength: number;
  dataStart: number;
  metadata: Record<string, string> | null;
  entries: SafetensorsEntry[];
}

/** Everything a safetensors file holds, converted to Kestrel tensors. */
export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string> | null;
  /** The dtype each tensor had in the file (e.g. "I64" for a tensor loaded as int32). */
  dtypes: Record<string, SafetensorsDType>;
}

export interface ParseOptions {
  /** Named in error messages (the file path); default "<bytes>". */
  source?: string;
}

const encoder = new TextEncoder();

/** Compare names by their UTF-8 bytes, as Rust's String ordering does. */
function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const x = encoder.encode(a), y = encoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/**
 * Serialize tensors (float32 → F32, float64 → F64, int32 → I32) and optional string metadata
 * into the bytes of a safetensors file, laid out exactly as the reference writer lays them out.
 */
export function serializeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string> | null): Uint8Array {
  const op = "serializeSafetensors";
  if (tensors === null || typeof tensors !== "object" || tensors instanceof Tensor) {
    throw new Error(`${op}: expected an object mapping names to tensors, got ${tensors instanceof Tensor ? "a Tensor" : String(tensors)}`);
  }
  const items = Object.entries(tensors).map(([name, t]) => {
    if (!(t instanceof Tensor)) throw new Error(`${op}: value for "${name}" is not a Tensor (got ${t === null ? "null" : typeof t})`);
    if (name === "__metadata__") throw new Error(`${op}: "__metadata__" is reserved for the header's metadata and cannot name a tensor`);
    return { name, t, dtype: TO_SAFETENSORS[t.dtype] };
  });
  items.sort((a, b) => RANK[b.dtype] - RANK[a.dtype] || compareUtf8(a.name, b.name));
  const parts: string[] = [];
  if (metadata !== undefined && metadata !== null) {
    if (typeof metadata !== "object") throw new Error(`${op}: metadata must be an object of strings, got ${typeof metadata}`);
    const keys = Object.keys(metadata).sort(compareUtf8);
    for (const k of keys) {
      if (typeof metadata[k] !== "string") throw new Error(`${op}: metadata values must be strings (the format allows nothing else); "${k}" is ${typeof metadata[k]}`);
    }
    parts.push(`"__metadata__":{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(",")}}`);
  }
  let offset = 0;
  for (const it of items) {
    const n = it.t.size * ITEMSIZE[it.dtype];
    parts.push(`${JSON.stringify(it.name)}:{"dtype":"${it.dtype}","shape":[${it.t.shape.join(",")}],"data_offsets":[${offset},${offset + n}]}`);
    offset += n;
  }
  const json = encoder.encode(`{${parts.join(",")}}`);
  const padded = json.length + ((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, padded % 4294967296, true);
  view.setUint32(4, Math.floor(padded / 4294967296), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let pos = 8 + padded;
  for (const it of items) {
    const data = it.t.dataRowMajor();
    if (LITTLE_ENDIAN) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    else writeBigEndianHost(view, pos, data);
    pos += data.byteLength;
  }
  return out;
}

function writeBigEndianHost(view: DataView, pos: number, data: TypedArray): void {
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) view.setFloat32(pos + 4 * i, data[i], true);
    else if (data instanceof Float64Array) view.setFloat64(pos + 8 * i, data[i], true);
    else view.setInt32(pos + 4 * i, data[i], true);
  }
}

/**
 * Read and validate the header of safetensors bytes without converting any tensor. Throws an
 * error naming `source` when the length field, the JSON, a dtype, a shape or the offsets are wrong.
 */
export function readSafetensorsHeader(bytes: Uint8Array, opts: ParseOptions = {}): SafetensorsHeader {
  const src = opts.source ?? "<bytes>";
  const fail: (msg: string) => never = (msg) => { throw new Error(`safetensors: ${src}: ${msg}`); };
  if (!(bytes instanceof Uint8Array)) fail(`expected a Uint8Array of file bytes, got ${typeof bytes}`);
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, too short to hold the 8-byte header length (empty or truncated file?)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 4294967296;
  if (n > MAX_HEADER) fail(`header length field says ${n} bytes, over the format's 100 MB limit (not a safetensors file, or corrupt)`);
  if (8 + n > bytes.length) fail(`header length field says ${n} bytes, which goes beyond the end of the file (${bytes.length} bytes; truncated or not a safetensors file)`);
  let text = "";
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail(`header is not valid UTF-8`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message}); it starts ${JSON.stringify(text.slice(0, 40))}`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) fail(`header must be a JSON object, got ${Array.isArray(header) ? "an array" : JSON.stringify(header)}`);
  let metadata: Record<string, string> | null = null;
  const entries: SafetensorsEntry[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (info === null || typeof info !== "object" || Array.isArray(info)) fail(`"__metadata__" must be an object of strings`);
      for (const [k, v] of Object.entries(info as object)) if (typeof v !== "string") fail(`"__metadata__" value "${k}" must be a string, got ${JSON.stringify(v)}`);
      metadata = { ...(info as Record<string, string>) };
      continue;
    }
    entries.push(checkEntry(name, info, fail));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const dataLength = bytes.length - 8 - n;
  let expect = 0;
  for (const e of entries) {
    if (e.begin < expect) fail(`tensor "${e.name}" has data_offsets [${e.begin}, ${e.end}] overlapping the previous tensor, which ends at ${expect}`);
    if (e.begin > expect) fail(`tensor "${e.name}" starts at ${e.begin} but the previous data ends at ${expect}; offsets must tile the data without gaps`);
    if (e.end > dataLength) fail(`tensor "${e.name}" has data_offsets [${e.begin}, ${e.end}] beyond the data section (${dataLength} bytes; truncated file?)`);
    expect = e.end;
  }
  if (expect !== dataLength) fail(`the tensors cover ${expect} bytes of data but the file holds ${dataLength} after the header (truncated, or trailing bytes)`);
  return { headerLength: n, dataStart: 8 + n, metadata, entries };
}

function checkEntry(name: string, info: unknown, fail: (m: string) => never): SafetensorsEntry {
  if (info === null || typeof info !== "object" || Array.isArray(info)) fail(`entry for tensor "${name}" must be an object { dtype, shape, data_offsets }`);
  const { dtype, shape, data_offsets: offs } = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof dtype !== "string" || !(dtype in ITEMSIZE)) {
    fail(`tensor "${name}" has unknown dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(ITEMSIZE).join(", ")}`);
  }
  const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
  if (!Array.isArray(shape) || !shape.every(isCount)) fail(`tensor "${name}" has shape ${JSON.stringify(shape)}; expected an array of non-negative integers`);
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isCount)) fail(`tensor "${name}" has data_offsets ${JSON.stringify(offs)}; expected [begin, end] (non-negative integers)`);
  const [begin, end] = offs as number[];
  if (end < begin) fail(`tensor "${name}" has data_offsets [${begin}, ${end}] with end before begin`);
  const numel = (shape as number[]).reduce((a, b) => a * b, 1);
  const want = numel * ITEMSIZE[dtype as SafetensorsDType];
  if (!Number.isSafeInteger(want)) fail(`tensor "${name}" has shape [${(shape as number[]).join(", ")}] whose byte size overflows`);
  if (end - begin !== want) {
    fail(`tensor "${name}" (${dtype}, shape [${(shape as number[]).join(", ")}]) needs ${numel} × ${ITEMSIZE[dtype as SafetensorsDType]} = ${want} bytes but its data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { name, dtype: dtype as SafetensorsDType, shape: (shape as number[]).slice(), begin, end };
}

/**
 * Parse safetensors bytes into Kestrel tensors plus the header's metadata. Everything is checked
 * before any tensor is returned, so a bad file throws and yields nothing.
 */
export function decodeSafetensors(bytes: Uint8Array, opts: ParseOptions = {}): SafetensorsContents {
  const header = readSafetensorsHeader(bytes, opts);
  const src = opts.source ?? "<bytes>";
  const tensors: Record<string, Tensor> = {};
  const dtypes: Record<string, SafetensorsDType> = {};
  for (const e of header.entries) {
    const a = header.dataStart + e.begin, b = header.dataStart + e.end;
    tensors[e.name] = Tensor.fromData(convert(bytes, a, b, e, src), e.shape);
    dtypes[e.name] = e.dtype;
  }
  return { tensors, metadata: header.metadata, dtypes };
}

/** Parse safetensors bytes into a name → Tensor record (see decodeSafetensors for the metadata too). */
export function parseSafetensors(bytes: Uint8Array, opts: ParseOptions = {}): Record<string, Tensor> {
  return decodeSafetensors(bytes, opts).tensors;
}

/** The elements of one tensor, converted to a Kestrel dtype (see the file comment for the rules). */
function convert(bytes: Uint8Array, a: number, b: number, e: SafetensorsEntry, src: string): TypedArray {
  const n = (b - a) / ITEMSIZE[e.dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset + a, b - a);
  const fast = LITTLE_ENDIAN;
  switch (e.dtype) {
    case "F32": return fast ? new Float32Array(copyBytes(bytes, a, b)) : fill(new Float32Array(n), (i) => view.getFloat32(4 * i, true));
    case "F64": return fast ? new Float64Array(copyBytes(bytes, a, b)) : fill(new Float64Array(n), (i) => view.getFloat64(8 * i, true));
    case "I32": return fast ? new Int32Array(copyBytes(bytes, a, b)) : fill(new Int32Array(n), (i) => view.getInt32(4 * i, true));
    case "F16": return fill(new Float32Array(n), (i) => halfToFloat(view.getUint16(2 * i, true)));
    case "BF16": {
      const bits = new Uint32Array(n);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return new Float32Array(bits.buffer);
    }
    case "U8": return Int32Array.from(bytes.subarray(a, b));
    case "BOOL": return fill(new Int32Array(n), (i) => (bytes[a + i] !== 0 ? 1 : 0));
    case "I8": return fill(new Int32Array(n), (i) => view.getInt8(i));
    case "I16": return fill(new Int32Array(n), (i) => view.getInt16(2 * i, true));
    case "U16": return fill(new Int32Array(n), (i) => view.getUint16(2 * i, true));
    case "U32": return toInt32(n, (i) => view.getUint32(4 * i, true), e, src);
    case "I64": return toInt32(n, (i) => view.getInt32(8 * i + 4, true) * 4294967296 + view.getUint32(8 * i, true), e, src, (i) => view.getBigInt64(8 * i, true));
    case "U64": return toInt32(n, (i) => view.getUint32(8 * i + 4, true) * 4294967296 + view.getUint32(8 * i, true), e, src, (i) => view.getBigUint64(8 * i, true));
    default:
      throw new Error(`safetensors: ${src}: tensor "${e.name}" has dtype ${e.dtype}, which Kestrel cannot load (FP8); convert it to F16, BF16 or F32 before saving`);
  }
}

/** A fresh, aligned ArrayBuffer holding bytes[a, b) (Node's Buffer.slice would share memory instead). */
function copyBytes(bytes: Uint8Array, a: number, b: number): ArrayBuffer {
  const out = new Uint8Array(b - a);
  out.set(bytes.subarray(a, b));
  return out.buffer;
}

function fill<A extends TypedArray>(out: A, f: (i: number) => number): A {
  for (let i = 0; i < out.length; i++) out[i] = f(i);
  return out;
}

/** Integers wider than int32 load as int32 when every value fits; otherwise an error naming the tensor. */
function toInt32(n: number, get: (i: number) => number, e: SafetensorsEntry, src: string, exact?: (i: number) => bigint): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = get(i);
    if (v > 2147483647 || v < -2147483648) {
      const shown = exact ? exact(i).toString() : String(v);
      throw new Error(`safetensors: ${src}: tensor "${e.name}" (${e.dtype}) holds ${shown} at flat index ${i}, which does not fit in int32 (Kestrel's integer dtype); values must lie in [-2147483648, 2147483647]`);
    }
    out[i] = v;
  }
  return out;
}

/** IEEE 754 half → number (exact). */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
