// Kernel-level profile of one model's training step: wraps every kernel of the active backend
// with a timer and prints where the time goes (ms per step, calls per step), plus the time
// outside kernels (autograd, allocation, JS glue).
//   node --import tsx native/bench/profile.ts [resnet20|resnet20-fmnist|refcnn] [batch] [steps]
// resnet20: the bench's CIFAR model (3×32×32, 1×1-conv shortcuts); resnet20-fmnist: the zoo's
// (option-A shortcuts) on 1×28×28, as `kestrel train --model resnet20` trains it.
import { randn, randint, optim, manualSeed, backendInfo, F, nn, models } from "../../src/index.js";
import { kernels } from "../../src/backend/backend.js";
import { resnet20 } from "../../bench/models/resnet20.js";
import { refCnn } from "../../bench/models/refcnn.js";

const which = process.argv[2] ?? "resnet20";
const batch = Number(process.argv[3] ?? 128);
const steps = Number(process.argv[4] ?? 10);
manualSeed(0);
const fmnist = which === "resnet20-fmnist";
const model: nn.Module = which === "refcnn" ? refCnn(1, 28) : fmnist ? models.create("resnet20", { inChannels: 1, numClasses: 10 }) : resnet20();
const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
const x = which === "refcnn" || fmnist ? randn([batch, 1, 28, 28]) : randn([batch, 3, 32, 32]);
const y = randint(0, 10, [batch]);
const step = (): void => {
  opt.zeroGrad();
  const loss = F.crossEntropy(model.forward(x) as never, y);
  loss.backward();
  opt.step();
};
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
// Await between steps as a real training loop does, so collected tensors' storage is recycled.
for (let i = 0; i < 3; i++) { step(); await tick(); }

const k = kernels() as unknown as Record<string, unknown>;
const acc = new Map<string, { ms: number; n: number }>();
for (const name of Object.keys(k)) {
  const f = k[name];
  if (typeof f !== "function") continue;
  k[name] = (...a: unknown[]) => {
    const t0 = performance.now();
    const r = (f as (...a: unknown[]) => unknown)(...a);
    const e = acc.get(name) ?? { ms: 0, n: 0 };
    e.ms += performance.now() - t0; e.n++;
    acc.set(name, e);
    return r;
  };
}
const t0 = performance.now();
let waited = 0;
for (let i = 0; i < steps; i++) { step(); const t = performance.now(); await tick(); waited += performance.now() - t; }
const total = (performance.now() - t0) / steps;
let inK = 0;
console.log(`${backendInfo().name}: ${which} b${batch} train step ${total.toFixed(1)} ms = ${(batch * 1000 / total).toFixed(0)} img/s` +
  (fmnist ? `; epoch (469 steps) ${(469 * total / 1000).toFixed(1)} s` : ""));
for (const [name, e] of [...acc.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
  inK += e.ms / steps;
  if (e.ms / steps > 0.05) console.log(`  ${name.padEnd(28)} ${(e.ms / steps).toFixed(2).padStart(8)} ms  ${(e.n / steps).toFixed(0).padStart(5)} calls`);
}
console.log(`  ${"(awaiting: finalizers, GC)".padEnd(28)} ${(waited / steps).toFixed(2).padStart(8)} ms`);
console.log(`  ${"(outside kernels)".padEnd(28)} ${(total - inK - waited / steps).toFixed(2).padStart(8)} ms`);
const { poolStats } = await import("../../src/tensor/pool.js");
console.log("pool", JSON.stringify(poolStats()));
