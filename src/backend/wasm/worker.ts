// The worker-thread side of the wasm thread pool, as source text: a worker instantiates the
// same compiled module over the same shared memory and then loops — spin briefly, sleep in
// Atomics.wait on the job sequence number, run tiles (runJob claims them), notify the caller
// if it finished the last tile. Kept as plain JavaScript text (not a .ts module) so it runs
// the same from the TypeScript sources, the compiled dist/, or a bundle, with no file to
// resolve. Browsers run WEB_WORKER_SOURCE (the same loop, started by a message) from a Blob URL.

/** Control block slots (i32) used here; must match assembly/kernels.ts and pool.ts. */
export const SEQ = 0;
export const DONE = 2;

/** The worker loop, given { module, memory, ctl, tid, spin }. */
const LOOP = `
function kestrelWorkerLoop({ module, memory, ctl, tid, spin }) {
  const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const c = new Int32Array(memory.buffer, ctl, 32);
  let seen = Atomics.load(c, ${SEQ});
  for (;;) {
    let s = Atomics.load(c, ${SEQ});
    for (let i = 0; s === seen && i < spin; i++) s = Atomics.load(c, ${SEQ});
    if (s === seen) { Atomics.wait(c, ${SEQ}, seen); continue; }
    seen = s;
    if (k.runJob(ctl, tid)) Atomics.notify(c, ${DONE});
  }
}
`;

/** Node worker_threads body (evaluated as CommonJS); workerData = { module, memory, ctl, tid, spin }. */
export const NODE_WORKER_SOURCE = `${LOOP}
kestrelWorkerLoop(require("node:worker_threads").workerData);
`;

/**
 * Web Worker body (a classic worker from a Blob URL): the first message carries
 * { module, memory, ctl, tid, spin } (a WebAssembly.Module and a shared Memory can be posted
 * to a worker of a cross-origin-isolated page); then it never returns to its event loop.
 */
export const WEB_WORKER_SOURCE = `${LOOP}
self.onmessage = (e) => { self.onmessage = null; kestrelWorkerLoop(e.data); };
`;
