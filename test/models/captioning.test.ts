// models.CaptioningModel and SoftAttention: the attention against a plain-JS evaluation of its
// formula, float64 gradchecks (attention; the whole model's loss through encoder, attention and
// LSTM/RNN cells), the masked loss, greedy and beam decoding (log-probabilities consistent with
// teacher forcing, beam 1 = greedy, <NULL> after <END>), overfitting four scenes, and errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, tensor, randn, manualSeed, nn, optim, noGrad, stack, F, models, text } from "../../src/index.js";
import { assertClose, assertGradcheck } from "../helpers.js";
import { generateScenes } from "../../src/data/datasets/scenes.js";

const { CaptioningModel, SoftAttention } = models;
const ids = (rows: number[][]): Tensor => tensor(rows, { dtype: "int32" });

test("SoftAttention computes softmax(w·tanh(W_f f + W_h h)) and Σ a·f (checked in plain JS)", () => {
  manualSeed(1);
  const att = new SoftAttention(4, 5, { attentionDim: 3, dtype: "float64" });
  const f = randn([2, 6, 4], { dtype: "float64" }), h = randn([2, 5], { dtype: "float64" });
  const [ctx, a] = att.forward(f, h);
  assert.deepEqual([ctx.shape, a.shape], [[2, 4], [2, 6]]);
  const F_ = f.toArray(), H = h.toArray(), Wf = att.featureProj.weight.toArray(), bf = att.featureProj.bias!.toArray();
  const Wh = att.hiddenProj.weight.toArray(), bh = att.hiddenProj.bias!.toArray(), w = att.score.weight.toArray();
  const wantA: number[] = [], wantC: number[] = [];
  for (let n = 0; n < 2; n++) {
    const e = [];
    for (let l = 0; l < 6; l++) {
      let s = 0;
      for (let k = 0; k < 3; k++) {
        let z = bf[k] + bh[k];
        for (let c = 0; c < 4; c++) z += Wf[k * 4 + c] * F_[(n * 6 + l) * 4 + c];
        for (let j = 0; j < 5; j++) z += Wh[k * 5 + j] * H[n * 5 + j];
        s += w[k] * Math.tanh(z);
      }
      e.push(s);
    }
    const m = Math.max(...e), ex = e.map((v) => Math.exp(v - m)), Z = ex.reduce((x, y) => x + y);
    const an = ex.map((v) => v / Z);
    wantA.push(...an);
    for (let c = 0; c < 4; c++) wantC.push(an.reduce((acc, v, l) => acc + v * F_[(n * 6 + l) * 4 + c], 0));
  }
  assertClose(a.reshape(-1), wantA, { rtol: 1e-12, atol: 1e-14 });
  assertClose(ctx.reshape(-1), wantC, { rtol: 1e-12, atol: 1e-14 });
  // Precomputed projections give the same result.
  const [ctx2] = att.forward(f, h, att.projectFeatures(f));
  assert.deepEqual(Array.from(ctx2.toArray()), Array.from(ctx.toArray()));
  assert.deepEqual(att.namedParameters().map(([k]) => k), ["featureProj.weight", "featureProj.bias", "hiddenProj.weight", "hiddenProj.bias", "score.weight"]);
});

test("SoftAttention passes a float64 gradcheck (features and hidden state)", () => {
  manualSeed(2);
  const att = new SoftAttention(3, 4, { attentionDim: 3, dtype: "float64" });
  assertGradcheck((f, h) => att.forward(f, h), [randn([2, 5, 3], { dtype: "float64" }), randn([2, 4], { dtype: "float64" })]);
});

/** A tiny float64 model: a stride-2 conv encoder (4×4 image → 2×2 grid of 4 channels). */
function tiny(cellType: "rnn" | "lstm", attention: boolean): InstanceType<typeof CaptioningModel> {
  const encoder = new nn.Conv2d(3, 4, 3, { stride: 2, padding: 1 });
  return new CaptioningModel({ encoder, vocabSize: 7, cellType, attention, embedDim: 3, hiddenDim: 5, attentionDim: 3, inputShape: [3, 4, 4] }).to("float64");
}

test("the whole captioning loss passes float64 gradchecks (lstm/rnn, with and without attention)", () => {
  const caps = ids([[1, 4, 5, 2, 0], [1, 6, 2, 0, 0]]);
  for (const cell of ["lstm", "rnn"] as const) {
    for (const attention of [true, false]) {
      manualSeed(3);
      const m = tiny(cell, attention);
      assertGradcheck((x) => m.loss(x, caps), [randn([2, 3, 4, 4], { dtype: "float64" })]);
    }
  }
});

