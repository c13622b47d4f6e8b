// The wasm thread pool: the calling thread plus (threads − 1) workers over one shared memory.
// Work is published in the control block and claimed tile by tile (runJob, in wasm), so the
// caller never waits for a worker that is slow to wake or still starting: it just claims the
// tiles itself. Workers start lazily on the first job big enough to split, are unref'd (they
// never keep the process alive) and need no dispose.
//
// Node uses worker_threads (reached through process.getBuiltinModule, so the library has no
// static node: import and still loads in browsers); browsers get Web Workers made from a Blob
// URL of the same loop (WEB_WORKER_SOURCE). A browser's main thread may not block in
// Atomics.wait, so there the caller only spins while a worker finishes its last tile.

import { CTL_BYTE, SCRATCH_BASE, type Runtime } from "./runtime.js";
import { DONE, NODE_WORKER_SOURCE, SEQ, WEB_WORKER_SOURCE } from "./worker.js";

// Control block slots (i32); must match assembly/kernels.ts.
const NEXT = 1, NTILES = 3, TILES_M = 4, MT = 5, NT = 6;
const PA = 7, RSA = 8, CSA = 9, PB = 10, RSB = 11, CSB = 12, PC = 13, LDC = 14, PM = 15, PN = 16, PK = 17, BETA = 18;
const SCRATCH = 19, SCRATCH_STRIDE = 20, WORKER_TILES = 21;
const TILE_BITS = 19, TILE_MASK = (1 << TILE_BITS) - 1, GEN_MASK = (1 << (31 - TILE_BITS)) - 1;
/** Loads a worker spins on after a job before sleeping (~50 µs: back-to-back jobs dispatch in ~1 µs). */
const WORKER_SPIN = 20000;

type GetBuiltin = (id: string) => unknown;
interface NodeWorker { unref(): void; on(ev: string, f: (e: unknown) => void): void }
interface WorkerThreads { Worker: new (src: string, o: object) => NodeWorker }
interface WebWorker { postMessage(m: unknown): void; addEventListener(ev: string, f: () => void): void }
interface WebGlobals {
  Worker?: new (url: string) => WebWorker;
  Blob?: new (parts: string[], o: { type: string }) => unknown;
  URL?: { createObjectURL?(b: unknown): string };
}
/** Whether this thread may block in Atomics.wait (false on a browser's main thread). */
let canWait = true;

let rt: Runtime;
let ctl: Int32Array;
let gen = 0;
let started = false;
/** Workers believed running (a worker that dies with an error is dropped; the caller covers its share). */
let workersAlive = 0;

export function bindPool(r: Runtime): void {
  rt = r;
  ctl = new Int32Array(r.memory.buffer, CTL_BYTE, 32);
}

/** Pool statistics (for tests): threads configured, workers started, GEMM tiles run by workers so far. */
export function poolStats(): { threads: number; workers: number; workerTiles: number } {
  return { threads: rt.threads, workers: workersAlive, workerTiles: Atomics.load(ctl, WORKER_TILES) };
}

/** Threads a job can use right now (1 until the workers have been started). */
export function poolThreads(): number {
  return 1 + workersAlive;
}

function startWorkers(): void {
  started = true;
  const n = rt.threads - 1;
  if (n <= 0) return;
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: GetBuiltin } }).process?.getBuiltinModule;
  const wt = getBuiltin?.("node:worker_threads") as WorkerThreads | undefined;
  if (!wt) { startWebWorkers(n); return; }
  for (let tid = 1; tid <= n; tid++) {
    const w = new wt.Worker(NODE_WORKER_SOURCE, {
      eval: true,
      workerData: { module: rt.module, memory: rt.memory, ctl: CTL_BYTE, tid, spin: WORKER_SPIN },
      // The worker only runs the inline source: no loaders (e.g. tsx) needed there.
      execArgv: [],
    });
    w.unref();
    w.on("error", () => { workersAlive--; });
    workersAlive++;
  }
}

/** Browsers (and other hosts with Web Workers): n workers from a Blob URL of the worker loop. */
function startWebWorkers(n: number): void {
  const g = globalThis as WebGlobals;
  if (!g.Worker || !g.Blob || !g.URL?.createObjectURL) return; // no workers: the caller runs every tile
  const url = g.URL.createObjectURL(new g.Blob([WEB_WORKER_SOURCE], { type: "text/javascript" }));
  for (let tid = 1; tid <= n; tid++) {
    let w: WebWorker;
    try {
      w = new g.Worker(url);
    } catch {
      return; // e.g. a content-security policy forbids blob: workers
    }
    w.addEventListener("error", () => { workersAlive--; });
    w.postMessage({ module: rt.module, memory: rt.memory, ctl: CTL_BYTE, tid, spin: WORKER_SPIN });
    workersAlive++;
  }
}

export interface GemmJob {
  A: number; rsA: number; csA: number;
  B: number; rsB: number; csB: number;
  C: number; ldc: number;
  M: number; N: number; K: number; beta: number;
  mt: number; nt: number;
}

/**
 * Run one GEMM job to completion: publish it, wake the workers when `split`, claim tiles on
 * this thread, wait until every tile is done.
 */
export function runGemm(j: GemmJob, split: boolean): void {
  if (split && !started) startWorkers();
  const tilesM = Math.ceil(j.M / j.mt), tilesN = Math.ceil(j.N / j.nt);
  const ntiles = tilesM * tilesN;
  if (ntiles > TILE_MASK) throw new Error(`wasm gemm: too many tiles (${ntiles})`);
  const c = ctl;
  // Close the previous job first: a late thread's compare-exchange on the old value now fails.
  Atomics.store(c, NEXT, (gen << TILE_BITS) | TILE_MASK);
  gen = (gen + 1) & GEN_MASK;
  c[NTILES] = ntiles; c[TILES_M] = tilesM; c[MT] = j.mt; c[NT] = j.nt;
  c[PA] = j.A; c[RSA] = j.rsA; c[CSA] = j.csA; c[PB] = j.B; c[RSB] = j.rsB; c[CSB] = j.csB;
  c[PC] = j.C; c[LDC] = j.ldc; c[PM] = j.M; c[PN] = j.N; c[PK] = j.K;
  new Float32Array(c.buffer, c.byteOffset + BETA * 4, 1)[0] = j.beta;
  c[SCRATCH] = SCRATCH_BASE; c[SCRATCH_STRIDE] = rt.scratchStride;
  Atomics.store(c, DONE, 0);
  Atomics.store(c, NEXT, gen << TILE_BITS);
  if (split && workersAlive > 0) {
    Atomics.add(c, SEQ, 1);
    Atomics.notify(c, SEQ);
  }
  rt.exports.runJob(CTL_BYTE, 0);
  // Another thread may still be finishing a tile it claimed.
  for (let spins = 0; Atomics.load(c, DONE) !== ntiles; spins++) {
    if (spins > 100000 && canWait) {
      try {
        Atomics.wait(c, DONE, Atomics.load(c, DONE), 1);
      } catch {
        canWait = false; // a browser's main thread: keep spinning
      }
    }
  }
}
