// Convolution kernel throughput of the native addon (no JS op overhead), 3×3 pad-1 convs:
//   KESTREL_NUM_THREADS=1|2 node native/bench/conv.mjs [N]
// Prints median GFLOP/s (per CPU-second with KESTREL_CPU_TIME=1) of forward, input gradient (convTranspose) and weight gradient.
import { createRequire } from "node:module";
const addon = createRequire(import.meta.url)("../build/kestrel.node");
const N = Number(process.argv[2] ?? 64);
const shapes = [[1, 32, 28], [32, 64, 14], [3, 32, 32], [64, 64, 16], [16, 16, 32], [32, 32, 16], [64, 64, 8]];
const cpuTime = process.env.KESTREL_CPU_TIME === "1";
const rnd = (n) => new Float32Array(n).map(() => Math.random() - 0.5);
function med(f, flops) {
  f();
  const reps = Math.max(2, Math.round(3e8 / flops)), g = [];
  for (let r = 0; r < 7; r++) {
    // CPU time of this process (KESTREL_CPU_TIME=1, with one thread) is robust to a loaded machine.
    const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) f();
    const c = process.cpuUsage(c0);
    const s = cpuTime ? (c.user + c.system) / 1e6 : Number(process.hrtime.bigint() - t0) / 1e9;
    g.push((flops * reps) / s / 1e9);
  }
  return g.sort((a, b) => a - b)[3];
}
console.log(JSON.stringify(addon.info()), `b${N}`);
for (const [C, OC, HW] of shapes) {
  const geo = Int32Array.from([C, HW, HW, 3, 3, 1, 1, 1, 1, 1, 1, HW, HW]);
  const x = rnd(N * C * HW * HW), w = rnd(OC * C * 9), b = rnd(OC), y = rnd(N * OC * HW * HW), dx = rnd(x.length), dw = rnd(w.length);
  const flops = 2 * N * OC * C * 9 * HW * HW;
  const f = med(() => addon.conv2dForward(geo, N, OC, 1, x, w, b, y), flops);
  // Input gradient: the transposed conv of gOut (N, OC, HW, HW) by w (OC, C, 3, 3) onto C channels.
  const geoT = Int32Array.from([C, HW, HW, 3, 3, 1, 1, 1, 1, 1, 1, HW, HW]);
  const t = med(() => addon.convTranspose2dForward(geoT, N, OC, 1, y, w, null, dx), flops);
  const wg = med(() => addon.conv2dWeightGrad(geo, N, OC, 1, x, y, dw), flops);
  console.log(`${C}→${OC} ${HW}²: ${(flops / 1e6).toFixed(0)} MFLOP  fwd ${f.toFixed(1)}  dx ${t.toFixed(1)}  dw ${wg.toFixed(1)} GFLOP/s`);
}
