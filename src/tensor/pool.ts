// Storage recycling. The first write to freshly allocated memory costs a page fault per 4 KiB
// on these machines, so buffers of tensors the garbage collector has taken are kept in a
// size-bucketed pool and handed to the next allocation of the same byte length (training
// loops allocate the same shapes every step).
//
// Safety: a buffer goes back to the pool only when the one typed array that was registered for
// it has been collected. Kestrel never hands that array (or another view of its buffer) to
// users: toArray() copies into unpooled memory. A buffer that was transferred to another thread
// is detached (byteLength 0) and is simply dropped.
//
// Finalizers run between tasks, so recycling happens in loops that await (a DataLoader loop
// does). Until its finalizer runs, the registry keeps a dead array's buffer alive: a loop that
// never yields would therefore hold every registered buffer. So at most `maxTrackedBytes` are
// registered at once (live or awaiting their finalizer); beyond that, allocations are plain
// fresh memory that the garbage collector frees as usual. A synchronous loop thus keeps at
// most that much extra memory, and an awaiting loop recycles.

import type { DType, TypedArray } from "./dtype.js";

/** Buffers smaller than this are cheap to allocate and are not pooled. */
const MIN_BYTES = 64 * 1024;

function envNumber(name: string, fallback: number): number {
  const v = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

/** Upper bound on the bytes kept idle in the pool (KESTREL_POOL_MB, default 64; 0 disables pooling). */
let maxPooledBytes = envNumber("KESTREL_POOL_MB", 64) * 1024 * 1024;
const buckets = new Map<number, ArrayBuffer[]>();
/** Insertion order of pooled buffers, to drop the oldest first when over budget. */
const order: ArrayBuffer[] = [];
let pooledBytes = 0;
/** Bytes of registered buffers not yet returned by their finalizer (live, or dead awaiting it). */
let trackedBytes = 0;
/** Cap on trackedBytes: twice the idle budget. */
let maxTrackedBytes = 2 * maxPooledBytes;
const stats = { hits: 0, misses: 0, recycled: 0, dropped: 0, untracked: 0 };

const registry = typeof FinalizationRegistry === "function"
  ? new FinalizationRegistry<{ buf: ArrayBuffer; bytes: number }>((entry) => release(entry))
  : null;

function release(entry: { buf: ArrayBuffer; bytes: number }): void {
  trackedBytes -= entry.bytes;
  const buf = entry.buf;
  const bytes = buf.byteLength;
  if (bytes === 0 || maxPooledBytes === 0) return; // detached (transferred) or pooling off
  let list = buckets.get(bytes);
  if (!list) buckets.set(bytes, (list = []));
  list.push(buf);
  order.push(buf);
  pooledBytes += bytes;
  stats.recycled++;
  while (pooledBytes > maxPooledBytes && order.length) {
    const old = order.shift()!;
    const l = buckets.get(old.byteLength);
    const i = l ? l.indexOf(old) : -1;
    if (i >= 0) {
      l!.splice(i, 1);
      pooledBytes -= old.byteLength;
      stats.dropped++;
    }
  }
}

function take(bytes: number): ArrayBuffer | null {
  const list = buckets.get(bytes);
  if (!list || list.length === 0) return null;
  const buf = list.pop()!;
  const i = order.lastIndexOf(buf);
  if (i >= 0) order.splice(i, 1);
  pooledBytes -= bytes;
  return buf;
}

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4 };

/** A zero-filled typed array, from the pool when a buffer of the exact size is free. */
export function pooledArray(dtype: DType, length: number): TypedArray {
  const bytes = length * BYTES[dtype];
  if (bytes < MIN_BYTES || registry === null || maxPooledBytes === 0 || trackedBytes + bytes > maxTrackedBytes) {
    stats.untracked++;
    return freshArray(dtype, length);
  }
  const buf = take(bytes);
  let arr: TypedArray;
  if (buf) {
    stats.hits++;
    arr = dtype === "float32" ? new Float32Array(buf) : dtype === "float64" ? new Float64Array(buf) : new Int32Array(buf);
    arr.fill(0);
  } else {
    stats.misses++;
    arr = freshArray(dtype, length);
  }
  registry.register(arr, { buf: arr.buffer as ArrayBuffer, bytes });
  trackedBytes += bytes;
  return arr;
}

/** A zero-filled typed array that never comes from or goes back to the pool (for users to keep). */
export function freshArray(dtype: DType, length: number): TypedArray {
  switch (dtype) {
    case "float32": return new Float32Array(length);
    case "float64": return new Float64Array(length);
    case "int32": return new Int32Array(length);
  }
}

/** Pool counters and idle bytes (for benchmarks and the memory tests). */
export function poolStats(): { hits: number; misses: number; recycled: number; dropped: number; untracked: number; pooledBytes: number; trackedBytes: number } {
  return { ...stats, pooledBytes, trackedBytes };
}

/** Change the idle-bytes budget (0 turns pooling off and empties the pool). */
export function setPoolLimit(megabytes: number): void {
  maxPooledBytes = Math.max(0, megabytes) * 1024 * 1024;
  maxTrackedBytes = 2 * maxPooledBytes;
  if (maxPooledBytes === 0) {
    buckets.clear();
    order.length = 0;
    pooledBytes = 0;
  }
}