test("forward shapes, state-dict keys, and the masked temporal softmax loss", () => {
  manualSeed(4);
  const m = tiny("lstm", true);
  const x = randn([2, 3, 4, 4], { dtype: "float64" });
  const caps = ids([[1, 4, 5, 2, 0], [1, 6, 2, 0, 0]]);
  const { scores, attention } = m.forward(x, caps.narrow(1, 0, 4).contiguous());
  assert.deepEqual(scores.shape, [2, 4, 7]);
  assert.deepEqual(attention!.shape, [2, 4, 4]);
  assertClose(attention!.sum(2).reshape(-1), new Array(8).fill(1), { rtol: 1e-12 });
  // loss = −Σ over non-<NULL> targets of log softmax(scores)[target] / N, by hand.
  const lp = F.logSoftmax(scores, 2).toArray(), tg = [[4, 5, 2, 0], [6, 2, 0, 0]];
  let want = 0;
  tg.forEach((row, n) => row.forEach((t, s) => { if (t !== 0) want -= lp[(n * 4 + s) * 7 + t]; }));
  assertClose(m.loss(x, caps), want / 2, { rtol: 1e-12 });
  // Extra <NULL> padding changes nothing.
  assertClose(m.loss(x, ids([[1, 4, 5, 2, 0, 0, 0], [1, 6, 2, 0, 0, 0, 0]])), want / 2, { rtol: 1e-12 });
  assert.deepEqual(m.stateDict() && Object.keys(m.stateDict()), [
    "encoder.weight", "encoder.bias", "initH.weight", "initH.bias", "initC.weight", "initC.bias", "embed.weight",
    "attention.featureProj.weight", "attention.featureProj.bias", "attention.hiddenProj.weight", "attention.hiddenProj.bias", "attention.score.weight",
    "cell.weight_ih", "cell.weight_hh", "cell.bias_ih", "cell.bias_hh", "head.weight", "head.bias",
  ]);
  const r = tiny("rnn", false);
  assert.deepEqual(Object.keys(r.stateDict()).filter((k) => !k.startsWith("encoder")), [
    "initH.weight", "initH.bias", "embed.weight", "cell.weight_ih", "cell.weight_hh", "cell.bias_ih", "cell.bias_hh", "head.weight", "head.bias",
  ]);
  assert.equal(r.forward(x, caps).attention, null);
  assert.deepEqual(r.cell.weight_ih.shape, [5, 3]);
  assert.deepEqual(m.cell.weight_ih.shape, [20, 3 + 4], "with attention the cell reads [embedding, context]");
});

/** Σ log p(word) of decoded rows under teacher forcing (up to and including <END>). */
function teacherLogProbs(m: InstanceType<typeof CaptioningModel>, x: Tensor, rows: number[][]): number[] {
  return rows.map((r, n) => {
    const words = r.slice(0, r.includes(2) ? r.indexOf(2) + 1 : r.findIndex((v) => v === 0) < 0 ? r.length : r.indexOf(0));
    const input = ids([[1, ...words.slice(0, -1)]]);
    const lp = noGrad(() => F.logSoftmax(m.forward(x.narrow(0, n, 1), input).scores, 2)).toArray();
    return words.reduce((acc, w, t) => acc + lp[t * 7 + w], 0);
  });
}

test("greedy and beam decoding: consistent log-probabilities, beam 1 = greedy, <NULL> after <END>", () => {
  for (const attention of [true, false]) {
    manualSeed(5);
    const m = tiny("lstm", attention).eval();
    const x = randn([3, 3, 4, 4], { dtype: "float64" });
    const g = m.sample(x, { maxLength: 6 });
    const rows = g.captions.tolist() as number[][];
    assert.equal(g.captions.dtype, "int32");
    assert.ok(rows.every((r) => r.length <= 6));
    rows.forEach((r) => { const e = r.indexOf(2); if (e >= 0) assert.ok(r.slice(e + 1).every((v) => v === 0)); });
    teacherLogProbs(m, x, rows).forEach((v, n) => assert.ok(Math.abs(v - g.logProbs[n]) < 1e-9, `greedy ${n}: ${v} vs ${g.logProbs[n]}`));
    const b1 = m.beamSearch(x, { beamSize: 1, maxLength: 6 });
    assert.deepEqual(b1.captions.tolist(), g.captions.tolist());
    const b3 = m.beamSearch(x, { beamSize: 3, maxLength: 6 });
    teacherLogProbs(m, x, b3.captions.tolist() as number[][]).forEach((v, n) => assert.ok(Math.abs(v - b3.logProbs[n]) < 1e-9));
    if (attention) {
      assert.deepEqual(g.grid, [2, 2]);
      const A = g.attention!.toArray(), T = g.captions.shape[1];
      rows.forEach((r, n) => r.forEach((w, t) => {
        const s = Array.from(A.slice((n * T + t) * 4, (n * T + t + 1) * 4)).reduce((p, q) => p + q, 0);
        assert.ok(Math.abs(s - (w === 0 ? 0 : 1)) < 1e-6, `attention row ${n},${t} sums to ${s}`);
      }));
      assert.deepEqual(b3.attention!.shape, [3, b3.captions.shape[1], 4]);
    } else {
      assert.equal(g.attention, null);
    }
  }
});

