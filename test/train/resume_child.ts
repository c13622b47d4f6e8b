// A small training run for test/train/resume.test.ts (not a test itself): run as
//   node --import tsx test/train/resume_child.ts <checkpointDir> <outFile> [resume]
// It prints "step <n>" after every optimizer step (with PAUSE_AT=n it then waits to be SIGKILLed),
// checkpoints every 4 steps, and writes the final model and EMA weights plus the validation
// history to <outFile> (JSON with the weights as exact float32 bit patterns).
import { writeFileSync } from "node:fs";
import { nn, optim, F, data, train, manualSeed, Tensor } from "../../src/index.js";

const [dir, outFile, mode] = process.argv.slice(2);
manualSeed(1234);
const T = data.transforms;
const full = data.datasets.FashionMNIST({ builtin: true, train: true, transform: T.Compose([T.RandomCrop(28, { padding: 2 }), T.RandomHorizontalFlip(), T.ToTensor()]) });
const trainSet = new data.Subset(full, Array.from({ length: 384 }, (_, i) => i));
const valSet = new data.Subset(data.datasets.FashionMNIST({ builtin: true, train: false, transform: T.ToTensor() }), Array.from({ length: 128 }, (_, i) => i));
// No seed: both loaders draw from the global generator, which dropout also uses (the hard case).
const loader = new data.DataLoader(trainSet, { batchSize: 32, shuffle: true });
const valLoader = new data.DataLoader(valSet, { batchSize: 64 });
const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 32), new nn.BatchNorm1d(32), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(32, 10));
const optimizer = new optim.Adam(model.parameters(), { lr: 3e-3 });
const scheduler = new optim.lrScheduler.StepLR(optimizer, { stepSize: 1, gamma: 0.5 });
const ema = new train.ModelEMA({ decay: 0.9 });
class PrintSteps extends train.Callback {
  override onBatchEnd(_t: train.Trainer, logs: train.BatchLogs): void {
    process.stdout.write(`step ${logs.step}\n`);
    // PAUSE_AT=n: wait here (synchronously, mid-epoch) for the parent's SIGKILL.
    if (Number(process.env.PAUSE_AT) === logs.step) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20000);
  }
}
const trainer = new train.Trainer({
  model, optimizer, lossFn: F.crossEntropy, scheduler,
  callbacks: [ema, new train.GradientClipping({ maxNorm: 1 }), new train.ModelCheckpoint({ dir, everySteps: 4, keepLast: 2 }), new PrintSteps()],
});
const history = await trainer.fit(loader, { epochs: 3, valLoader, resume: mode === "resume" ? dir : undefined });
const bits = (t: Tensor): number[] => Array.from(new Uint32Array(Float32Array.from(t.toArray()).buffer));
const weights = Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, v.dtype === "float32" ? bits(v) : Array.from(v.toArray())]));
const emaW = Object.fromEntries(Object.entries(ema.shadow!).map(([k, v]) => [k, v.dtype === "float32" ? bits(v) : Array.from(v.toArray())]));
writeFileSync(outFile, JSON.stringify({ weights, ema: emaW, valLoss: history.get("val_loss"), loss: history.get("loss"), lrs: history.get("lr"), steps: trainer.step, lr: optimizer.paramGroups[0].lr }));
