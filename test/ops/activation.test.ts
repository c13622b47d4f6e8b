import { test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, tensor, randn, manualSeed } from "../../src/index.js";
import type { DType } from "../../src/index.js";
import { loadFixture, T, assertClose, assertGradcheck, type FixtureTensor } from "../helpers.js";

interface Case {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  opts: Record<string, any>;
  inputs: Record<string, FixtureTensor>;
  out: FixtureTensor;
  gout: FixtureTensor | null;
  grads: Record<string, FixtureTensor>;
}

const fx = loadFixture("activation_loss");
const cases: Case[] = fx.activations;

/** Apply the case's activation to its inputs, with its options. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function apply(name: string, o: Record<string, any>, x: Tensor, w?: Tensor): Tensor {
  switch (name) {
    case "relu": return F.relu(x);
    case "sigmoid": return F.sigmoid(x);
    case "tanh": return F.tanh(x);
    case "leakyRelu": return o.negativeSlope === undefined ? F.leakyRelu(x) : F.leakyRelu(x, o.negativeSlope);
    case "elu": return o.alpha === undefined ? F.elu(x) : F.elu(x, o.alpha);
    case "selu": return F.selu(x);
    case "celu": return F.celu(x, o.alpha);
    case "gelu": return o.approximate ? F.gelu(x, { approximate: o.approximate }) : F.gelu(x);
    case "softplus": return o.beta === undefined ? F.softplus(x) : F.softplus(x, o.beta, o.threshold);
    case "silu": return F.silu(x);
    case "mish": return F.mish(x);
    case "hardtanh": return o.minVal === undefined ? F.hardtanh(x) : F.hardtanh(x, o.minVal, o.maxVal);
    case "relu6": return F.relu6(x.mul(o.prescale));
    case "logSigmoid": return F.logSigmoid(x);
    case "prelu": return F.prelu(x, w!);
    case "maxout": return o.dim === undefined ? F.maxout(x, o.pieces) : F.maxout(x, o.pieces, o.dim);
    case "softmax": return F.softmax(x, o.dim);
    case "logSoftmax": return F.logSoftmax(x, o.dim);
  }
  throw new Error(`unknown activation ${name}`);
}

for (const dtype of ["float64", "float32"] as DType[]) {
  test(`activations match PyTorch 1.13 (values and gradients), ${dtype}`, () => {
    let n = 0;
    for (const c of cases) {
      const msg = `${c.name} ${JSON.stringify(c.opts)} on ${JSON.stringify(c.inputs.x.shape)} (${dtype})`;
      const x = T(c.inputs.x, { dtype, requiresGrad: !c.opts.noGrad });
      const w = c.inputs.w ? T(c.inputs.w, { dtype, requiresGrad: true }) : undefined;
      const y = apply(c.name, c.opts, x, w);
      assert.equal(y.dtype, dtype, msg);
      assertClose(y, T(c.out), { msg });
      if (c.gout) {
        y.mul(T(c.gout, { dtype })).sum().backward();
        assertClose(x.grad!, T(c.grads.x), { msg: `${msg} grad x` });
        if (w) assertClose(w.grad!, T(c.grads.w), { msg: `${msg} grad w` });
      }
      n++;
    }
    assert.ok(n >= 40, `only ${n} cases`);
  });
}

test("activations pass float64 gradcheck (away from kinks)", () => {
  manualSeed(7);
  // Values kept away from 0 (and from the clamps' edges) where one-sided derivatives differ.
  const x = tensor([[-2.3, -0.7, 0.4], [1.6, -1.1, 2.8]], { dtype: "float64" });
  const unary: [string, (t: Tensor) => Tensor][] = [
    ["relu", F.relu], ["sigmoid", F.sigmoid], ["tanh", F.tanh],
    ["leakyRelu", (t) => F.leakyRelu(t, 0.1)], ["elu", (t) => F.elu(t, 0.7)], ["selu", F.selu],
    ["celu", (t) => F.celu(t, 1.3)], ["gelu", F.gelu], ["gelu tanh", (t) => F.gelu(t, { approximate: "tanh" })],
    ["softplus", F.softplus], ["softplus beta", (t) => F.softplus(t, 2, 3)], ["silu", F.silu], ["mish", F.mish],
    ["hardtanh", (t) => F.hardtanh(t, -2, 2)], ["relu6", (t) => F.relu6(t.mul(3))], ["logSigmoid", F.logSigmoid],
    ["normalCdf", F.normalCdf],
    ["softmax 0", (t) => F.softmax(t, 0)], ["softmax 1", (t) => F.softmax(t, 1)],
    ["logSoftmax 0", (t) => F.logSoftmax(t, 0)], ["logSoftmax -1", (t) => F.logSoftmax(t, -1)],
    ["maxout", (t) => F.maxout(t, 3, 1)],
  ];
  for (const [name, fn] of unary) {
    try { assertGradcheck(fn, [x]); } catch (e) { throw new Error(`${name}: ${(e as Error).message}`); }
  }
  assertGradcheck((a, w) => F.prelu(a, w), [randn([2, 3, 2], { dtype: "float64" }), tensor([0.2, -0.4, 0.6])]);
  assertGradcheck((a, w) => F.prelu(a, w), [randn([5], { dtype: "float64" }), tensor([0.3])]);
  assertGradcheck((a) => F.maxout(a, 2, 0), [randn([4, 3], { dtype: "float64" })]);
});

test("double backward through activations (createGraph)", async () => {
  const { autograd } = await import("../../src/index.js");
  const x = tensor([-1.5, 0.3, 2.0], { dtype: "float64", requiresGrad: true });
  // d²/dx² of gelu(x) = 2φ(x) − x²φ(x) = φ(x)(2 − x²)
  const [g] = autograd.grad(F.gelu(x).sum(), x, { createGraph: true });
  const [gg] = autograd.grad(g!.sum(), x);
  const phi = (v: number) => Math.exp(-v * v / 2) / Math.sqrt(2 * Math.PI);
  assertClose(gg!, [-1.5, 0.3, 2.0].map((v) => phi(v) * (2 - v * v)));
  // elu: second derivative α·eˣ for x < 0, 0 for x > 0
  const [h] = autograd.grad(F.elu(x, 0.5).sum(), x, { createGraph: true });
  const [hh] = autograd.grad(h!.sum(), x);
  assertClose(hh!, [0.5 * Math.exp(-1.5), 0, 0]);
});

test("softmax is stable for huge inputs and sums to one", () => {
  const x = tensor([[1e6, 1e6 + 1, 1e6 - 1], [-1e6, -1e6, -1e6]], { dtype: "float32" });
  const p = F.softmax(x, 1);
  assert.ok([...p.toArray()].every(Number.isFinite));
  assertClose(p.sum(1), [1, 1]);
  assertClose(F.logSoftmax(x, 1).select(1, 0), [Math.log(Math.exp(-1) / (1 + Math.exp(-1) + Math.exp(-2))), -Math.log(3)]);
});

test("activations: errors teach", () => {
  const x = randn([2, 6]);
  assert.throws(() => F.maxout(x, 4), /maxout: dim 1 has 6 channels, which is not divisible by pieces = 4/);
  assert.throws(() => F.maxout(x, 0), /pieces must be a positive integer/);
  assert.throws(() => F.prelu(x, tensor([0.1, 0.2])), /prelu: weight must hold 1 or 6 values.*got shape \[2\]/);
  assert.throws(() => F.prelu(x, tensor([0.1], { dtype: "float64" })), /prelu: input is float32 but weight is float64/);
  assert.throws(() => F.leakyRelu(tensor([1, 2], { dtype: "int32" })), /leakyRelu: input must be float32 or float64, got int32/);
  assert.throws(() => F.gelu(x, { approximate: "erf" as "tanh" }), /gelu: approximate must be "none" or "tanh"/);
  assert.throws(() => F.hardtanh(x, 1, -1), /hardtanh: minVal \(1\) must not exceed maxVal \(-1\)/);
  assert.throws(() => F.softmax(x, 2), /dim/);
  assert.throws(() => F.celu(x, 0), /celu: alpha must not be 0/);
});

test("activations keep shape and work on non-contiguous views", () => {
  const x = randn([3, 4], { dtype: "float64" });
  const xt = x.t();
  assertClose(F.leakyRelu(xt, 0.3), F.leakyRelu(xt.contiguous(), 0.3));
  assertClose(F.elu(xt), F.elu(xt.contiguous()));
  assert.deepEqual(F.gelu(xt).shape, [4, 3]);
  assert.deepEqual(F.maxout(randn([2, 6, 5]), 2).shape, [2, 3, 5]);
});
