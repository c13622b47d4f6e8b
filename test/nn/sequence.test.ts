// Sequence utilities (src/nn/sequence.ts): padSequence and the masked temporal softmax loss
// against PyTorch (test/fixtures/gen_rnn.py), masks, the temporal affine map, gradchecks,
// truncated-BPTT helpers (streams, chunks, detached carried state) and the errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { nn, F, Tensor, tensor, randn, randint, manualSeed, ones } from "../../src/index.js";
import { loadFixture, T, assertClose, assertGradcheck } from "../helpers.js";

const fx = loadFixture("rnn");

test("padSequence matches torch.nn.utils.rnn.pad_sequence (time-major and batch-first)", () => {
  const seqs = fx.pad.seqs.map((s: never) => T(s));
  assertClose(nn.padSequence(seqs), T(fx.pad.tf));
  assertClose(nn.padSequence(seqs, { batchFirst: true, paddingValue: -1 }), T(fx.pad.bf));
  const left = nn.padSequence([tensor([1, 2]), tensor([3])], { batchFirst: true, paddingSide: "left" });
  assert.deepEqual(left.tolist(), [[1, 2], [0, 3]]);
  assertGradcheck((a, b) => nn.padSequence([a, b], { paddingValue: 3 }), [randn([3, 2]), randn([1, 2])]);
});

test("temporalSoftmaxLoss matches the CS231n formula computed in PyTorch, value and gradient", () => {
  const t = fx.temporal;
  for (const dtype of ["float64", "float32"] as const) {
    const scores = T(t.scores, { dtype, requiresGrad: true });
    const loss = F.temporalSoftmaxLoss(scores, T(t.targets), T(t.mask));
    assertClose(loss, T(t.loss));
    loss.backward();
    assertClose(scores.grad!, T(t.grad));
  }
  const targets = T(t.targets);
  assertGradcheck((s) => nn.temporalSoftmaxLoss(s, targets, tensor([[1, 0, 1, 1], [0, 1, 1, 0], [1, 1, 1, 1]])), [T(t.scores)]);
  // without a mask every step counts: equal to an all-ones mask
  const s = T(t.scores);
  assertClose(nn.temporalSoftmaxLoss(s, targets), nn.temporalSoftmaxLoss(s, targets, ones([3, 4])));
});

test("lengthsToMask", () => {
  assert.deepEqual(nn.lengthsToMask([2, 3, 0]).tolist(), [[1, 1, 0], [1, 1, 1], [0, 0, 0]]);
  const m = nn.lengthsToMask(tensor([1, 2], { dtype: "int32" }), 4, { dtype: "float64" });
  assert.equal(m.dtype, "float64");
  assert.deepEqual(m.tolist(), [[1, 0, 0, 0], [1, 1, 0, 0]]);
  assert.throws(() => nn.lengthsToMask([5], 3), /lengths\[0\] = 5 exceeds maxLen 3/);
  assert.throws(() => nn.lengthsToMask([1.5]), /non-negative integer, got 1.5/);
});

test("temporalAffine is a Linear at every time step", () => {
  manualSeed(0);
  const x = randn([2, 3, 4]), fc = new nn.Linear(4, 5);
  const y = nn.temporalAffine(x, fc.weight, fc.bias);
  assert.deepEqual(y.shape, [2, 3, 5]);
  assertClose(y.select(1, 2), fc.forward(x.select(1, 2)));
  assertClose(fc.forward(x), y);
  assertGradcheck((a, w, b) => nn.temporalAffine(a, w, b), [randn([2, 3, 4]), randn([5, 4]), randn([5])]);
  assert.throws(() => nn.temporalAffine(randn([3, 4]), fc.weight), /x must be \[N, T, D\], got \[3, 4\]/);
});

