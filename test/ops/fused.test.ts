// Fused ops: batch norm + ReLU (F.batchNormReLU, nn.batchNormReLU, nn.Sequential's fusion) and
// add + ReLU (F.addReLU, nn.addReLU). The same numbers as the composed ops — whose parts are
// checked against PyTorch elsewhere — in float32 on every backend's kernels, and float64
// gradchecks; fused only when no hook or subclass could see the intermediate.
import { test } from "node:test";
import assert from "node:assert/strict";
import { F, nn, Tensor, randn, tensor, autograd, manualSeed, enableGrad } from "../../src/index.js";
import { assertClose, assertGradcheck } from "../helpers.js";

/** Output and input/weight/bias gradients of fn on fresh float32 copies of x, w, b. */
function run(fn: (x: Tensor, w: Tensor, b: Tensor) => Tensor, x: Tensor, w: Tensor, b: Tensor, g: Tensor): Tensor[] {
  const [xi, wi, bi] = [x, w, b].map((t) => t.detach().clone().requiresGrad_(true));
  const y = fn(xi, wi, bi);
  y.backward(g);
  return [y.detach(), xi.grad!, wi.grad!, bi.grad!];
}

test("batchNormReLU: equals relu(batchNorm) with its gradients, training and eval, float32 (every backend's kernels)", () => {
  manualSeed(4);
  // [16, 8, 12, 12]: 18,432 elements, above the fast backends' size thresholds.
  const x = randn([16, 8, 12, 12]).mul(1.5).add(0.2), w = randn([8]), b = randn([8]).mul(0.5);
  const g = randn([16, 8, 12, 12]);
  for (const training of [true, false]) {
    const rm = randn([8]).mul(0.1), rv = randn([8]).abs().add(0.5);
    const opts = (wt: Tensor, bs: Tensor) => ({ weight: wt, bias: bs, training });
    const fused = run((x, w, b) => F.batchNormReLU(x, rm.clone(), rv.clone(), opts(w, b)), x, w, b, g);
    const plain = run((x, w, b) => F.relu(F.batchNorm(x, rm.clone(), rv.clone(), opts(w, b))), x, w, b, g);
    const zeros = fused[0].toArray().filter((v) => v === 0).length;
    assert.ok(zeros > 1000 && zeros < fused[0].size - 1000, `ReLU should cut about half: ${zeros} zeros`);
    const names = ["output", "grad x", "grad weight", "grad bias"];
    fused.forEach((f, i) => assertClose(f, plain[i], { atol: 1e-5, rtol: 1e-5, msg: `${names[i]} (training ${training})` }));
  }
  const nan = F.batchNormReLU(tensor([[NaN, 1], [2, 3]]), null, null, { training: true }).toArray();
  assert.ok(Number.isNaN(nan[0]) && Number.isNaN(nan[2]), "NaN must stay NaN, as in relu");
});

test("batchNormReLU: float64 gradcheck (training, eval) and double backward", () => {
  manualSeed(2);
  const x = randn([3, 2, 3]).double(), w = randn([2]).double(), b = randn([2]).double().mul(0.3);
  assertGradcheck((x, w, b) => F.batchNormReLU(x, null, null, { weight: w, bias: b, training: true }), [x, w, b]);
  const rm = tensor([0.1, -0.2], { dtype: "float64" }), rv = tensor([0.5, 1.5], { dtype: "float64" });
  assertGradcheck((x, w, b) => F.batchNormReLU(x, rm, rv, { weight: w, bias: b }), [x, w, b]);
  const g = randn([3, 2, 3]).double();
  assertGradcheck((x, w) => enableGrad(() => {
    const y = F.batchNormReLU(x, null, null, { weight: w, bias: b, training: true });
    const [gx, gw] = autograd.grad(y.mul(g).sum(), [x, w], { createGraph: true });
    return [gx!, gw!];
  }), [x, w]);
});

