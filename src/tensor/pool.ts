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

function envNumber(name: string, fallback: number): number {
  const v = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
  const n = v === undefined || v.trim() === "" ? NaN : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

/** Buffers smaller than this are cheap to allocate and are not pooled (KESTREL_POOL_MIN_BYTES, for tests). */
const MIN_BYTES = envNumber("KESTREL_POOL_MIN_BYTES", 64 * 1024);
/**
 * KESTREL_POOL_POISON=1 fills recycled buffers handed out uninitialised with NaN, so a kernel
 * that reads its output before writing all of it fails the tests instead of reading stale data.
 */
const POISON = envNumber("KESTREL_POOL_POISON", 0) === 1;

/**
 * KESTREL_POOL_MB=auto lets the idle budget grow with what the program recycles: a training
 * step that allocates 700 MB of activations and gradients needs about that much idle to reuse
 * next step (as PyTorch's caching allocator keeps its peak). It is then 1.5× the largest batch
 * of buffers that came back from the garbage collector at once (one cleanup task), at least
 * 64 MiB and at most KESTREL_POOL_MAX_MB (default 1024). Not the default: reused buffers add
 * no external memory, so V8 collects less often, batches grow and the budget with them; RSS
 * then climbs towards the cap over thousands of steps (measured: the reference CNN 701 → 1,088
 * MB from step 200 to 2,000) for ~10% on ResNet-20 training.
 */
const GROWTH_CAP = envNumber("KESTREL_POOL_MAX_MB", 1024) * 1024 * 1024;
const poolEnv = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.KESTREL_POOL_MB;
let adaptive = poolEnv?.trim().toLowerCase() === "auto";
/** Upper bound on the bytes kept idle in the pool (KESTREL_POOL_MB, default 64; 0 disables pooling). */
let maxPooledBytes = (adaptive ? 64 : envNumber("KESTREL_POOL_MB", 64)) * 1024 * 1024;
/** Bytes returned by finalizers in the current batch (one cleanup task), and whether one is open. */
let batchBytes = 0;
let batchOpen = false;
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

function closeBatch(): void {
  batchOpen = false;
  if (adaptive && 1.5 * batchBytes > maxPooledBytes) {
    maxPooledBytes = Math.min(GROWTH_CAP, 1.5 * batchBytes);
    maxTrackedBytes = 2 * maxPooledBytes;
  }
  batchBytes = 0;
}

function release(entry: { buf: ArrayBuffer; bytes: number }): void {
  trackedBytes -= entry.bytes;
  batchBytes += entry.bytes;
  // Finalizer callbacks of one cleanup task run back to back; a microtask runs after them.
  if (!batchOpen) { batchOpen = true; queueMicrotask(closeBatch); }
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

/**
 * A typed array, from the pool when a buffer of the exact size is free. Zero-filled unless
 * `zero` is false: then a recycled buffer keeps stale values, for kernels that write every
 * element of their output (skips a memset of the whole buffer).
 */
export function pooledArray(dtype: DType, length: number, zero = true): TypedArray {
  const bytes = length * BYTES[dtype];
  if (bytes < MIN_BYTES || registry === null || maxPooledBytes === 0 || trackedBytes + bytes > maxTrackedBytes) {
    stats.untracked++;
    return zero || bytes < MIN_BYTES ? freshArray(dtype, length) : uninitArray(dtype, length);
  }
  const buf = take(bytes);
  let arr: TypedArray;
  if (buf) {
    stats.hits++;
    arr = dtype === "float32" ? new Float32Array(buf) : dtype === "float64" ? new Float64Array(buf) : new Int32Array(buf);
    if (zero) arr.fill(0);
    else if (POISON && dtype !== "int32") arr.fill(NaN);
  } else {
    stats.misses++;
    arr = zero ? freshArray(dtype, length) : uninitArray(dtype, length);
  }
  registry.register(arr, { buf: arr.buffer as ArrayBuffer, bytes });
  trackedBytes += bytes;
  return arr;
}

type UnsafeAlloc = (bytes: number) => { buffer: ArrayBuffer; byteOffset: number };
/** Node's Buffer.allocUnsafeSlow: a new ArrayBuffer that is not zero-filled (absent in browsers). */
const allocUnsafeSlow = (globalThis as { Buffer?: { allocUnsafeSlow?: UnsafeAlloc } }).Buffer?.allocUnsafeSlow;

/**
 * A new array whose contents are whatever the allocator had there, for outputs a kernel writes
 * in full: skips the zero-fill that `new Float32Array(n)` does (a memset of reused heap
 * memory, ~0.5 ms per 8 MiB here). Browsers (no Buffer) get a zeroed array.
 */
function uninitArray(dtype: DType, length: number): TypedArray {
  if (!allocUnsafeSlow) return freshArray(dtype, length);
  const b = allocUnsafeSlow(length * BYTES[dtype]);
  if (b.byteOffset !== 0) return freshArray(dtype, length);
  const arr = dtype === "float32" ? new Float32Array(b.buffer, 0, length) : dtype === "float64" ? new Float64Array(b.buffer, 0, length) : new Int32Array(b.buffer, 0, length);
  if (POISON && dtype !== "int32") arr.fill(NaN);
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
export function poolStats(): { hits: number; misses: number; recycled: number; dropped: number; untracked: number; pooledBytes: number; trackedBytes: number; limitBytes: number } {
  return { ...stats, pooledBytes, trackedBytes, limitBytes: maxPooledBytes };
}

/** Change the idle-bytes budget (0 turns pooling off and empties the pool). */
export function setPoolLimit(megabytes: number): void {
  adaptive = false;
  maxPooledBytes = Math.max(0, megabytes) * 1024 * 1024;
  maxTrackedBytes = 2 * maxPooledBytes;
  if (maxPooledBytes === 0) {
    buckets.clear();
    order.length = 0;
    pooledBytes = 0;
  }
}
