// clipGradNorm_ / clipGradValue_ against PyTorch 1.13's torch.nn.utils.clip_grad_norm_ /
// clip_grad_value_: total norms (2, 1, inf, 3, 0.5) and clipped gradients.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, optim, tensor } from "../../src/index.js";
import type { DType } from "../../src/index.js";
import { T, assertClose, loadFixture } from "../helpers.js";

const fx = loadFixture("optim");

function paramsWithGrads(dtype: DType): Tensor[] {
  return fx.clip.grads.map((g: never) => {
    const p = T(g, { dtype }).mul(0).requiresGrad_(true);
    p.grad = T(g, { dtype });
    return p;
  });
}

for (const dtype of ["float64", "float32"] as DType[]) {
  test(`clipGradNorm_ matches PyTorch (${dtype})`, () => {
    for (const c of fx.clip.norm) {
      const ps = paramsWithGrads(dtype);
      const total = optim.clipGradNorm_(ps, c.maxNorm, { normType: c.normType });
      assert.equal(total.dtype, dtype);
      assert.deepEqual(total.shape, []);
      assertClose(total, T(c.total), { msg: `total norm, normType ${c.normType}` });
      ps.forEach((p, i) => assertClose(p.grad!, T(c.grads[i]), { msg: `grad ${i}, normType ${c.normType}, maxNorm ${c.maxNorm}` }));
    }
  });

  test(`clipGradValue_ matches PyTorch (${dtype})`, () => {
    const ps = paramsWithGrads(dtype);
    assert.equal(optim.clipGradValue_(ps, fx.clip.value.clipValue), undefined);
    ps.forEach((p, i) => assertClose(p.grad!, T(fx.clip.value.grads[i]), { msg: `grad ${i}` }));
  });
}

test("clipping: single tensors, params without grads, non-finite norms, strided grads", () => {
  const p = tensor([3, 4], { dtype: "float64", requiresGrad: true });
  p.grad = tensor([3, 4], { dtype: "float64" });
  const q = tensor([1], { dtype: "float64", requiresGrad: true }); // no grad: ignored
  assert.equal(optim.clipGradNorm_([p, q], 1).item(), 5);
  assertClose(p.grad, tensor([3 / (5 + 1e-6), 4 / (5 + 1e-6)], { dtype: "float64" }));
  assert.equal(optim.clipGradNorm_(q, 1).item(), 0); // nothing has a grad
  assert.equal(optim.clipGradNorm_(p, 10, { normType: "inf" }).item(), 4 / (5 + 1e-6));

  p.grad = tensor([Infinity, 1], { dtype: "float64" });
  assert.throws(() => optim.clipGradNorm_(p, 1, { errorIfNonfinite: true }), /total norm of order 2 for gradients from `parameters` is non-finite/);
  assert.equal(optim.clipGradNorm_(p, 1).item(), Infinity); // like PyTorch: the grads become 0 and NaN
  assert.deepEqual(p.grad.tolist(), [NaN, 0]);

  // A strided (transposed) gradient is scaled and clamped through its view.
  const w = tensor([[0, 0], [0, 0]], { dtype: "float64", requiresGrad: true });
  w.grad = tensor([[1, 2], [3, 4]], { dtype: "float64" }).transpose(0, 1);
  optim.clipGradValue_(w, 2.5);
  assert.deepEqual(w.grad.tolist(), [[1, 2.5], [2, 2.5]]);
  optim.clipGradNorm_(w, 1, { normType: 1 });
  assertClose(w.grad, tensor([[1, 2.5], [2, 2.5]], { dtype: "float64" }).mul(1 / (8 + 1e-6)));
  assert.throws(() => optim.clipGradNorm_([p], 1, { normType: "two" as never }), /normType must be a number or "inf"/);
});
