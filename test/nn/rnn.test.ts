// nn.RNN / LSTM / GRU and the cells against PyTorch (test/fixtures/gen_rnn.py): state-dict keys
// and order, outputs, final states and every gradient in float64 (≤ 1e-10) and float32 (1e-5);
// float64 gradchecks of the fused layer op and the modules; double backward through the fused
// op; dropout between layers; the errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { nn, ops, autograd, Tensor, randn, zeros, manualSeed, tensor } from "../../src/index.js";
import type { DType } from "../../src/index.js";
import { loadFixture, T, assertClose, assertGradcheck, type FixtureTensor } from "../helpers.js";

const fx = loadFixture("rnn");

type Kind = "rnn_tanh" | "rnn_relu" | "lstm" | "gru";

function makeModule(kind: Kind, c: { layers: number; bidirectional: boolean; batchFirst: boolean }, dtype: DType): nn.RNNBase {
  const opts = { numLayers: c.layers, bidirectional: c.bidirectional, batchFirst: c.batchFirst, dtype };
  if (kind === "lstm") return new nn.LSTM(2, 2, opts);
  if (kind === "gru") return new nn.GRU(2, 2, opts);
  return new nn.RNN(2, 2, { ...opts, nonlinearity: kind === "rnn_relu" ? "relu" : "tanh" });
}

function loadState(m: nn.Module, state: [string, FixtureTensor][], dtype: DType): void {
  assert.deepEqual(Object.keys(m.stateDict()), state.map(([k]) => k), "state-dict keys and order");
  m.loadStateDict(Object.fromEntries(state.map(([k, v]) => [k, T(v, { dtype })])));
}

