// Storage recycling. The first write to freshly allocated memory costs a page fault per 4 KiB
// on these machines, so buffers of tensors the garbage collector has taken are kept in a
// size-bucketed pool and handed to the next allocation of the same byte length (training
// loops allocate the same shapes every step).
//
// Safety: a buffer goes back to the pool only when the one typed array that was registered for
// it has been collected. Kestrel never hands that array (or another view of its buffer) to
// users: toArray() copies into unpooled memory. A buffer that was transferred to another thread
// is detached (byteLength 0) and is simply dropped. The one exception is recycleNow(), which
// the backward engine calls for gradient storage that it allocated and that nothing else holds.
//
// Finalizers run between tasks, so recycling happens in loops that await (a DataLoader loop
// does). Until its finalizer runs, the registry keeps a dead array's buffer alive: a loop that
// never yields would therefore hold every registered buffer. So at most `maxTrackedBytes` are
// registered at once (live or awaiting their finalizer); beyond that, allocations are plain
// fresh memory that the garbage collector frees as usual. A synchronous loop thus keeps at
// most that much extra memory, and an awaiting loop recycles.

import type { DType, TypedArray } from "./dtype.js";

/** An environment variable, trimmed ("" when unset or where there is no process, e.g. browsers). */
function envString(name: string): string {
  return ((globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name] ?? "").trim();
}

