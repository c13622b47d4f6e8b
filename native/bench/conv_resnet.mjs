// The convolutions of a ResNet-20 training step (CIFAR, b128 by default) through the native
// addon: per shape, ms and GFLOP/s of forward, input gradient and weight gradient, and the
// step's total (each shape weighted by how often ResNet-20 uses it).
//   node native/bench/conv_resnet.mjs [N] [HW=32]
import { createRequire } from "node:module";
const addon = createRequire(import.meta.url)("../build/kestrel.node");
const N = Number(process.argv[2] ?? 128), S = Number(process.argv[3] ?? 32);
// [C, OC, inHW, k, stride, pad, count]
const shapes = [
  [3, 16, S, 3, 1, 1, 1], [16, 16, S, 3, 1, 1, 6],
  [16, 32, S, 3, 2, 1, 1], [16, 32, S, 1, 2, 0, 1], [32, 32, S / 2, 3, 1, 1, 5],
  [32, 64, S / 2, 3, 2, 1, 1], [32, 64, S / 2, 1, 2, 0, 1], [64, 64, S / 4, 3, 1, 1, 5],
];
const rnd = (n) => new Float32Array(n).map(() => Math.random() - 0.5);
const cpuTime = process.env.KESTREL_CPU_TIME === "1";
function med(f) {
  f();
  const g = [];
  for (let r = 0; r < 7; r++) {
    // CPU time (KESTREL_CPU_TIME=1, one thread) is robust to a loaded machine.
    const t0 = process.hrtime.bigint(), c0 = process.cpuUsage(); f();
    const c = process.cpuUsage(c0);
    g.push(cpuTime ? (c.user + c.system) / 1e3 : Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return g.sort((a, b) => a - b)[3];
}
console.log(JSON.stringify(addon.info()), `b${N}`);
let tot = [0, 0, 0];
for (const [C, OC, HW, k, s, p, count] of shapes) {
  const OH = Math.floor((HW + 2 * p - k) / s) + 1;
  const geo = Int32Array.from([C, HW, HW, k, k, s, s, p, p, 1, 1, OH, OH]);
  const x = rnd(N * C * HW * HW), w = rnd(OC * C * k * k), y = rnd(N * OC * OH * OH), dx = rnd(x.length), dw = rnd(w.length);
  const flops = 2 * N * OC * C * k * k * OH * OH;
  const f = med(() => addon.conv2dForward(geo, N, OC, 1, x, w, null, y));
  const t = med(() => addon.convTranspose2dForward(geo, N, OC, 1, y, w, null, dx));
  const wg = med(() => addon.conv2dWeightGrad(geo, N, OC, 1, x, y, dw));
  tot[0] += f * count; tot[1] += t * count; tot[2] += wg * count;
  const gf = (ms) => (flops / ms / 1e6).toFixed(0).padStart(4);
  console.log(`${C}→${OC} k${k} s${s} ${HW}² ×${count}: fwd ${f.toFixed(2)} ms ${gf(f)}  dx ${t.toFixed(2)} ms ${gf(t)}  dw ${wg.toFixed(2)} ms ${gf(wg)} GFLOP/s`);
}
console.log(`step total: fwd ${tot[0].toFixed(1)} dx ${tot[1].toFixed(1)} dw ${tot[2].toFixed(1)} = ${(tot[0] + tot[1] + tot[2]).toFixed(1)} ms`);
