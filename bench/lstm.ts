// LSTM training benchmark (issue 7): one layer, seq 64, batch 32, input 256, hidden 256;
// a step is forward + MSE loss against a fixed target + backward + Adam. Prints ms per step
// (median of the timed steps) for each available Kestrel backend or the one in
// KESTREL_BACKEND. The PyTorch counterpart is bench/lstm_torch.py (same shapes, 2 threads).
//
//   node --import tsx bench/lstm.ts [--steps N] [--warmup N]
//   /usr/bin/python3 bench/lstm_torch.py [--steps N]
import { nn, optim, F, randn, manualSeed, setBackend, backendInfo } from "../src/index.js";

const SEQ = 64, BATCH = 32, INPUT = 256, HIDDEN = 256;

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

async function run(backendName: string, steps: number, warmup: number): Promise<number> {
  setBackend(backendName);
  manualSeed(0);
  const lstm = new nn.LSTM(INPUT, HIDDEN);
  const opt = new optim.Adam(lstm.parameters(), { lr: 1e-3 });
  const x = randn([SEQ, BATCH, INPUT]);
  const target = randn([SEQ, BATCH, HIDDEN]);
  const times: number[] = [];
  for (let s = 0; s < warmup + steps; s++) {
    const t0 = performance.now();
    opt.zeroGrad();
    const [out] = lstm.forward(x);
    F.mseLoss(out, target).backward();
    opt.step();
    const dt = performance.now() - t0;
    if (s >= warmup) times.push(dt);
    await new Promise((r) => setImmediate(r)); // let finalizers run, like a data-loader loop
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const steps = arg("--steps", 20), warmup = arg("--warmup", 3);
const info = backendInfo();
const which = process.env.KESTREL_BACKEND ? [info.name] : info.available.filter((b) => b !== "js");
console.log(`LSTM training step: seq ${SEQ}, batch ${BATCH}, input ${INPUT}, hidden ${HIDDEN}, 1 layer, MSE + Adam; median of ${steps} steps`);
for (const b of which) console.log(`kestrel-${b}: ${(await run(b, steps, warmup)).toFixed(1)} ms/step`);