test("nn.Sequential and nn.batchNormReLU fuse a stock BatchNorm + ReLU, and not when a hook or subclass could see it", () => {
  manualSeed(3);
  const x = randn([4, 3, 5, 5]);
  const net = new nn.Sequential(new nn.Conv2d(3, 4, 3), new nn.BatchNorm2d(4), new nn.ReLU());
  const y = net.forward(x) as Tensor;
  assert.equal(y.gradFn?.name, "BatchNormReluBackward");
  const [conv, bn, relu] = [...net] as [nn.Conv2d, nn.BatchNorm2d, nn.ReLU];
  const plain = new nn.Sequential(conv, bn, relu);
  // Same numbers as the unfused composition (running stats advance once more: eval mode here).
  net.eval();
  const a = net.forward(x) as Tensor;
  const b = relu.forward(bn.forward(conv.forward(x)));
  assertClose(a, b, { atol: 0, rtol: 0, msg: "fused vs composed" });
  net.train();
  // A forward hook on the batch norm must see its output: no fusion.
  let seen: Tensor | null = null;
  const h = bn.registerForwardHook((_m, _i, out) => { seen = out as Tensor; });
  const y2 = plain.forward(x) as Tensor;
  assert.equal(y2.gradFn?.name, "ReluBackward");
  assert.ok(seen !== null && (seen as Tensor).toArray().some((v) => v < 0), "the hook saw the batch norm's output");
  assert.equal(nn.batchNormReLU(bn, relu, conv.forward(x)).gradFn?.name, "ReluBackward");
  h.remove();
  assert.equal(nn.batchNormReLU(bn, relu, conv.forward(x)).gradFn?.name, "BatchNormReluBackward");
  assert.equal(nn.batchNormReLU(bn, null, conv.forward(x)).gradFn?.name, "BatchNormReluBackward");
  class LoudReLU extends nn.ReLU { override forward(t: Tensor): Tensor { return super.forward(t).mul(2); } }
  assert.equal(nn.batchNormReLU(bn, new LoudReLU(), conv.forward(x)).gradFn?.name, "MulBackward");
});

test("addReLU: equals relu(a + b) with its gradients (broadcasting, float32 kernels), gradcheck, NaN", () => {
  manualSeed(6);
  const a = randn([32, 16, 8, 8]), b = randn([32, 16, 8, 8]), c = randn([16, 1, 1]);
  const g = randn([32, 16, 8, 8]);
  for (const [x, y] of [[a, b], [a, c]] as const) {
    const grads = (fn: (p: Tensor, q: Tensor) => Tensor): Tensor[] => {
      const [p, q] = [x, y].map((t) => t.detach().clone().requiresGrad_(true));
      const out = fn(p, q);
      out.backward(g);
      return [out.detach(), p.grad!, q.grad!];
    };
    const fused = grads((p, q) => F.addReLU(p, q)), plain = grads((p, q) => F.relu(p.add(q)));
    fused.forEach((f, i) => assertClose(f, plain[i], { atol: 1e-6, rtol: 1e-6, msg: `addReLU ${["out", "grad a", "grad b"][i]} ${y.shape}` }));
  }
  assertGradcheck((p, q) => F.addReLU(p, q), [randn([3, 4]).double(), randn([4]).double()]);
  const n = F.addReLU(tensor([NaN, -1, 2]), tensor([1, 0.5, -3])).toArray();
  assert.ok(Number.isNaN(n[0]) && n[1] === 0 && n[2] === 0);
  // nn.addReLU fuses with a plain ReLU (or none), not with a hooked one.
  const relu = new nn.ReLU();
  assert.equal(nn.addReLU(a.requiresGrad_(true), b, relu).gradFn?.name, "AddReluBackward");
  assert.equal(nn.addReLU(a, b).gradFn?.name, "AddReluBackward");
  const h = relu.registerForwardHook(() => undefined);
  assert.equal(nn.addReLU(a, b, relu).gradFn?.name, "ReluBackward");
  h.remove();
});
