// nn.init: gains, fans, the bounds and statistics of each scheme over big tensors, seeded
// reproducibility, in-place semantics, and PyTorch's errors.

import { test } from "node:test";
import assert from "node:assert/strict";
import { nn, Tensor, zeros, manualSeed } from "../../src/index.js";

const { init } = nn;

function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const a = t.toArray();
  let s = 0, s2 = 0, min = Infinity, max = -Infinity;
  for (const v of a) { s += v; s2 += v * v; min = Math.min(min, v); max = Math.max(max, v); }
  const mean = s / a.length;
  return { mean, std: Math.sqrt(s2 / a.length - mean * mean), min, max };
}

function near(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what}: got ${actual}, expected ${expected} ± ${rel * 100}%`);
}

test("calculateGain matches PyTorch's table", () => {
  assert.equal(init.calculateGain("linear"), 1);
  assert.equal(init.calculateGain("conv2d"), 1);
  assert.equal(init.calculateGain("sigmoid"), 1);
  assert.equal(init.calculateGain("tanh"), 5 / 3);
  assert.equal(init.calculateGain("relu"), Math.SQRT2);
  assert.equal(init.calculateGain("selu"), 0.75);
  assert.equal(init.calculateGain("leaky_relu"), Math.sqrt(2 / (1 + 0.01 ** 2)));
  assert.equal(init.calculateGain("leaky_relu", Math.sqrt(5)), Math.sqrt(2 / 6));
  assert.equal(init.calculateGain("leakyRelu", 0.2), init.calculateGain("leaky_relu", 0.2));
  assert.equal(init.calculateGain("convTranspose2d"), 1);
  assert.throws(() => init.calculateGain("softsign"), /unsupported nonlinearity "softsign"/);
});

test("fan in / fan out, and the error for tensors with fewer than 2 dims", () => {
  assert.deepEqual(init.calculateFanInAndFanOut(zeros([8, 3, 5, 5])), { fanIn: 75, fanOut: 200 });
  assert.deepEqual(init.calculateFanInAndFanOut(zeros([4, 6])), { fanIn: 6, fanOut: 4 });
  assert.throws(() => init.xavierUniform_(zeros([5])), /fan in and fan out can not be computed for a tensor with fewer than 2 dimensions, got shape \[5\]/);
  assert.throws(() => init.kaimingNormal_(zeros([5])), /fewer than 2 dimensions/);
  assert.throws(() => init.kaimingUniform_(zeros([5, 5]), { mode: "fan_avg" as never }), /mode "fan_avg" not supported, please use one of fan_in, fan_out/);
});

test("kaiming: uniform bound √(6/fan) for relu, normal std √(2/fan), fan_out mode", () => {
  manualSeed(0);
  const w = init.kaimingUniform_(zeros([256, 128]), { nonlinearity: "relu" });
  const bound = Math.sqrt(6 / 128);
  const s = stats(w);
  assert.ok(s.max <= bound && s.min >= -bound, "inside the bound");
  assert.ok(s.max > 0.99 * bound && s.min < -0.99 * bound, "fills the bound");
  near(s.std, bound / Math.sqrt(3), 0.02, "uniform std");
  const n = stats(init.kaimingNormal_(zeros([256, 128])));
  near(n.std, Math.sqrt(2 / 128), 0.02, "kaimingNormal_ std (a = 0 → relu gain)");
  const fo = stats(init.kaimingNormal_(zeros([256, 128]), { mode: "fan_out" }));
  near(fo.std, Math.sqrt(2 / 256), 0.02, "fan_out std");
  const a5 = stats(init.kaimingUniform_(zeros([64, 100]), { a: Math.sqrt(5) }));
  assert.ok(a5.max <= 1 / Math.sqrt(100), "a = √5 gives PyTorch's Linear bound 1/√fan_in");
  assert.deepEqual(init.kaimingUniform_(zeros([0, 3])).shape, [0, 3], "empty tensors are left alone");
});

test("xavier: uniform and normal std √(2/(fan_in+fan_out))·gain over a big tensor", () => {
  manualSeed(1);
  const std = Math.sqrt(2 / (400 + 600));
  near(stats(init.xavierUniform_(zeros([400, 600]))).std, std, 0.02, "xavierUniform_ std");
  const xu = stats(init.xavierUniform_(zeros([400, 600]), 2));
  assert.ok(xu.max <= 2 * Math.sqrt(3) * std);
  near(xu.std, 2 * std, 0.02, "xavierUniform_ std with gain 2");
  near(stats(init.xavierNormal_(zeros([400, 600]))).std, std, 0.02, "xavierNormal_ std");
  near(stats(init.xavierNormal_(zeros([400, 600]), { gain: init.calculateGain("tanh") })).std, (5 / 3) * std, 0.02, "gain option");
});

test("uniform_, normal_, constant_, zeros_, ones_, eye_, truncNormal_", () => {
  manualSeed(2);
  const u = stats(init.uniform_(zeros([100000]), -2, 4));
  assert.ok(u.min >= -2 && u.max < 4);
  near(u.mean, 1, 0.02, "uniform mean");
  const n = stats(init.normal_(zeros([100000], { dtype: "float64" }), 3, 0.5));
  near(n.mean, 3, 0.01, "normal mean");
  near(n.std, 0.5, 0.02, "normal std");
  assert.deepEqual([...init.constant_(zeros([3]), 0.3).toArray()], [0.3, 0.3, 0.3].map(Math.fround));
  assert.deepEqual([...init.ones_(zeros([2])).toArray()], [1, 1]);
  assert.deepEqual([...init.zeros_(init.ones_(zeros([2]))).toArray()], [0, 0]);
  assert.deepEqual(init.eye_(zeros([2, 3])).tolist(), [[1, 0, 0], [0, 1, 0]]);
  assert.throws(() => init.eye_(zeros([2, 2, 2])), /only tensors with 2 dimensions are supported/);
  const t = stats(init.truncNormal_(zeros([100000], { dtype: "float64" })));
  assert.ok(t.min >= -2 && t.max <= 2 && t.min < -1.99 && t.max > 1.99);
  near(t.std, 0.8796, 0.02, "std of N(0,1) truncated to [−2, 2]");
  const t2 = stats(init.truncNormal_(zeros([20000]), { mean: 1, std: 0.02, a: 0.99, b: 1.5 }));
  assert.ok(t2.min >= 0.99 && t2.max <= 1.5);
  assert.throws(() => init.truncNormal_(zeros([2]), { a: 1, b: 0 }), /need a < b/);
});

test("orthogonal_: rows or columns orthonormal (times gain), also for conv-shaped weights", () => {
  manualSeed(4);
  for (const shape of [[3, 5], [5, 3], [4, 2, 2, 2]]) {
    const w = init.orthogonal_(zeros(shape, { dtype: "float64" }), 2);
    const m = w.reshape(shape[0], -1);
    const g = m.shape[0] <= m.shape[1] ? m.matmul(m.t()) : m.t().matmul(m);
    const k = g.shape[0];
    const a = g.toArray();
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) assert.ok(Math.abs(a[i * k + j] - (i === j ? 4 : 0)) < 1e-10, `W·Wᵀ = gain²·I for ${shape}`);
  }
  assert.throws(() => init.orthogonal_(zeros([4])), /2 or more dimensions/);
});

test("init is in place, keeps parameters leaves that require grad, and writes through views", () => {
  const p = new nn.Parameter(zeros([3, 4]));
  const same = init.kaimingUniform_(p);
  assert.equal(same, p);
  assert.equal(p.requiresGrad, true);
  assert.equal(p.gradFn, null);
  const base = zeros([2, 3]);
  init.eye_(base.t()); // a transposed view [3, 2]
  assert.deepEqual(base.tolist(), [[1, 0, 0], [0, 1, 0]]);
});

test("the seed makes initialisation reproducible", () => {
  manualSeed(42);
  const a = new nn.Linear(5, 4);
  const c1 = new nn.Conv2d(2, 3, 3);
  manualSeed(42);
  const b = new nn.Linear(5, 4);
  const c2 = new nn.Conv2d(2, 3, 3);
  assert.deepEqual([...a.weight.toArray()], [...b.weight.toArray()]);
  assert.deepEqual([...a.bias!.toArray()], [...b.bias!.toArray()]);
  assert.deepEqual([...c1.weight.toArray()], [...c2.weight.toArray()]);
  const c = new nn.Linear(5, 4);
  assert.notDeepEqual([...a.weight.toArray()], [...c.weight.toArray()]);
  // PyTorch's default Linear/Conv init: everything inside ±1/√fan_in
  const big = new nn.Conv2d(16, 8, 3);
  const bound = 1 / Math.sqrt(16 * 9);
  for (const t of [big.weight, big.bias!]) {
    const s = stats(t);
    assert.ok(s.max <= bound && s.min >= -bound);
  }
  near(stats(big.weight).std, bound / Math.sqrt(3), 0.1, "conv weight std");
  const emb = stats(new nn.Embedding(1000, 50).weight);
  near(emb.std, 1, 0.02, "Embedding N(0, 1)");
});
