// Native-backend benchmarks: conv fwd/bwd on the shapes and the reference-CNN
// training step. Run per backend:
//   KESTREL_BACKEND=native node --import tsx native/bench/step.ts [cnn|conv|all] [steps]
import { randn, randint, optim, manualSeed, backendInfo, autograd, F } from "../../src/index.js";
import { refCnn, trainStep } from "../../bench/models/refcnn.js";

const what = process.argv[2] ?? "all";
const steps = Number(process.argv[3] ?? 60);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}
function time(f: () => unknown, reps: number): number {
  for (let i = 0; i < 3; i++) f();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

console.log(backendInfo().name, backendInfo().description);
manualSeed(0);
if (what === "conv" || what === "all") {
  for (const [N, C, OC, HW] of [[64, 3, 32, 32], [64, 64, 64, 16]]) {
    const x = randn([N, C, HW, HW]), w = randn([OC, C, 3, 3]).mul(0.1);
    const fwd = time(() => F.conv2d(x, w, null, { padding: 1 }), 15);
    x.requiresGrad_(true); w.requiresGrad_(true);
    const y = F.conv2d(x, w, null, { padding: 1 });
    const g = randn(y.shape);
    const bwd = time(() => autograd.grad(y, [x, w], { gradOutputs: [g], retainGraph: true }), 15);
    console.log(`conv b${N} ${C}→${OC} ${HW}²: fwd ${fwd.toFixed(2)} ms, bwd (dx+dw) ${bwd.toFixed(2)} ms`);
  }
}
if (what === "cnn" || what === "all") {
  const model = refCnn(1, 28);
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = randn([64, 1, 28, 28]), y = randint(0, 10, [64]);
  const ms = time(() => trainStep(model, opt, x, y).item(), steps);
  console.log(`refCNN b64 1×28×28 train step: ${ms.toFixed(2)} ms median = ${(64000 / ms).toFixed(0)} images/s`);
}
