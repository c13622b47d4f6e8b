// The WebAssembly SIMD backend (priority 10: chosen when the native addon is absent).
// Initialisation is synchronous — the kernels are embedded as base64 (generated/kernels.ts,
// built from assembly/ by `npm run build:wasm`) and compiled with `new WebAssembly.Module` —
// so `import "kestrel"` is ready at once. If the engine cannot run them (no SIMD, no threads,
// no SharedArrayBuffer), the backend is marked unavailable with the reason.
//
// Threads: KESTREL_NUM_THREADS (default: the machine's cores) counts the calling thread.

import { markUnavailable, registerBackend } from "../backend.js";
import { bindArena, createRuntime } from "./runtime.js";
import { bindPool } from "./pool.js";
import { bindGemm, gemm } from "./gemm.js";
import { binary, bindElementwise, unary } from "./elementwise.js";
import { bindPoolKernels, maxPool2d } from "./pool_kernels.js";
import { bindNormKernels, normApply, normBackward, normStats } from "./norm_kernels.js";
import { bindConv, col2im, conv2dForward, conv2dWeightGrad, convTranspose2dForward, im2col } from "./conv.js";

type GetBuiltin = (id: string) => unknown;

/** KESTREL_NUM_THREADS, else the number of cores (Node: os.availableParallelism; browsers: hardwareConcurrency). */
function threadCount(): number {
  const g = globalThis as {
    process?: { env?: Record<string, string | undefined>; getBuiltinModule?: GetBuiltin };
    navigator?: { hardwareConcurrency?: number };
  };
  const env = g.process?.env?.KESTREL_NUM_THREADS;
  if (env !== undefined && env !== "") {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new Error(`KESTREL_NUM_THREADS: expected a positive integer; got "${env}"`);
    return Math.min(n, 64);
  }
  const os = g.process?.getBuiltinModule?.("node:os") as { availableParallelism?: () => number; cpus(): unknown[] } | undefined;
  const n = os ? (os.availableParallelism?.() ?? os.cpus().length) : (g.navigator?.hardwareConcurrency ?? 1);
  return Math.max(1, Math.min(n, 64));
}

function init(): void {
  const threads = threadCount();
  let rt;
  try {
    rt = createRuntime(threads);
  } catch (e) {
    markUnavailable("wasm", (e as Error).message);
    return;
  }
  bindArena(rt);
  bindPool(rt);
  bindGemm(rt);
  bindConv(rt);
  bindElementwise(rt);
  bindPoolKernels(rt);
  bindNormKernels(rt);
  registerBackend({
    name: "wasm",
    priority: 10,
    description: `WebAssembly SIMD (relaxed FMA: ${rt.relaxed ? "yes" : "no"}), ${threads} thread${threads === 1 ? "" : "s"}`,
    kernels: { gemm, unary, binary, maxPool2d, normStats, normApply, normBackward, im2col, col2im, conv2dForward, convTranspose2dForward, conv2dWeightGrad },
  });
}

init();
