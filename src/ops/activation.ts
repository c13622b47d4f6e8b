// Activations: softmax and logSoftmax (more activations join this family).

import { Tensor } from "../tensor/tensor.js";
import { normDim } from "../tensor/shape.js";
import { record } from "../autograd/node.js";
import { checkFloat, checkTensor } from "./util.js";
import { exp, mul, sub } from "./elementwise.js";
import { logsumexp, sum } from "./reduce.js";

export function logSoftmax(x: Tensor, dim: number): Tensor {
  checkTensor("logSoftmax", x);
  checkFloat("logSoftmax", x);
  const d = normDim("logSoftmax", dim, x.ndim);
  const out = sub(x.detach(), logsumexp(x.detach(), d, true));
  return record("LogSoftmaxBackward", out, [x], (g) => [sub(g, mul(exp(out), sum(g, d, true)))]);
}

export function softmax(x: Tensor, dim: number): Tensor {
  checkTensor("softmax", x);
  checkFloat("softmax", x);
  const d = normDim("softmax", dim, x.ndim);
  const out = exp(logSoftmax(x.detach(), d));
  return record("SoftmaxBackward", out, [x], (g) => [mul(out, sub(g, sum(mul(g, out), d, true)))]);
}
