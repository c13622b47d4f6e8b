// The WebAssembly runtime under the wasm backend: picks a build (relaxed SIMD if the engine
// validates it, else plain SIMD), compiles it synchronously from the embedded bytes, and
// owns the ONE shared linear memory that every thread's instance imports.
//
// Memory layout (bytes):  [CTL_BYTE, +128)  job control block (see assembly/kernels.ts)
//                         [SCRATCH_BASE, …)  per-thread GEMM packing scratch, `stride` apart
//                         [arenaBase, …)     the arena: kernel inputs/outputs, reused every call
// The arena is a bump allocator reset at the start of each kernel call; memory grows when a
// call needs more and never shrinks, so steady-state training allocates nothing here.

import { RELAXED_WASM, SIMD_WASM } from "./generated/kernels.js";

/** The slice of the WebAssembly JS API used here (the project's TS lib has no DOM/wasm types). */
export interface WasmMemory { readonly buffer: ArrayBufferLike; grow(pages: number): number }
export type WasmModule = object;
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}

/** What the kernels module exports (addresses are byte offsets into the shared memory). */
export interface KernelExports {
  SCRATCH_BYTES: { value: number };
  MC: { value: number }; NC: { value: number };
  runJob(ctl: number, tid: number): number;
  im2col(C: number, H: number, W: number, kH: number, kW: number, sH: number, sW: number, pH: number, pW: number,
    dH: number, dW: number, outH: number, outW: number, x: number, col: number, ld: number): void;
  col2im(C: number, H: number, W: number, kH: number, kW: number, sH: number, sW: number, pH: number, pW: number,
    dH: number, dW: number, outH: number, outW: number, col: number, x: number, ld: number): void;
}

const PAGE = 65536;
/** Must match --maximumMemory in scripts/build-wasm.mjs (2 GiB). */
export const MAX_PAGES = 32768;
export const CTL_BYTE = 64;
export const SCRATCH_BASE = PAGE;

const WA = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

function decode(b64: string): Uint8Array {
  const B = (globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array } }).Buffer;
  if (B) return new Uint8Array(B.from(b64, "base64"));
  const s = (globalThis as unknown as { atob(s: string): string }).atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * Node 20's V8 implements relaxed SIMD (fused multiply-add: ~46 vs ~36 GFLOP/s SGEMM on one
 * thread here) but ships it behind --experimental-wasm-relaxed-simd; Node 22+ and current
 * browsers have it on. On Node, turn the flag on before compiling (a wasm-validation-only flag);
 * KESTREL_WASM_RELAXED=0 opts out. Returns whether the flag could be set.
 */
function enableRelaxedSimd(): boolean {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined>; versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
  if (!proc?.versions?.node || proc.env?.KESTREL_WASM_RELAXED === "0") return false;
  const v8 = proc.getBuiltinModule?.("node:v8") as { setFlagsFromString(flags: string): void } | undefined;
  if (!v8) return false;
  try {
    v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
    return true;
  } catch {
    return false;
  }
}

export interface Runtime {
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  readonly exports: KernelExports;
  readonly relaxed: boolean;
  /** Threads (calling thread + workers) the scratch area is laid out for. */
  readonly threads: number;
  readonly scratchStride: number;
  readonly arenaBase: number;
  /** Views over the whole memory; refreshed after every grow. */
  f32: Float32Array;
  i32: Int32Array;
}

/** Compile and instantiate the kernels; throws with a reason when this engine cannot run them. */
export function createRuntime(threads: number): Runtime {
  if (!WA) throw new Error("WebAssembly is not available");
  const simd = decode(SIMD_WASM);
  if (!WA.validate(simd)) throw new Error("this engine lacks WebAssembly SIMD or threads (the kernels did not validate)");
  if (typeof SharedArrayBuffer === "undefined") throw new Error("SharedArrayBuffer is unavailable (browsers need cross-origin isolation)");
  const relaxedBytes = decode(RELAXED_WASM);
  let relaxed = WA.validate(relaxedBytes);
  if (!relaxed) relaxed = enableRelaxedSimd() && WA.validate(relaxedBytes);
  const module = new WA.Module(relaxed ? relaxedBytes : simd);
  const memory = new WA.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  const inst = new WA.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
  // Keep each thread's scratch on its own pages (no false sharing), the arena page-aligned.
  const scratchStride = Math.ceil(inst.SCRATCH_BYTES.value / 4096) * 4096;
  const arenaBase = Math.ceil((SCRATCH_BASE + threads * scratchStride) / PAGE) * PAGE;
  memory.grow(arenaBase / PAGE + 16 - 1);
  return {
    module, memory, exports: inst, relaxed, threads, scratchStride, arenaBase,
    f32: new Float32Array(memory.buffer), i32: new Int32Array(memory.buffer),
  };
}

let top = 0;
let rt: Runtime;

/** Bind the arena to a runtime (called once by the loader). */
export function bindArena(r: Runtime): void {
  rt = r;
  top = r.arenaBase;
}

/** Start a kernel call: everything allocated by the previous call is free again. */
export function arenaReset(): void {
  top = rt.arenaBase;
}

/**
 * Reserve `floats` 4-byte slots (64-byte aligned) and return the byte address, or -1 when
 * the memory cannot grow that far (the caller then falls back to the reference kernel).
 */
export function arenaAlloc(floats: number): number {
  const p = top;
  const end = p + Math.ceil((floats * 4) / 64) * 64;
  const have = rt.memory.buffer.byteLength;
  if (end > have) {
    const need = Math.ceil((end - have) / PAGE);
    // Grow generously (×1.5) so a slowly growing workload does not grow every call.
    const pages = Math.min(MAX_PAGES - have / PAGE, Math.max(need, Math.ceil(have / PAGE / 2)));
    if (pages < need) return -1;
    rt.memory.grow(pages);
    rt.f32 = new Float32Array(rt.memory.buffer);
    rt.i32 = new Int32Array(rt.memory.buffer);
  }
  top = end;
  return p;
}
