// SGEMM throughput of the native addon: node native/bench/gemm.mjs [sizes...]
// Threads: KESTREL_NUM_THREADS=1|2. Prints the median GFLOP/s of several runs.
import { createRequire } from "node:module";
const addon = createRequire(import.meta.url)("../build/kestrel.node");
const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length ? sizes : [256, 512, 1024]) {
  const A = new Float32Array(n * n).map(() => Math.random() - 0.5);
  const B = new Float32Array(n * n).map(() => Math.random() - 0.5);
  const C = new Float32Array(n * n);
  const reps = Math.max(3, Math.round(2e9 / (2 * n * n * n)));
  const g = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) addon.gemm(false, false, n, n, n, A, 0, B, 0, C, 0, 0);
    const c = process.cpuUsage(c0);
    // KESTREL_CPU_TIME=1: per CPU-second (robust to a loaded machine; use with one thread).
    const dt = process.env.KESTREL_CPU_TIME === "1" ? (c.user + c.system) / 1e6 : Number(process.hrtime.bigint() - t0) / 1e9;
    g.push((2 * n * n * n * reps) / dt / 1e9);
  }
  g.sort((a, b) => a - b);
  console.log(`${n}³ ${JSON.stringify(addon.info())}: median ${g[3].toFixed(1)} GFLOP/s (max ${g[6].toFixed(1)})`);
}
