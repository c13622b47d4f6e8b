// The wasm SGEMM kernel: same name, signature and meaning as the reference `gemm`
// (src/backend/js/gemm.ts). float32 operands are copied into the arena, multiplied by the
// packed SIMD kernels (split across threads when big enough), and the result copied back;
// other dtypes, empty and tiny products go to the reference kernel.

import type { TypedArray } from "../../tensor/dtype.js";
import { gemm as jsGemm } from "../js/gemm.js";
import { arenaAlloc, arenaReset, type Runtime } from "./runtime.js";
import { poolThreads, runGemm } from "./pool.js";

/** Below this many multiply-adds the copies and call cost more than the reference loop saves. */
const MIN_MACS = 4096;
/** At or above this many flops a job is split across threads (dispatch costs ~10–40 µs). */
const SPLIT_FLOPS = 10e6;

let rt: Runtime;
export function bindGemm(r: Runtime): void {
  rt = r;
}

/** Tile sizes: as large as the packing buffers allow, shrunk until every thread gets ~4 tiles. */
function tiles(M: number, N: number, threads: number): [number, number] {
  const MC = rt.exports.MC.value, NC = rt.exports.NC.value;
  let mt = Math.min(MC, Math.ceil(M / 4) * 4), nt = Math.min(NC, Math.ceil(N / 8) * 8);
  if (threads > 1) {
    while (Math.ceil(M / mt) * Math.ceil(N / nt) < 4 * threads) {
      if (nt >= 64 && nt >= mt) nt = Math.ceil(nt / 2 / 8) * 8;
      else if (mt >= 32) mt = Math.ceil(mt / 2 / 4) * 4;
      else break;
    }
  }
  return [mt, nt];
}

/** C = op(A)·op(B) + beta·C, row-major (see the reference gemm). */
export function gemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: TypedArray, aOff: number, B: TypedArray, bOff: number,
  C: TypedArray, cOff: number, beta = 0,
): void {
  if (!(A instanceof Float32Array && B instanceof Float32Array && C instanceof Float32Array) || M * N * K < MIN_MACS) {
    jsGemm(transA, transB, M, N, K, A, aOff, B, bOff, C, cOff, beta);
    return;
  }
  arenaReset();
  const pA = arenaAlloc(M * K), pB = arenaAlloc(K * N), pC = arenaAlloc(M * N);
  if (pA < 0 || pB < 0 || pC < 0) {
    jsGemm(transA, transB, M, N, K, A, aOff, B, bOff, C, cOff, beta);
    return;
  }
  const f32 = rt.f32;
  f32.set(A.subarray(aOff, aOff + M * K), pA >> 2);
  f32.set(B.subarray(bOff, bOff + K * N), pB >> 2);
  if (beta !== 0) f32.set(C.subarray(cOff, cOff + M * N), pC >> 2);
  gemmArena(transA, transB, M, N, K, pA, pB, pC, beta);
  C.set(f32.subarray(pC >> 2, (pC >> 2) + M * N), cOff);
}

/** C = op(A)·op(B) + beta·C on dense float32 matrices already in wasm memory (byte addresses). */
export function gemmArena(
  transA: boolean, transB: boolean, M: number, N: number, K: number, pA: number, pB: number, pC: number, beta: number,
): void {
  const split = 2 * M * N * K >= SPLIT_FLOPS && rt.threads > 1;
  const [mt, nt] = tiles(M, N, split ? Math.max(poolThreads(), rt.threads) : 1);
  runGemm({
    A: pA, rsA: transA ? 1 : K, csA: transA ? M : 1,
    B: pB, rsB: transB ? 1 : N, csB: transB ? K : 1,
    C: pC, ldc: N, M, N, K, beta, mt, nt,
  }, split);
}
