// Kestrel contender: one process per backend (KESTREL_BACKEND=js|wasm|native set by the harness).
import { randn, randint, optim, manualSeed, noGrad, backendInfo, autograd, F, Tensor } from "../../src/index.js";
import { refCnn, trainStep } from "../models/refcnn.js";
import { resnet20 } from "../models/resnet20.js";
import { CONV_SHAPES } from "../specs.js";
import { serve, type Instance } from "./protocol.js";

function make(bench: string): Instance {
  manualSeed(0);
  const sg = /^sgemm(\d+)$/.exec(bench);
  if (sg) {
    const n = Number(sg[1]);
    const a = randn([n, n]), b = randn([n, n]);
    return { step: () => a.matmul(b) };
  }
  const cv = /^(conv[AB])_(fwd|bwd)$/.exec(bench);
  if (cv) {
    const s = CONV_SHAPES[cv[1]];
    const x = randn([s.N, s.C, s.H, s.W]), w = randn([s.OC, s.C, 3, 3]).mul(0.1);
    if (cv[2] === "fwd") return { step: () => F.conv2d(x, w, null, { padding: 1 }) };
    // Backward only: the graph is built once and replayed (retainGraph), timing the input and
    // weight gradients exactly as training computes them.
    x.requiresGrad_(true); w.requiresGrad_(true);
    const y = F.conv2d(x, w, null, { padding: 1 });
    const g = randn(y.shape);
    return { step: () => autograd.grad(y, [x, w], { gradOutputs: [g], retainGraph: true }) };
  }
  const cnn = /^cnn(28|32)_train$/.exec(bench);
  if (cnn) {
    const [c, hw] = cnn[1] === "28" ? [1, 28] : [3, 32];
    const model = refCnn(c, hw);
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    const x = randn([64, c, hw, hw]), y = randint(0, 10, [64]);
    return { step: () => trainStep(model, opt, x, y) };
  }
  if (bench === "resnet20_train_b128") {
    const model = resnet20();
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    const x = randn([128, 3, 32, 32]), y = randint(0, 10, [128]);
    return { step: () => trainStep(model, opt, x, y) };
  }
  const inf = /^resnet20_infer_b(\d+)$/.exec(bench);
  if (inf) {
    const model = resnet20().eval();
    const x = randn([Number(inf[1]), 3, 32, 32]);
    return { step: () => noGrad(() => model.forward(x) as Tensor) };
  }
  throw new Error(`unknown benchmark ${bench}`);
}

await serve(() => ({ ...backendInfo(), node: process.version }), make);
