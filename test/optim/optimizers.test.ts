// SGD, Adam, AdamW, Adagrad, RMSprop against PyTorch 1.13 (test/fixtures/gen_optim.py): six steps
// on a fixed loss, params after every step and the final state dict, in float64 (1e-10) and
// float32 (1e-5); plus state-dict round trips, grad-less params and zeroGrad.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, noGrad, optim, tensor } from "../../src/index.js";
import type { DType } from "../../src/index.js";
import { T, assertClose, isFixtureTensor, loadFixture } from "../helpers.js";

const fx = loadFixture("optim");

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOpt = optim.Optimizer<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const CTORS: Record<string, new (params: any, options: any) => AnyOpt> = {
  SGD: optim.SGD, Adam: optim.Adam, AdamW: optim.AdamW, Adagrad: optim.Adagrad, RMSprop: optim.RMSprop,
};

interface Config {
  name: string;
  options: Record<string, unknown>;
  groups: Record<string, unknown>[] | null;
}

function setup(cfg: Config, dtype: DType) {
  const X = T(fx.X, { dtype }), Y = T(fx.Y, { dtype });
  const W = T(fx.W0, { dtype, requiresGrad: true });
  const b = T(fx.B0, { dtype, requiresGrad: true });
  const params = cfg.groups === null ? [W, b] : [W, b].map((p, i) => ({ params: [p], ...cfg.groups![i] }));
  const opt = new CTORS[cfg.name](params, cfg.options);
  const loss = (): Tensor => {
    const r = X.matmul(W).add(b).sub(Y);
    return r.mul(r).sum().div(12).add(W.mul(W).log1p().sum().add(b.mul(b).log1p().sum()).mul(0.1));
  };
  const stepOnce = (): number => {
    opt.zeroGrad();
    const l = loss();
    l.backward();
    opt.step();
    return l.item();
  };
  return { W, b, opt, stepOnce };
}

const label = (c: Config) => `${c.name} ${JSON.stringify(c.options)}${c.groups ? " groups " + JSON.stringify(c.groups) : ""}`;

/** Compare a Kestrel state dict with PyTorch's (tensors by value, everything else exactly). */
function compareState(ours: unknown, theirs: unknown, path: string): void {
  if (isFixtureTensor(theirs)) {
    assert.ok(ours instanceof Tensor, `${path}: expected a Tensor, got ${typeof ours}`);
    assert.equal(ours.dtype === "int32" ? "int32" : "float", theirs.dtype === "int32" ? "int32" : "float", `${path}: dtype`);
    assertClose(ours, T(theirs), { msg: path });
  } else if (Array.isArray(theirs)) {
    assert.ok(Array.isArray(ours), `${path}: expected an array`);
    assert.equal(ours.length, theirs.length, `${path}: length`);
    theirs.forEach((v, i) => compareState(ours[i], v, `${path}[${i}]`));
  } else if (theirs !== null && typeof theirs === "object") {
    assert.ok(ours !== null && typeof ours === "object", `${path}: expected an object`);
    assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs).sort(), `${path}: keys`);
    for (const [k, v] of Object.entries(theirs)) compareState((ours as Record<string, unknown>)[k], v, `${path}.${k}`);
  } else if (typeof theirs === "number" && typeof ours === "number") {
    assert.ok(Math.abs(ours - theirs) <= 1e-12 * Math.max(1, Math.abs(theirs)), `${path}: ${ours} != ${theirs}`);
  } else {
    assert.equal(ours, theirs, path);
  }
}

for (const dtype of ["float64", "float32"] as DType[]) {
  for (const cfg of fx.optimizers as (Config & { steps: unknown[][]; losses: number[]; state: unknown })[]) {
    test(`${label(cfg)} matches PyTorch (${dtype})`, () => {
      const { W, b, opt, stepOnce } = setup(cfg, dtype);
      cfg.steps.forEach((expected, k) => {
        const l = stepOnce();
        assertClose(l, cfg.losses[k], { rtol: dtype === "float64" ? 1e-10 : 1e-5, msg: `loss before step ${k + 1}` });
        assertClose(W, T(expected[0] as never), { msg: `W after step ${k + 1}` });
        assertClose(b, T(expected[1] as never), { msg: `b after step ${k + 1}` });
      });
      if (dtype === "float64") compareState(opt.stateDict(), cfg.state, "stateDict");
      else {
        // float32 params keep float32 state tensors (step stays float32 as in PyTorch).
        for (const s of opt.state.values()) for (const v of Object.values(s)) if (v instanceof Tensor) assert.equal(v.dtype, "float32");
      }
    });
  }
}

test("stateDict round trip: save after 3 steps, load into a fresh optimizer, continue = uninterrupted", () => {
  for (const cfg of fx.optimizers as Config[]) {
    const ref = setup(cfg, "float64");
    for (let i = 0; i < 6; i++) ref.stepOnce();

    const a = setup(cfg, "float64");
    for (let i = 0; i < 3; i++) a.stepOnce();
    const saved = a.opt.stateDict();
    const b = setup(cfg, "float64");
    noGrad(() => { b.W.copy_(a.W); b.b.copy_(a.b); });
    b.opt.paramGroups[0].lr = 999; // the load must restore the saved options
    b.opt.loadStateDict(saved);
    assert.equal(b.opt.paramGroups[0].lr, a.opt.paramGroups[0].lr, label(cfg));
    // State tensors are copied on save and on load: scribbling on either changes nothing.
    for (const st of Object.values(saved.state)) for (const v of Object.values(st)) if (v instanceof Tensor) noGrad(() => v.fill_(NaN));
    for (let i = 0; i < 3; i++) { a.stepOnce(); b.stepOnce(); }
    assert.deepEqual([...b.W.toArray()], [...ref.W.toArray()], label(cfg));
    assert.deepEqual([...b.b.toArray()], [...ref.b.toArray()], label(cfg));
    assert.deepEqual([...a.W.toArray()], [...ref.W.toArray()], label(cfg));
  }
});