/** Run one fixture case in `dtype` and compare everything. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function checkCase(c: any, dtype: DType): void {
  const tag = `${c.kind} layers=${c.layers} bidir=${c.bidirectional} batchFirst=${c.batchFirst} state=${c.withState} unbatched=${c.unbatched} ${dtype}`;
  const m = makeModule(c.kind, c, dtype);
  loadState(m, c.state, dtype);
  const x = T(c.x, { dtype, requiresGrad: true });
  const h0 = c.h0 ? T(c.h0, { dtype, requiresGrad: true }) : null;
  const c0 = c.c0 ? T(c.c0, { dtype, requiresGrad: true }) : null;
  let out: Tensor, hn: Tensor, cn: Tensor | null = null;
  if (c.kind === "lstm") [out, [hn, cn]] = (m as nn.LSTM).forward(x, h0 ? [h0, c0!] : null);
  else [out, hn] = (m as nn.RNN).forward(x, h0);
  assertClose(out, T(c.out), { msg: `${tag} output` });
  assertClose(hn, T(c.hn), { msg: `${tag} h_n` });
  let loss = out.mul(T(c.gOut, { dtype })).sum().add(hn.mul(T(c.gHn, { dtype })).sum());
  if (cn) {
    assertClose(cn, T(c.cn), { msg: `${tag} c_n` });
    loss = loss.add(cn.mul(T(c.gCn, { dtype })).sum());
  }
  loss.backward();
  const params = Object.fromEntries(m.namedParameters());
  for (const [k, g] of c.grads as [string, FixtureTensor][]) assertClose(params[k].grad!, T(g), { msg: `${tag} grad ${k}` });
  assertClose(x.grad!, T(c.gx), { msg: `${tag} grad x` });
  if (h0) assertClose(h0.grad!, T(c.gh0), { msg: `${tag} grad h0` });
  if (c0) assertClose(c0.grad!, T(c.gc0), { msg: `${tag} grad c0` });
}

test("RNN/LSTM/GRU match PyTorch in float64: every layer count, direction, layout and initial state", () => {
  assert.ok(fx.cases.length >= 40);
  for (const c of fx.cases) checkCase(c, "float64");
});

test("RNN/LSTM/GRU match PyTorch in float32 (1e-5)", () => {
  for (const c of fx.cases) checkCase(c, "float32");
});

test("a 2-layer bidirectional LSTM (hidden 4, seq 5, batch 3) matches PyTorch, float64 and float32", () => {
  const b = fx.big;
  for (const dtype of ["float64", "float32"] as const) {
    const m = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, dtype });
    loadState(m, b.state, dtype);
    const x = T(b.x, { dtype, requiresGrad: true });
    const [out, [hn, cn]] = m.forward(x);
    assertClose(out, T(b.out));
    assertClose(hn, T(b.hn));
    assertClose(cn, T(b.cn));
    out.mul(T(b.gOut, { dtype })).sum().backward();
    const params = Object.fromEntries(m.namedParameters());
    for (const [k, g] of b.grads as [string, FixtureTensor][]) assertClose(params[k].grad!, T(g), { msg: `${dtype} ${k}` });
    assertClose(x.grad!, T(b.gx));
  }
});

test("RNNCell, LSTMCell and GRUCell match PyTorch (batched and unbatched)", () => {
  for (const c of fx.cells) {
    const tag = `${c.kind} unbatched=${c.unbatched}`;
    const cell = c.kind === "lstm" ? new nn.LSTMCell(3, 4, { dtype: "float64" }) : c.kind === "gru" ? new nn.GRUCell(3, 4, { dtype: "float64" })
      : new nn.RNNCell(3, 4, { nonlinearity: c.kind === "rnn_relu" ? "relu" : "tanh", dtype: "float64" });
    loadState(cell, c.state, "float64");
    const x = T(c.x, { requiresGrad: true }), h = T(c.h, { requiresGrad: true });
    if (c.kind === "lstm") {
      const cc = T(c.c, { requiresGrad: true });
      const [h1, c1] = (cell as nn.LSTMCell).forward(x, [h, cc]);
      assertClose(h1, T(c.h1), { msg: tag });
      assertClose(c1, T(c.c1), { msg: tag });
      h1.mul(T(c.gH1)).sum().add(c1.mul(T(c.gC1)).sum()).backward();
      assertClose(cc.grad!, T(c.gc), { msg: `${tag} grad c` });
    } else {
      const h1 = (cell as nn.RNNCell).forward(x, h);
      assertClose(h1, T(c.h1), { msg: tag });
      h1.mul(T(c.gH1)).sum().backward();
    }
    const params = Object.fromEntries(cell.namedParameters());
    for (const [k, g] of c.grads as [string, FixtureTensor][]) assertClose(params[k].grad!, T(g), { msg: `${tag} ${k}` });
    assertClose(x.grad!, T(c.gx), { msg: `${tag} grad x` });
    assertClose(h.grad!, T(c.gh), { msg: `${tag} grad h` });
  }
});

test("reprs match PyTorch's", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const ctor: Record<string, any> = { RNN: nn.RNN, LSTM: nn.LSTM, GRU: nn.GRU, RNNCell: nn.RNNCell, LSTMCell: nn.LSTMCell, GRUCell: nn.GRUCell };
  for (const [name, args, opts, expected] of fx.reprs) assert.equal(String(new ctor[name](...args, opts)), expected);
});

test("default initialisation is U(−1/√H, 1/√H) for every parameter", () => {
  manualSeed(0);
  const m = new nn.GRU(8, 16, { numLayers: 2, bidirectional: true });
  for (const [k, p] of m.namedParameters()) {
    const v = p.toArray();
    const mx = Math.max(...v.map(Math.abs));
    assert.ok(mx <= 0.25 && mx > 0.2, `${k}: max |w| = ${mx}, expected just under 1/√16`);
  }
});

test("fused layer op: gradcheck in float64 for every mode and direction", () => {
  manualSeed(1);
  for (const mode of ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"] as const) {
    for (const reverse of [false, true]) {
      const G = ops.gateCount(mode), H = 3;
      const inputs = [randn([3, 2, G * H]), randn([G * H, H]).mul(0.5), randn([G * H]), randn([2, H]), ...(mode === "LSTM" ? [randn([2, H])] : [])];
      assertGradcheck((xp, w, b, h0, c0) => {
        const r = ops.recurrentLayer(mode, xp, w, b, h0, c0 ?? null, { reverse });
        return [r.output, r.h, ...(r.c ? [r.c] : [])];
      }, inputs);
    }
  }
});

test("fused layer op equals the unfused chain of rnnCellStep", () => {
  manualSeed(2);
  for (const mode of ["RNN_TANH", "LSTM", "GRU"] as const) {
    const G = ops.gateCount(mode);
    const xp = randn([4, 3, G * 5]), w = randn([G * 5, 5]).mul(0.4), b = randn([G * 5]), h0 = randn([3, 5]), c0 = randn([3, 5]);
    const f = ops.recurrentLayer(mode, xp, w, b, h0, mode === "LSTM" ? c0 : null, { reverse: true });
    const u = ops.recurrentLayerUnfused(mode, xp, w, b, h0, mode === "LSTM" ? c0 : null, true);
    assertClose(f.output, u.output);
    assertClose(f.h, u.h);
    if (f.c) assertClose(f.c, u.c!);
  }
});

test("double backward through the fused op equals double backward through the unfused graph", () => {
  manualSeed(3);
  for (const mode of ["LSTM", "GRU"] as const) {
    const G = ops.gateCount(mode);
    const base = [randn([3, 2, G * 2]), randn([G * 2, 2]), randn([G * 2]), randn([2, 2]), randn([2, 2])].map((t) => t.to("float64"));
    const second = (fused: boolean): Tensor[] => {
      const ins = base.map((t) => t.clone().requiresGrad_(true));
      const r = fused ? ops.recurrentLayer(mode, ins[0], ins[1], ins[2], ins[3], mode === "LSTM" ? ins[4] : null)
        : ops.recurrentLayerUnfused(mode, ins[0], ins[1], ins[2], ins[3], mode === "LSTM" ? ins[4] : null);
      const y = r.output.pow(2).sum();
      const [gx, gw] = autograd.grad(y, [ins[0], ins[1]], { createGraph: true });
      gx!.pow(2).sum().add(gw!.sum()).backward();
      return [ins[0].grad!, ins[1].grad!, ins[3].grad!];
    };
    const a = second(true), b = second(false);
    a.forEach((t, i) => assertClose(t, b[i], { msg: `${mode} second-order grad ${i}` }));
  }
});

test("modules pass gradcheck w.r.t. input and initial state (float64, tiny)", () => {
  manualSeed(4);
  const lstm = new nn.LSTM(2, 2, { numLayers: 2, bidirectional: true, batchFirst: true, dtype: "float64" });
  assertGradcheck((x, h, c) => { const [o, [hn, cn]] = lstm.forward(x, [h, c]); return [o, hn, cn]; }, [randn([2, 3, 2]), randn([4, 2, 2]), randn([4, 2, 2])]);
  const gru = new nn.GRU(2, 3, { numLayers: 2, dtype: "float64" });
  assertGradcheck((x, h) => gru.forward(x, h), [randn([3, 2]), randn([2, 3])]);
  const cell = new nn.LSTMCell(2, 3, { dtype: "float64" });
  assertGradcheck((x, h, c) => cell.forward(x, [h, c]), [randn([2, 2]), randn([2, 3]), randn([2, 3])]);
});

test("dropout acts between layers only while training, reproducibly under manualSeed", () => {
  manualSeed(5);
  const m = new nn.LSTM(3, 4, { numLayers: 2, dropout: 0.5 });
  const x = randn([5, 2, 3]);
  m.eval();
  const e1 = m.forward(x)[0].toArray(), e2 = m.forward(x)[0].toArray();
  assert.deepEqual(e1, e2, "eval is deterministic");
  m.train();
  manualSeed(9);
  const t1 = m.forward(x)[0].toArray();
  manualSeed(9);
  const t2 = m.forward(x)[0].toArray();
  assert.deepEqual(t1, t2, "same seed, same masks");
  assert.notDeepEqual(t1, e1, "training applies dropout");
  // dropout never touches the input of layer 0 nor the last layer's output: a 1-layer model ignores it.
  const one = new nn.GRU(3, 4, { dropout: 0.5 });
  const a = one.forward(x)[0].toArray();
  one.eval();
  assert.deepEqual(one.forward(x)[0].toArray(), a);
});

test("shapes: batchFirst, bidirectional, unbatched, and zero initial states by default", () => {
  const m = new nn.GRU(3, 4, { numLayers: 3, bidirectional: true, batchFirst: true });
  const [out, hn] = m.forward(randn([2, 5, 3]));
  assert.deepEqual(out.shape, [2, 5, 8]);
  assert.deepEqual(hn.shape, [6, 2, 4]);
  const [o2, h2] = m.forward(randn([5, 3]));
  assert.deepEqual(o2.shape, [5, 8]);
  assert.deepEqual(h2.shape, [6, 4]);
  const r = new nn.RNN(3, 4);
  const x = randn([4, 2, 3]);
  assertClose(r.forward(x)[0], r.forward(x, zeros([1, 2, 4]))[0]);
  // the forward half of the last step's output is h_n of the forward direction; the backward half at t = 0 is h_n reverse
  const bi = new nn.LSTM(3, 4, { bidirectional: true });
  const [bo, [bh]] = bi.forward(x);
  assertClose(bo.select(0, 3).narrow(1, 0, 4), bh.select(0, 0));
  assertClose(bo.select(0, 0).narrow(1, 4, 4), bh.select(0, 1));
});

test("errors teach", () => {
  const m = new nn.LSTM(3, 4, { numLayers: 2 });
  assert.throws(() => m.forward(randn([5, 2, 7])), /LSTM: input.size\(-1\) must be equal to inputSize; expected 3, got 7/);
  assert.throws(() => m.forward(randn([5, 2, 3, 1])), /expected input to be 2-d .* or 3-d/);
  assert.throws(() => m.forward(randn([5, 2, 3]), [randn([1, 2, 4]), randn([2, 2, 4])]), /expected hidden size \[2, 2, 4\], got \[1, 2, 4\]/);
  assert.throws(() => m.forward(randn([5, 2, 3]), [randn([2, 4]), randn([2, 4])]), /hx should be 3-D but got 2-D/);
  assert.throws(() => m.forward(randn([5, 3]), [randn([2, 2, 4]), randn([2, 2, 4])]), /unbatched 2-D input, hx should be 2-D/);
  assert.throws(() => m.forward(randn([0, 2, 3])), /sequence is empty/);
  assert.throws(() => m.forward(randn([5, 2, 3]), randn([2, 2, 4]) as never), /pair \[h0, c0\]/);
  assert.throws(() => m.forward(randn([5, 2, 3]).to("float64")), /linear: input is float64 but weight is float32/);
  assert.throws(() => new nn.RNN(3, 4, { nonlinearity: "sigmoid" as never }), /unknown nonlinearity "sigmoid"/);
  assert.throws(() => new nn.GRU(3, 4, { dropout: 1.5 }), /dropout probability has to be between 0 and 1/);
  assert.throws(() => new nn.GRU(3, 0), /hiddenSize must be an integer ≥ 1/);
  assert.throws(() => new nn.LSTM(3, 4, { numLayers: 0 }), /numLayers must be an integer ≥ 1/);
  assert.throws(() => new nn.LSTMCell(3, 4).forward(randn([2, 5])), /LSTMCell: input has inconsistent input_size: got 5 expected 3/);
  assert.throws(() => new nn.GRUCell(3, 4).forward(randn([2, 3]), randn([3, 4])), /GRUCell: hx has shape \[3, 4\], expected \[2, 4\]/);
  assert.throws(() => ops.recurrentLayer("LSTM", randn([2, 1, 8]), randn([8, 2]), null, randn([1, 2])), /LSTM needs c0/);
  assert.throws(() => ops.recurrentLayer("GRU", randn([2, 1, 8]), randn([6, 2]), null, randn([1, 2])), /xProj must be \[T ≥ 1, batch, 6\]/);
  assert.throws(() => ops.recurrentLayer("LSTM" as never, tensor([1]), randn([8, 2]), null, randn([1, 2])), /xProj must be/);
  assert.throws(() => ops.recurrentLayer("LSTMX" as never, randn([2, 1, 8]), randn([8, 2]), null, randn([1, 2])), /mode must be one of/);
});
