// Optimizer construction errors: PyTorch's messages for bad options, params and groups.

import { test } from "node:test";
import assert from "node:assert/strict";
import { optim, tensor } from "../../src/index.js";

const p = () => tensor([1, 2], { requiresGrad: true });

test("invalid option values raise PyTorch's messages", () => {
  assert.throws(() => new optim.SGD([p()], {} as never), /SGD: parameter group didn't specify a value of required optimization parameter lr/);
  assert.throws(() => new optim.SGD([p()], { lr: -0.1 }), /SGD: Invalid learning rate: -0.1/);
  assert.throws(() => new optim.SGD([p()], { lr: 0.1, momentum: -1 }), /Invalid momentum value: -1/);
  assert.throws(() => new optim.SGD([p()], { lr: 0.1, weightDecay: -1 }), /Invalid weight_decay value: -1/);
  assert.throws(() => new optim.SGD([p()], { lr: 0.1, nesterov: true }), /Nesterov momentum requires a momentum and zero dampening/);
  assert.throws(() => new optim.SGD([p()], { lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0.1 }), /Nesterov momentum requires a momentum and zero dampening/);
  assert.throws(() => new optim.SGD([{ params: [p()], lr: -1 }], { lr: 0.1 }), /Invalid learning rate: -1/);
  assert.throws(() => new optim.Adam([p()], { lr: -1 }), /Adam: Invalid learning rate: -1/);
  assert.throws(() => new optim.Adam([p()], { betas: [1.0, 0.999] }), /Invalid beta parameter at index 0: 1/);
  assert.throws(() => new optim.AdamW([p()], { betas: [0.9, -0.1] }), /AdamW: Invalid beta parameter at index 1: -0.1/);
  assert.throws(() => new optim.Adam([p()], { eps: -1 }), /Invalid epsilon value: -1/);
  assert.throws(() => new optim.Adagrad([p()], { lrDecay: -1 }), /Invalid lr_decay value: -1/);
  assert.throws(() => new optim.Adagrad([p()], { initialAccumulatorValue: -1 }), /Invalid initial_accumulator_value value: -1/);
  assert.throws(() => new optim.RMSprop([p()], { alpha: -1 }), /Invalid alpha value: -1/);
  assert.throws(() => new optim.SGD([p()], { lr: 0.1, weight_decay: 0.1 } as never), /unknown option weight_decay; did you mean weightDecay\?/);
});

test("invalid params raise", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  assert.throws(() => new optim.SGD(x as never, { lr: 0.1 }), /should be an iterable of Tensors or param groups, but got a Tensor/);
  assert.throws(() => new optim.SGD([], { lr: 0.1 }), /optimizer got an empty parameter list/);
  assert.throws(() => new optim.SGD([x.mul(2)], { lr: 0.1 }), /can't optimize a non-leaf Tensor/);
  assert.throws(() => new optim.SGD([x, x], { lr: 0.1 }), /duplicate parameters/);
  assert.throws(() => new optim.SGD([{ params: [x] }, { params: [x] }], { lr: 0.1 }), /some parameters appear in more than one parameter group/);
  assert.throws(() => new optim.SGD([{ params: new Set([x]) }], { lr: 0.1 }), /ordering of tensors in sets will change between runs/);
  assert.throws(() => new optim.SGD([tensor([[1, 2], [3, 4]]).transpose(0, 1)], { lr: 0.1 }), /is not contiguous/);
  assert.throws(() => new optim.SGD([tensor([1], { dtype: "int32" })], { lr: 0.1 }), /dtype int32/);
  // A tensor that does not require grad is accepted (PyTorch too) and simply never has a grad.
  const frozen = tensor([1, 2]);
  const opt = new optim.SGD([frozen], { lr: 0.1 });
  opt.step();
  assert.deepEqual(frozen.tolist(), [1, 2]);
  // A single Tensor as a group's params is wrapped.
  const o2 = new optim.Adam([{ params: x }]);
  assert.equal(o2.paramGroups[0].params.length, 1);
});

test("a gradient of the wrong size is reported, not read out of bounds", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const opt = new optim.SGD([x], { lr: 0.1 });
  x.grad = tensor([1, 2, 3]);
  assert.throws(() => opt.step(), /SGD.step: a parameter of shape \[2\] has a gradient of shape \[3\]/);
});