test("stateDict layout: PyTorch keys, params as indices, param_groups in snake_case", () => {
  const W = tensor([1, 2], { requiresGrad: true }), v = tensor([3], { requiresGrad: true });
  const opt = new optim.Adam([{ params: [W] }, { params: [v], lr: 0.5, weightDecay: 0.1 }], { amsgrad: true });
  W.grad = tensor([0.1, -0.2]);
  v.grad = tensor([0.3]);
  opt.step();
  const sd = opt.stateDict();
  assert.deepEqual(Object.keys(sd.state), ["0", "1"]);
  assert.deepEqual(Object.keys(sd.state[1]), ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]);
  assert.equal((sd.state[0].step as Tensor).item(), 1);
  assert.deepEqual(sd.param_groups[1], {
    lr: 0.5, weight_decay: 0.1, betas: [0.9, 0.999], eps: 1e-8, amsgrad: true, maximize: false,
    foreach: null, capturable: false, differentiable: false, fused: false, params: [1],
  });
  // The saved tensors are copies.
  (sd.state[0].exp_avg as Tensor).storage[0] = 123;
  assert.notEqual((opt.state.get(W)!.exp_avg as Tensor).storage[0], 123);
  // A PyTorch-style dict (snake_case, extra keys) loads; state tensors are cast to the param dtype.
  const W64 = tensor([1, 2], { dtype: "float64", requiresGrad: true });
  const opt2 = new optim.SGD([W64], { lr: 1 });
  opt2.loadStateDict({
    state: { 0: { momentum_buffer: tensor([1, 1]) } },
    param_groups: [{ lr: 0.3, momentum: 0.5, dampening: 0, weight_decay: 0, nesterov: false, maximize: false, foreach: null, differentiable: false, params: [0] }],
  });
  assert.equal(opt2.paramGroups[0].momentum, 0.5);
  assert.equal((opt2.state.get(W64)!.momentum_buffer as Tensor).dtype, "float64");
  assert.ok(!("foreach" in opt2.paramGroups[0]));
});

test("loadStateDict rejects group-count and group-size mismatches", () => {
  const a = tensor([1], { requiresGrad: true }), b = tensor([2], { requiresGrad: true });
  const sd = new optim.SGD([a, b], { lr: 0.1 }).stateDict();
  assert.throws(() => new optim.SGD([{ params: [a] }, { params: [b] }], { lr: 0.1 }).loadStateDict(sd), /different number of parameter groups; got 1, expected 2/);
  assert.throws(() => new optim.SGD([a], { lr: 0.1 }).loadStateDict(sd), /doesn't match the size of optimizer's group/);
  assert.throws(() => new optim.SGD([a], { lr: 0.1 }).loadStateDict({} as never), /expected \{ state, param_groups \}/);
});

test("params without a gradient are skipped and get no state", () => {
  const used = tensor([1, 2], { dtype: "float64", requiresGrad: true });
  const unused = tensor([5, 6], { dtype: "float64", requiresGrad: true });
  for (const Ctor of Object.values(CTORS)) {
    const opt = new Ctor([used, unused], { lr: 0.1 });
    used.grad = tensor([1, 1], { dtype: "float64" });
    unused.grad = null;
    opt.step();
    assert.deepEqual(unused.tolist(), [5, 6]);
    if (Ctor !== optim.Adagrad) assert.equal(opt.state.has(unused), false); // Adagrad makes state up front, like PyTorch
    else assert.equal(((opt.state.get(unused)!.step) as Tensor).item(), 0);
  }
});

test("zeroGrad: setToNone by default, zeros with { setToNone: false }; step reads strided grads", () => {
  const p = tensor([[1, 2], [3, 4]], { dtype: "float64", requiresGrad: true });
  const opt = new optim.SGD([p], { lr: 1 });
  p.grad = tensor([1, 2], { dtype: "float64" }).expand(2, 2); // an expanded (stride-0) gradient
  opt.step();
  assert.deepEqual(p.tolist(), [[0, 0], [2, 2]]);
  opt.zeroGrad({ setToNone: false });
  assert.deepEqual(p.grad!.tolist(), [[0, 0], [0, 0]]);
  opt.zeroGrad();
  assert.equal(p.grad, null);
  const version = p._version.v;
  p.grad = tensor([[1, 1], [1, 1]], { dtype: "float64" });
  opt.step();
  assert.ok(p._version.v > version, "step bumps the parameter's version counter");
});

test("step(closure) returns the closure's loss; addParamGroup takes the defaults", () => {
  const p = tensor([2], { dtype: "float64", requiresGrad: true });
  const opt = new optim.SGD([p], { lr: 0.25, momentum: 0.5 });
  const loss = opt.step(() => { opt.zeroGrad(); const l = p.mul(p).sum(); l.backward(); return l; }) as Tensor;
  assert.equal(loss.item(), 4);
  assert.deepEqual(p.tolist(), [1]); // 2 − 0.25·4
  const q = tensor([1], { requiresGrad: true });
  opt.addParamGroup({ params: [q], lr: 0.5 });
  assert.equal(opt.paramGroups[1].momentum, 0.5);
  assert.equal(opt.paramGroups[1].lr, 0.5);
  assert.throws(() => opt.addParamGroup({ params: [q] }), /some parameters appear in more than one parameter group/);
});
