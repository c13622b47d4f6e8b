// Fill the Tensor's dispatch table: the one place where `x.add(y)` and friends meet the ops.

import { registerOps } from "../tensor/dispatch.js";
import { backward } from "../autograd/engine.js";
import * as ew from "./elementwise.js";
import * as red from "./reduce.js";
import * as shp from "./shape.js";
import * as mm from "./matmul.js";
import * as idx from "./indexing.js";
import * as act from "./activation.js";

registerOps({
  backward,
  // elementwise
  to: ew.to, clone: ew.clone, add: ew.add, sub: ew.sub, mul: ew.mul, div: ew.div, pow: ew.pow,
  maximum: ew.maximum, minimum: ew.minimum, clamp: ew.clamp, neg: ew.neg, exp: ew.exp, log: ew.log,
  log1p: ew.log1p, sqrt: ew.sqrt, rsqrt: ew.rsqrt, square: ew.square, reciprocal: ew.reciprocal,
  abs: ew.abs, sign: ew.sign, sin: ew.sin, cos: ew.cos, tanh: ew.tanh, sigmoid: ew.sigmoid,
  relu: ew.relu, floor: ew.floor, ceil: ew.ceil, round: ew.round,
  eq: ew.eq, ne: ew.ne, lt: ew.lt, le: ew.le, gt: ew.gt, ge: ew.ge, maskedFill: ew.maskedFill,
  fill_: ew.fill_, copy_: ew.copy_, inplace: ew.inplace,
  // reductions
  sum: red.sum, mean: red.mean, var: red.variance, std: red.std, max: red.max, min: red.min,
  argmax: red.argmax, argmin: red.argmin, logsumexp: red.logsumexp, norm: red.norm,
  // linear algebra
  matmul: mm.matmul, mm: mm.mm, bmm: mm.bmm,
  // shape
  reshape: shp.reshape, view: shp.view, transpose: shp.transpose, t: shp.t, permute: shp.permute,
  flatten: shp.flatten, unflatten: shp.unflatten, squeeze: shp.squeeze, unsqueeze: shp.unsqueeze,
  expand: shp.expand, narrow: shp.narrow, select: shp.select, chunk: shp.chunk, split: shp.split,
  repeat: shp.repeat,
  // indexing
  indexSelect: idx.indexSelect, gather: idx.gather, scatterAdd: idx.scatterAdd,
  // activations
  softmax: act.softmax, logSoftmax: act.logSoftmax,
});