test("an attention LSTM captioner overfits four scenes and decodes their captions", async () => {
  manualSeed(6);
  const scenes = generateScenes({ count: 4, imageSize: 16, seed: 3, maxObjects: 2 });
  const vocab = text.Vocabulary.fromCaptions(scenes.map((s) => s.caption));
  const x = stack(scenes.map((s) => s.image), 0);
  const y = tensor(vocab.encodeBatch(scenes.map((s) => s.caption)), { dtype: "int32" });
  // A small encoder keeps the test fast (the CLI test trains the default captioningEncoder).
  const encoder = new nn.Sequential(new nn.Conv2d(3, 16, 3, { stride: 2, padding: 1 }), new nn.ReLU(), new nn.Conv2d(16, 16, 3, { stride: 2, padding: 1 }), new nn.ReLU());
  const m = new CaptioningModel({ encoder, vocab, attention: true, embedDim: 16, hiddenDim: 32, attentionDim: 16, inputShape: [3, 16, 16] });
  const opt = new optim.Adam(m.parameters(), { lr: 0.01 });
  let first = 0, last = 0;
  for (let i = 0; i < 60; i++) {
    const loss = m.loss(x, y);
    opt.zeroGrad(); loss.backward(); opt.step();
    if (i === 0) first = loss.item();
    last = loss.item();
    await new Promise((r) => setImmediate(r));
  }
  assert.ok(last < first / 20, `loss ${first} → ${last}`);
  m.eval();
  assert.deepEqual(m.caption(x), scenes.map((s) => s.caption));
  assert.deepEqual(m.caption(x, { beamSize: 2 }), scenes.map((s) => s.caption));
});

test("captioning errors teach", () => {
  const enc = new nn.Conv2d(3, 4, 3, { stride: 2, padding: 1 });
  assert.throws(() => new CaptioningModel({ encoder: null as unknown as nn.Module, vocabSize: 7 }), /options.encoder must be a Module/);
  assert.throws(() => new CaptioningModel({ encoder: enc, vocabSize: 3 }), /give vocabSize \(an integer > 3/);
  assert.throws(() => new CaptioningModel({ encoder: enc, vocabSize: 7, cellType: "gru" as "rnn" }), /cellType must be "rnn" or "lstm", got "gru"/);
  assert.throws(() => new CaptioningModel({ encoder: new nn.Linear(3, 4), vocabSize: 7 }), /could not find the encoder's feature channels .* pass featureChannels/);
  const m = new CaptioningModel({ encoder: enc, vocabSize: 7, inputShape: [3, 4, 4] });
  assert.equal(m.featureChannels, 4);
  const x = randn([2, 3, 4, 4]);
  assert.throws(() => m.forward(x, tensor([[1, 2]])), /words must be int32 \[N, T\], got float32 \[1, 2\]/);
  assert.throws(() => m.forward(x, ids([[1, 2]])), /2 images but 1 captions/);
  assert.throws(() => m.loss(x, ids([[1], [1]])), /captions must be int32 \[N, T\+1\] with T ≥ 1/);
  assert.throws(() => m.forward(randn([3, 4, 4]), ids([[1]])), /images must be \[N, C, H, W\], got \[3, 4, 4\]/);
  assert.throws(() => m.sample(x, { maxLength: 0 }), /maxLength must be an integer ≥ 1, got 0/);
  assert.throws(() => m.beamSearch(x, { beamSize: 0 }), /beamSize must be an integer ≥ 1, got 0/);
  assert.throws(() => m.caption(x), /built without a vocab/);
  assert.throws(() => new SoftAttention(4, 0), /hiddenDim must be an integer ≥ 1, got 0/);
  assert.throws(() => new SoftAttention(4, 5).forward(randn([2, 3, 5]), randn([2, 5])), /features must be \[N, L, C\] with C = 4, got \[2, 3, 5\]/);
  assert.throws(() => new SoftAttention(4, 5).forward(randn([2, 3, 4]), randn([3, 5])), /hidden must be \[N, H\] = \[2, 5\], got \[3, 5\]/);
});
