// The wasm thread pool in a host with Web Workers and no worker_threads (a browser): a child
// process hides node:worker_threads from the library and provides a `Worker` that runs a Blob
// URL's source the way a browser's classic worker does (a `self` with onmessage). Large
// products must then run tiles on those workers and still match the reference kernel.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

const root = new URL("../../", import.meta.url).pathname;
// Once per suite run, not once per backend: the child selects wasm itself.
const skip = process.env.KESTREL_BACKEND !== undefined && process.env.KESTREL_BACKEND !== "wasm";

const SCRIPT = `
import { Worker as NodeWorker } from "node:worker_threads";
import { resolveObjectURL } from "node:buffer";
const builtin = process.getBuiltinModule.bind(process);
process.getBuiltinModule = (id) => (id === "node:worker_threads" || id === "worker_threads" ? undefined : builtin(id));
let made = 0;
globalThis.Worker = class {
  constructor(url) {
    if (!String(url).startsWith("blob:")) throw new Error("expected a blob: URL, got " + url);
    made++;
    this.queue = [];
    resolveObjectURL(url).text().then((src) => {
      const prelude = 'globalThis.self = globalThis; require("node:worker_threads").parentPort.once("message", (data) => self.onmessage({ data }));\\n';
      this.w = new NodeWorker(prelude + src, { eval: true, execArgv: [] });
      this.w.unref();
      for (const m of this.queue) this.w.postMessage(m);
    });
  }
  postMessage(m) { this.w ? this.w.postMessage(m) : this.queue.push(m); }
  addEventListener() {}
};
const { setBackend, backendInfo } = await import("./src/index.ts");
const { kernels } = await import("./src/backend/backend.ts");
const { jsKernels } = await import("./src/backend/js/index.ts");
const { poolStats } = await import("./src/backend/wasm/pool.ts");
setBackend("wasm");
const M = 256, N = 256, K = 256;
let s = 1;
const rnd = (n) => Float32Array.from({ length: n }, () => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5);
const A = rnd(M * K), B = rnd(K * N), want = new Float32Array(M * N);
jsKernels.gemm(false, false, M, N, K, A, 0, B, 0, want, 0, 0);
let worst = 0;
const deadline = Date.now() + 10000;
while (poolStats().workerTiles === 0 && Date.now() < deadline) {
  const got = new Float32Array(M * N);
  kernels().gemm(false, false, M, N, K, A, 0, B, 0, got, 0, 0);
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  await new Promise((r) => setTimeout(r, 20));
}
console.log(JSON.stringify({ backend: backendInfo().name, made, workers: poolStats().workers, workerTiles: poolStats().workerTiles, worst }));
`;

test("wasm pool: Web Workers from a Blob URL run GEMM tiles where worker_threads is absent (browsers)", { skip }, () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", SCRIPT], {
    cwd: root, encoding: "utf8", env: { ...process.env, KESTREL_BACKEND: "wasm", KESTREL_NUM_THREADS: "2" }, timeout: 60000,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
  assert.equal(out.backend, "wasm");
  assert.equal(out.made, 1, "one Web Worker (2 threads = the caller + 1)");
  assert.equal(out.workers, 1);
  assert.ok(out.workerTiles > 0, "no GEMM tile ran on the Web Worker within 10 s");
  assert.ok(out.worst < 1e-4, `threaded result differs from the reference by ${out.worst}`);
});