function envNumber(name: string, fallback: number): number {
  const v = envString(name);
  const n = v === "" ? NaN : Number(v);
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
 * The idle budget. By default (KESTREL_POOL_MB unset or "auto") it follows the program: it
 * becomes 1.25× the poolable bytes one iteration allocates (the activations the collector
 * hands back for the next iteration to reuse), at least 64 MiB and at most
 * KESTREL_POOL_MAX_MB (default 1024). A training iteration is what is allocated outside
 * backward between two backward passes (its forward); an inference iteration is one outermost
 * noGrad() scope, counted twice (without a backward pass to mark the step, its tensors wait
 * for the collector while the next scope allocates: measured on ResNet-20 b64 inference,
 * 1.25× missed a third of the time, 2.5× runs 41–43 ms vs 47–50 at 64 MiB). It only grows,
 * and it depends on the model and batch, not on when the collector runs, so RSS stays flat. Gradients need no budget: the engine recycles them
 * itself. PyTorch's caching allocator likewise keeps a step's peak. A number fixes the budget
 * in MiB (0 turns pooling off).
 */
const BASE_BYTES = 64 * 1024 * 1024;
const GROWTH_CAP = envNumber("KESTREL_POOL_MAX_MB", 1024) * 1024 * 1024;
const poolEnv = envString("KESTREL_POOL_MB").toLowerCase();
let adaptive = poolEnv === "" || poolEnv === "auto";
/** Upper bound on the bytes kept idle in the pool. */
let maxPooledBytes = adaptive ? BASE_BYTES : envNumber("KESTREL_POOL_MB", 64) * 1024 * 1024;
/** Poolable bytes handed out outside backward passes, in all; and that count when the last one began. */
let outsideBytes = 0;
let atLastBackward = 0;
const buckets = new Map<number, ArrayBuffer[]>();
/** Insertion order of pooled buffers, to drop the oldest first when over budget. */
const order: ArrayBuffer[] = [];
let pooledBytes = 0;
/** Bytes of registered buffers not yet returned by their finalizer (live, or dead awaiting it). */
let trackedBytes = 0;
/** Cap on trackedBytes: twice the idle budget. */
let maxTrackedBytes = 2 * maxPooledBytes;
const stats = { hits: 0, misses: 0, recycled: 0, dropped: 0, untracked: 0, released: 0 };
/** While open, every poolable array handed out is added here (the backward engine's log). */
let allocLog: Set<TypedArray> | null = null;

const registry = typeof FinalizationRegistry === "function"
  ? new FinalizationRegistry<{ buf: ArrayBuffer; bytes: number }>((entry) => release(entry))
  : null;

/** Grow the adaptive budget to 1.25× an iteration that allocated `bytes`. */
function sizeFor(bytes: number): void {
  if (adaptive && 1.25 * bytes > maxPooledBytes) {
    maxPooledBytes = Math.min(Math.max(GROWTH_CAP, BASE_BYTES), Math.floor(1.25 * bytes));
    maxTrackedBytes = 2 * maxPooledBytes;
  }
}

/** A backward pass begins: size the budget by what the forward before it allocated. */
export function noteBackward(): void {
  sizeFor(outsideBytes - atLastBackward);
  atLastBackward = outsideBytes;
}

/** Poolable bytes allocated outside backward passes so far (the start of an inference scope). */
export function bytesMark(): number {
  return outsideBytes;
}

/** An outermost noGrad() scope that began at `mark` ended: size the budget by twice what it allocated. */
export function noteInferenceScope(mark: number): void {
  sizeFor(2 * (outsideBytes - mark));
}

function release(entry: { buf: ArrayBuffer; bytes: number }): void {
  trackedBytes -= entry.bytes;
  if (keep(entry.buf)) stats.recycled++;
}

/** Put an idle buffer in its bucket, dropping the oldest idle ones when over budget. */
function keep(buf: ArrayBuffer): boolean {
  const bytes = buf.byteLength;
  if (bytes === 0 || maxPooledBytes === 0) return false; // detached (transferred) or pooling off
  let list = buckets.get(bytes);
  if (!list) buckets.set(bytes, (list = []));
  list.push(buf);
  order.push(buf);
  pooledBytes += bytes;
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
  return true;
}

/**
 * Hand `arr`'s buffer back to the pool now instead of when the collector takes `arr`. Only for
 * arrays no one can read again: the backward engine calls it for gradient storage it
 * allocated and alone holds. Arrays that are views into a larger buffer are left alone.
 */
export function recycleNow(arr: TypedArray): void {
  const buf = arr.buffer as ArrayBuffer;
  if (arr.byteOffset !== 0 || arr.byteLength !== buf.byteLength || buf.byteLength < MIN_BYTES) return;
  if (registry?.unregister(arr)) trackedBytes -= buf.byteLength;
  if (keep(buf)) stats.released++;
}

/**
 * Start logging the poolable arrays handed out (returns the log that was open, to restore with
 * endAllocLog). Lets the backward engine tell storage it allocated from storage others hold.
 */
export function beginAllocLog(): { log: Set<TypedArray>; outer: Set<TypedArray> | null } {
  const outer = allocLog;
  allocLog = new Set();
  return { log: allocLog, outer };
}

export function endAllocLog(handle: { outer: Set<TypedArray> | null }): void {
  allocLog = handle.outer;
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
  if (bytes < MIN_BYTES || registry === null || maxPooledBytes === 0) {
    stats.untracked++;
    return zero || bytes < MIN_BYTES ? freshArray(dtype, length) : uninitArray(dtype, length);
  }
  if (allocLog === null) outsideBytes += bytes;
  // A pooled buffer is held already, so reusing it never adds memory: only fresh buffers
  // count against the cap on registered bytes.
  const buf = take(bytes);
  let arr: TypedArray;
  if (buf) {
    stats.hits++;
    arr = arrayOver(dtype, buf, length);
    if (zero) arr.fill(0);
    else if (POISON && dtype !== "int32") arr.fill(NaN);
  } else if (trackedBytes + bytes > maxTrackedBytes) {
    stats.untracked++;
    arr = zero ? freshArray(dtype, length) : uninitArray(dtype, length);
    allocLog?.add(arr);
    return arr;
  } else {
    stats.misses++;
    arr = zero ? freshArray(dtype, length) : uninitArray(dtype, length);
  }
  registry.register(arr, { buf: arr.buffer as ArrayBuffer, bytes }, arr);
  trackedBytes += bytes;
  allocLog?.add(arr);
  return arr;
}

/** A typed array of `dtype` over the first `length` elements of `buf`. */
function arrayOver(dtype: DType, buf: ArrayBuffer, length: number): TypedArray {
  return dtype === "float32" ? new Float32Array(buf, 0, length) : dtype === "float64" ? new Float64Array(buf, 0, length) : new Int32Array(buf, 0, length);
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
  const arr = arrayOver(dtype, b.buffer, length);
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

/** Pool counters (recycled: by the collector; released: by recycleNow) and idle bytes (for benchmarks and the memory tests). */
export function poolStats(): { hits: number; misses: number; recycled: number; dropped: number; untracked: number; released: number; pooledBytes: number; trackedBytes: number; limitBytes: number } {
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