test("batchify and bpttChunks: streams continue across chunks, targets are the next token", () => {
  const ids = Int32Array.from({ length: 23 }, (_, i) => i);
  const s = nn.batchify(ids, 2);
  assert.deepEqual(s.shape, [2, 11]);
  assert.deepEqual(s.select(0, 1).tolist(), [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
  const chunks = [...nn.bpttChunks(s, 4)];
  assert.deepEqual(chunks.map((c) => c.input.shape[1]), [4, 4, 2]);
  assert.deepEqual(chunks[1].input.select(0, 0).tolist(), [4, 5, 6, 7]);
  assert.deepEqual(chunks[1].target.select(0, 0).tolist(), [5, 6, 7, 8]);
  assert.deepEqual(chunks[2].target.select(0, 1).tolist(), [20, 21]);
  assert.throws(() => nn.batchify([1, 2, 3], 2), /too few/);
  assert.throws(() => [...nn.bpttChunks(s, 0)], /seqLen must be a positive integer/);
});

test("truncated BPTT: detachState carries values but gradients stop at the chunk boundary", () => {
  manualSeed(1);
  const lstm = new nn.LSTM(3, 4, { dtype: "float64" });
  const x1 = randn([5, 2, 3]).to("float64").requiresGrad_(), x2 = randn([5, 2, 3]).to("float64");
  const [, s1] = lstm.forward(x1);
  const carried = nn.detachState(s1);
  assert.equal(carried[0].requiresGrad, false);
  assert.deepEqual(carried[0].toArray(), s1[0].toArray());
  const [out2] = lstm.forward(x2, carried);
  out2.sum().backward();
  assert.equal(x1.grad, null, "no gradient flows into the previous chunk");
  assert.ok(Object.fromEntries(lstm.namedParameters()).weight_hh_l0.grad !== null);
  // without detaching, the gradient does reach x1
  const [, s1b] = lstm.forward(x1);
  lstm.forward(x2, s1b)[0].sum().backward();
  const g1 = x1.grad as Tensor | null;
  assert.ok(g1 !== null && Math.max(...Array.from(g1.toArray(), Math.abs)) > 0);
  assert.equal(nn.detachState(null), null);
  assert.throws(() => nn.detachState(3 as never), /expected a Tensor/);
});

test("clipGradNorm_ bounds an exploding recurrent gradient", () => {
  manualSeed(2);
  const rnn = new nn.RNN(2, 8, { nonlinearity: "relu" });
  for (const p of rnn.parameters()) p.data.mul_(6); // large weights: the gradient explodes over 30 steps
  rnn.forward(randn([30, 4, 2]))[0].sum().backward();
  const total = nn.utils.clipGradNorm_(rnn.parameters(), 1.0).item();
  assert.ok(total > 100, `pre-clip norm ${total}`);
  const after = Math.sqrt(rnn.parameters().reduce((s, p) => s + Array.from(p.grad!.toArray()).reduce((a, v) => a + v * v, 0), 0));
  assert.ok(Math.abs(after - 1) < 1e-4, `post-clip norm ${after}`);
});

test("sequence errors teach", () => {
  assert.throws(() => nn.padSequence([]), /non-empty array/);
  assert.throws(() => nn.padSequence([randn([2, 3]), randn([2, 4])]), /item 1 has shape \[2, 4\]/);
  assert.throws(() => nn.padSequence([randn([2])], { paddingSide: "middle" as never }), /paddingSide must be "right" or "left"/);
  const s = randn([2, 3, 5]);
  assert.throws(() => F.temporalSoftmaxLoss(s, randint(0, 5, [2, 4])), /targets must be \[N, T\] = \[2, 3\]/);
  assert.throws(() => F.temporalSoftmaxLoss(s, randint(0, 5, [2, 3]).to("float32")), /targets must be int32/);
  assert.throws(() => F.temporalSoftmaxLoss(s, randint(0, 5, [2, 3]), ones([3, 2])), /mask must be \[N, T\] = \[2, 3\]/);
  assert.throws(() => F.temporalSoftmaxLoss(randn([2, 3]) as Tensor, randint(0, 5, [2, 3])), /scores must be \[N, T, V\]/);
});
