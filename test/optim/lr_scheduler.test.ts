// Learning-rate schedulers against PyTorch 1.13: the lr of both param groups (and the momentum /
// Adam beta1 that OneCycleLR cycles) for 30 steps, ReduceLROnPlateau on a fixed metric sequence;
// state-dict round trips and errors.

import { test } from "node:test";
import assert from "node:assert/strict";
import { optim, tensor } from "../../src/index.js";
import { loadFixture } from "../helpers.js";

const fx = loadFixture("optim");
const S = optim.lrScheduler;

function makeOpt(kind: string) {
  const p1 = tensor([0, 0], { dtype: "float64", requiresGrad: true });
  const p2 = tensor([0, 0, 0], { dtype: "float64", requiresGrad: true });
  const groups = [{ params: [p1] }, { params: [p2], lr: 0.05 }];
  return kind === "SGD" ? new optim.SGD(groups, { lr: 0.1, momentum: 0.9 }) : new optim.Adam(groups, { lr: 0.1 });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Sched = { step(x?: any): void; getLastLr(): number[]; stateDict(): Record<string, unknown>; loadStateDict(s: Record<string, unknown>): void };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function makeSched(name: string, options: any, opt: optim.Optimizer<any>): Sched {
  if (name === "LambdaLR") return new S.LambdaLR(opt, { lrLambda: (e) => 0.95 ** e });
  if (name === "MultiplicativeLR") return new S.MultiplicativeLR(opt, { lrLambda: () => 0.9 });
  if (name === "SequentialLR") {
    const schedulers = options.schedulers.map(([n, o]: [string, unknown]) => makeSched(n, o, opt));
    return new S.SequentialLR(opt, { schedulers, milestones: options.milestones });
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return new (S as any)[name](opt, options);
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1e-3, Math.abs(b));

function run(cfg: { name: string; options: unknown; optimizer: string }, steps: number, metrics: number[]) {
  const opt = makeOpt(cfg.optimizer);
  const sched = makeSched(cfg.name, cfg.options, opt);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const mom = () => opt.paramGroups.map((g: any) => (cfg.optimizer === "Adam" ? g.betas[0] : g.momentum));
  const lrs = [opt.paramGroups.map((g) => g.lr)];
  const moms = [mom()];
  for (let i = 0; i < steps; i++) {
    opt.step();
    if (cfg.name === "ReduceLROnPlateau") sched.step(metrics[i]);
    else sched.step();
    lrs.push(sched.getLastLr());
    assert.deepEqual(sched.getLastLr(), opt.paramGroups.map((g) => g.lr));
    moms.push(mom());
  }
  return { opt, sched, lrs, moms };
}

for (const cfg of fx.schedulers) {
  test(`${cfg.name} ${JSON.stringify(cfg.options)} matches PyTorch's lr sequence`, () => {
    const { lrs, moms } = run(cfg, cfg.lrs.length - 1, fx.metrics);
    lrs.forEach((row: number[], k: number) => row.forEach((v, j) => assert.ok(close(v, cfg.lrs[k][j]), `step ${k} group ${j}: lr ${v}, expected ${cfg.lrs[k][j]}`)));
    moms.forEach((row: number[], k: number) => row.forEach((v, j) => assert.ok(close(v, cfg.momentum[k][j]), `step ${k} group ${j}: momentum ${v}, expected ${cfg.momentum[k][j]}`)));
  });
}

test("scheduler stateDict round trip: resume halfway = uninterrupted", () => {
  for (const cfg of fx.schedulers) {
    const n = cfg.lrs.length - 1;
    const half = Math.floor(n / 2);
    const a = run(cfg, half, fx.metrics);
    const sd = a.sched.stateDict();
    const optSd = a.opt.stateDict();
    // A fresh optimizer + scheduler, loaded from both state dicts, continues like the first.
    const b = run(cfg, 0, fx.metrics);
    b.opt.loadStateDict(optSd);
    b.sched.loadStateDict(sd);
    for (let i = half; i < n; i++) {
      b.opt.step();
      if (cfg.name === "ReduceLROnPlateau") b.sched.step(fx.metrics[i]);
      else b.sched.step();
      b.opt.paramGroups.forEach((g, j) => assert.ok(close(g.lr, cfg.lrs[i + 1][j]), `${cfg.name} resumed step ${i + 1} group ${j}: ${g.lr} vs ${cfg.lrs[i + 1][j]}`));
    }
  }
});

test("scheduler stateDict uses PyTorch's keys", () => {
  const opt = makeOpt("SGD");
  const s = new S.CosineAnnealingLR(opt, { TMax: 10 });
  const sd = s.stateDict();
  for (const k of ["T_max", "eta_min", "base_lrs", "last_epoch", "_step_count", "_last_lr", "verbose"]) assert.ok(k in sd, k);
  assert.deepEqual(sd.base_lrs, [0.1, 0.05]);
  assert.equal(sd.last_epoch, 0);
  assert.equal(opt.stateDict().param_groups[0].initial_lr, 0.1);
  const p = new S.ReduceLROnPlateau(makeOpt("SGD"));
  for (const k of ["best", "num_bad_epochs", "cooldown_counter", "min_lrs", "mode_worse", "threshold_mode"]) assert.ok(k in p.stateDict(), k);
});

test("scheduler errors teach", () => {
  const opt = makeOpt("SGD");
  assert.throws(() => new S.StepLR({} as never, { stepSize: 1 }), /is not an Optimizer/);
  assert.throws(() => new S.StepLR(opt, {} as never), /stepSize is required/);
  assert.throws(() => new S.StepLR(opt, { step_size: 3 } as never), /unknown option step_size; did you mean stepSize\?/);
  assert.throws(() => new S.StepLR(makeOpt("SGD"), { stepSize: 3, lastEpoch: 4 }), /param 'initial_lr' is not specified in param_groups\[0\]/);
  assert.throws(() => new S.LinearLR(opt, { startFactor: 1.5 }), /Starting multiplicative factor expected to be between 0 and 1/);
  assert.throws(() => new S.ReduceLROnPlateau(opt, { factor: 1 }), /Factor should be < 1.0/);
  assert.throws(() => new S.ReduceLROnPlateau(opt, { mode: "maximum" as never }), /mode maximum is unknown/);
  assert.throws(() => new S.ReduceLROnPlateau(opt, { minLr: [1, 2, 3] }), /expected 2 min_lrs, got 3/);
  assert.throws(() => new S.OneCycleLR(opt, { maxLr: 1 }), /You must define either totalSteps OR \(epochs AND stepsPerEpoch\)/);
  assert.throws(() => new S.OneCycleLR(opt, { maxLr: 1, totalSteps: 0 }), /Expected positive integer totalSteps/);
  assert.throws(() => new S.OneCycleLR(opt, { maxLr: [1, 2, 3], totalSteps: 5 }), /expected 2 values for max_lr, got 3/);
  assert.throws(() => new S.OneCycleLR(new optim.Adagrad([tensor([1], { requiresGrad: true })]), { maxLr: 1, totalSteps: 5 }), /optimizer must support momentum/);
  const oc = new S.OneCycleLR(makeOpt("SGD"), { maxLr: 1, totalSteps: 2 });
  oc.step();
  oc.step();
  assert.throws(() => oc.step(), /Tried to step 4 times. The specified number of total steps is 2/);
  assert.throws(() => new S.SequentialLR(opt, { schedulers: [new S.StepLR(opt, { stepSize: 2 })], milestones: [3] }), /one more than the number of milestone points/);
  assert.throws(() => new S.LambdaLR(opt, { lrLambda: [() => 1] }), /Expected 2 lr_lambdas, but got 1/);
  assert.throws(() => new S.CosineAnnealingWarmRestarts(opt, { T0: 0 }), /Expected positive integer T0/);
});

test("ReduceLROnPlateau accepts a one-element tensor metric", () => {
  const opt = makeOpt("SGD");
  const s = new S.ReduceLROnPlateau(opt, { patience: 0 });
  s.step(tensor([1.0]));
  s.step(tensor(2.0));
  assert.deepEqual(s.getLastLr(), [0.010000000000000002, 0.005000000000000001]);
});
