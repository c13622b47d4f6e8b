import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { io, nn, optim, F, tensor, randn, randint, manualSeed, getRngState, setRngState, Tensor } from "../../src/index.js";
import { assertSameTensor, tmp } from "./util.js";

/** A tiny model, an optimizer with state, a scheduler, and a few training steps. */
function setup(kind: "adam" | "sgd") {
  manualSeed(42);
  const model = new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 3));
  const opt = kind === "adam"
    ? new optim.Adam(model.parameters(), { lr: 0.01, betas: [0.85, 0.995], weightDecay: 1e-4, amsgrad: true })
    : new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
  const sched = kind === "adam" ? new optim.lrScheduler.ReduceLROnPlateau(opt, { patience: 0, factor: 0.5 }) : new optim.lrScheduler.StepLR(opt, { stepSize: 2, gamma: 0.3 });
  const step = () => {
    const x = randn([16, 4]), y = randint(0, 3, [16]);
    opt.zeroGrad();
    const loss = F.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    if (sched instanceof optim.lrScheduler.ReduceLROnPlateau) sched.step(loss.item()); else sched.step();
  };
  return { model, opt, sched, step };
}

function assertDeepSame(a: unknown, b: unknown, path = "$"): void {
  if (a instanceof Tensor || b instanceof Tensor) {
    assert.ok(a instanceof Tensor && b instanceof Tensor, `${path}: tensor vs non-tensor`);
    return assertSameTensor(a as Tensor, b as Tensor, path);
  }
  if (typeof a === "number") return assert.ok(Object.is(a, b), `${path}: ${a} !== ${b}`);
  if (a === null || typeof a !== "object") return assert.equal(a, b, path);
  assert.equal(Array.isArray(a), Array.isArray(b), `${path}: array vs object`);
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b as object).sort(), `${path}: keys`);
  for (const k of Object.keys(a)) assertDeepSame((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
}

for (const kind of ["adam", "sgd"] as const) {
  test(`checkpoint round trip (${kind}): model, optimizer state and param_groups, scheduler, rng, config, extra — exactly; resuming matches an uninterrupted run`, () => {
    const a = setup(kind);
    for (let i = 0; i < 3; i++) a.step();
    const dir = tmp();
    const p = join(dir, "last.ckpt");
    const extra = { ema: { "0.weight": randn([2, 2]) }, history: [1.5, NaN, -Infinity, -0], note: "ok", flag: true, none: null };
    const rng = getRngState();
    io.saveCheckpoint(p, { model: a.model.stateDict(), optimizer: a.opt.stateDict(), scheduler: a.sched.stateDict(), epoch: 1, step: 3, rng, config: { lr: 0.1, layers: [4, 8, 3], name: "tiny" }, extra });
    assert.deepEqual(readdirSync(dir), ["last.ckpt"], "no temporary file left behind");
    const ck = io.loadCheckpoint(p);
    assert.deepEqual(Object.keys(ck.model), Object.keys(a.model.stateDict()), "model keys in their original order");
    assertDeepSame(ck.model, a.model.stateDict(), "model");
    assertDeepSame(ck.optimizer, a.opt.stateDict(), "optimizer");
    assertDeepSame(ck.scheduler, a.sched.stateDict(), "scheduler");
    assertDeepSame(ck.extra, extra, "extra");
    assert.deepEqual(ck.rng, rng);
    assert.deepEqual(ck.config, { lr: 0.1, layers: [4, 8, 3], name: "tiny" });
    assert.equal(ck.epoch, 1);
    assert.equal(ck.step, 3);
    // Continue the original for 2 steps; restore a fresh setup from the checkpoint and do the same.
    for (let i = 0; i < 2; i++) a.step();
    const b = setup(kind);
    b.model.loadStateDict(ck.model);
    b.opt.loadStateDict(ck.optimizer as never);
    b.sched.loadStateDict(ck.scheduler as never);
    setRngState(ck.rng!);
    for (let i = 0; i < 2; i++) b.step();
    assertDeepSame(b.model.stateDict(), a.model.stateDict(), "resumed weights");
    assertDeepSame(b.opt.stateDict(), a.opt.stateDict(), "resumed optimizer");
  });
}

test("a checkpoint is a safetensors file standard tools read: model.* tensors, optimizer tensors, JSON metadata", () => {
  const { model, opt, step } = setup("adam");
  step();
  const p = join(tmp(), "c.ckpt");
  io.saveCheckpoint(p, { model: model.stateDict(), optimizer: opt.stateDict(), epoch: 0, step: 1 });
  const { tensors, metadata } = io.loadSafetensorsWithMetadata(p);
  assert.ok("model.0.weight" in tensors && "model.1.num_batches_tracked" in tensors);
  assert.ok("optimizer.state.0.exp_avg" in tensors && "optimizer.state.0.step" in tensors);
  assert.equal(metadata!.format, "kestrel-checkpoint");
  assert.equal(metadata!.step, "1");
  assert.equal(JSON.parse(metadata!.state).optimizer.param_groups[0].betas[1], 0.995);
});

test("damaged checkpoints are refused with a clear error, never half-loaded", () => {
  const { model, opt, step } = setup("sgd");
  step();
  const dir = tmp();
  const p = join(dir, "c.ckpt");
  io.saveCheckpoint(p, { model: model.stateDict(), optimizer: opt.stateDict(), epoch: 0, step: 1 });
  const good = readFileSync(p);
  const variant = (name: string, bytes: Uint8Array, re: RegExp) => {
    const q = join(dir, name);
    writeFileSync(q, bytes);
    assert.throws(() => io.loadCheckpoint(q), (e: Error) => e.message.startsWith(`loadCheckpoint: ${q}: `) && re.test(e.message), name);
  };
  variant("truncated", good.subarray(0, good.length - 10), /refused, the file is damaged: .*(beyond the data section|cover)/);
  variant("empty", new Uint8Array(0), /refused, the file is damaged: file is 0 bytes/);
  const flipped = Buffer.from(good);
  flipped[flipped.length - 5] ^= 0x40;
  variant("bitflip", flipped, /does not match its checksum/);
  const hdr = Buffer.from(good);
  hdr[9] = 0x7b; // a stray "{" inside the JSON header
  variant("header", hdr, /refused, the file is damaged: header is not valid JSON/);
  const plain = join(dir, "plain.safetensors");
  io.saveSafetensors(plain, model.stateDict());
  assert.throws(() => io.loadCheckpoint(plain), /not a Kestrel checkpoint .*use io\.loadSafetensors/);
  assert.throws(() => io.loadCheckpoint(join(dir, "nope.ckpt")), /loadCheckpoint: no such file/);
});

test("saveCheckpoint rejects what it cannot store, with the path of the offending value", () => {
  const p = join(tmp(), "x.ckpt");
  const model = { w: tensor([1]) };
  assert.throws(() => io.saveCheckpoint(p, { model, epoch: NaN, step: 0 }), /"epoch" must be a finite number/);
  assert.throws(() => io.saveCheckpoint(p, { model, epoch: 0, step: 0, extra: { f: () => 1 } }), /extra\.f is a function/);
  assert.throws(() => io.saveCheckpoint(p, { model, epoch: 0, step: 0, extra: { a: new Float32Array(2) } }), /extra\.a is a typed array \(wrap it with tensor\(\)\)/);
  assert.throws(() => io.saveCheckpoint(p, { model, epoch: 0, step: 0, bogus: 1 } as never), /unknown field\(s\) bogus; put additional data under "extra"/);
  assert.throws(() => io.saveCheckpoint(p, { model: { w: [1] } as never, epoch: 0, step: 0 }), /model state dict entry "w" is not a Tensor/);
});
