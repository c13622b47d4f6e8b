// Recurrent ops: one step of an RNN/LSTM/GRU cell written with ops (rnnCellStep: the clear
// definition, used by the cells and as the oracle), and the fused layer (recurrentLayer): the
// whole time loop of one layer and direction as ONE graph node whose backward is hand-written
// backpropagation through time (kernels in rnn_kernels.ts). The fused op is what nn.RNN/LSTM/GRU
// run: the input projection for all steps is one matmul done by the caller, and a step costs a
// GEMM plus one pass of gate arithmetic instead of a dozen recorded ops.
//
// Double backward: when the backward itself is recorded (createGraph), the fused node rebuilds
// the layer from rnnCellStep and differentiates that graph, so higher-order gradients stay exact.

import { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import { record } from "../autograd/node.js";
import { isGradEnabled } from "../autograd/grad_mode.js";
import { grad as autogradGrad } from "../autograd/engine.js";
import { checkFloat, checkTensor } from "./util.js";
import { add, mul, relu, sigmoid, sub, tanh } from "./elementwise.js";
import { matmul } from "./matmul.js";
import { narrow, select, stack, transpose } from "./shape.js";
import { type RecurrentMode, gateCount, recurrentBackward, recurrentForward } from "./rnn_kernels.js";

export { type RecurrentMode, gateCount } from "./rnn_kernels.js";

const MODES: readonly RecurrentMode[] = ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"];

/**
 * One step of a recurrent cell from the input projection gx = x·W_ihᵀ + b_ih ([B, G·H]) and the
 * previous state, with PyTorch's equations and gate order:
 *   RNN:  h' = tanh|relu(gx + h·W_hhᵀ + b_hh)
 *   LSTM: i, f, g, o = σ, σ, tanh, σ of gx + h·W_hhᵀ + b_hh; c' = f⊙c + i⊙g; h' = o⊙tanh(c')
 *   GRU:  r, z = σ(gx_rz + gh_rz); n = tanh(gx_n + r⊙gh_n) with gh = h·W_hhᵀ + b_hh;
 *         h' = (1 − z)⊙n + z⊙h
 * Returns [h', c'] (c' is null except for LSTM).
 */
export function rnnCellStep(
  mode: RecurrentMode, gx: Tensor, h: Tensor, c: Tensor | null, wHh: Tensor, bHh: Tensor | null,
): [Tensor, Tensor | null] {
  const H = wHh.shape[1];
  let gh = matmul(h, transpose(wHh, 0, 1));
  if (bHh) gh = add(gh, bHh);
  const part = (t: Tensor, k: number): Tensor => narrow(t, -1, k * H, H);
  if (mode === "RNN_TANH") return [tanh(add(gx, gh)), null];
  if (mode === "RNN_RELU") return [relu(add(gx, gh)), null];
  if (mode === "LSTM") {
    if (!c) throw new Error("rnnCellStep: LSTM needs a cell state c");
    const a = add(gx, gh);
    const i = sigmoid(part(a, 0)), f = sigmoid(part(a, 1)), g = tanh(part(a, 2)), o = sigmoid(part(a, 3));
    const c2 = add(mul(f, c), mul(i, g));
    return [mul(o, tanh(c2)), c2];
  }
  const r = sigmoid(add(part(gx, 0), part(gh, 0)));
  const z = sigmoid(add(part(gx, 1), part(gh, 1)));
  const n = tanh(add(part(gx, 2), mul(r, part(gh, 2))));
  return [add(mul(sub(1, z), n), mul(z, h)), null];
}

/** The layer as a chain of rnnCellStep calls (the unfused reference; also the double-backward path). */
export function recurrentLayerUnfused(
  mode: RecurrentMode, xProj: Tensor, wHh: Tensor, bHh: Tensor | null, h0: Tensor, c0: Tensor | null, reverse = false,
): { output: Tensor; h: Tensor; c: Tensor | null } {
  const T = xProj.shape[0];
  const outs: Tensor[] = new Array(T);
  let h = h0, c = c0;
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    [h, c] = rnnCellStep(mode, select(xProj, 0, t), h, c, wHh, bHh);
    outs[t] = h;
  }
  return { output: stack(outs, 0), h, c };
}

function checkLayerArgs(mode: RecurrentMode, xProj: Tensor, wHh: Tensor, bHh: Tensor | null, h0: Tensor, c0: Tensor | null): void {
  const op = "recurrentLayer";
  if (!MODES.includes(mode)) throw new Error(`${op}: mode must be one of ${MODES.join(", ")}, got ${JSON.stringify(mode)}`);
  checkTensor(op, xProj, "xProj");
  checkFloat(op, xProj);
  checkTensor(op, wHh, "wHh");
  checkTensor(op, h0, "h0");
  const G = gateCount(mode);
  if (wHh.ndim !== 2 || wHh.shape[0] !== G * wHh.shape[1]) {
    throw new Error(`${op}: wHh must be [${G}·hidden, hidden] for ${mode}, got ${fmtShape(wHh.shape)}`);
  }
  const H = wHh.shape[1];
  if (xProj.ndim !== 3 || xProj.shape[2] !== G * H || xProj.shape[0] < 1) {
    throw new Error(`${op}: xProj must be [T ≥ 1, batch, ${G * H}] (${G} gates × hidden ${H}), got ${fmtShape(xProj.shape)}`);
  }
  const B = xProj.shape[1];
  const state = (t: Tensor | null, name: string): void => {
    if (!t) throw new Error(`${op}: ${mode} needs ${name}`);
    if (t.ndim !== 2 || t.shape[0] !== B || t.shape[1] !== H) throw new Error(`${op}: ${name} must be [${B}, ${H}], got ${fmtShape(t.shape)}`);
  };
  state(h0, "h0");
  if (mode === "LSTM") state(c0, "c0");
  if (bHh && (bHh.ndim !== 1 || bHh.shape[0] !== G * H)) throw new Error(`${op}: bHh must be [${G * H}], got ${fmtShape(bHh.shape)}`);
  for (const [t, name] of [[wHh, "wHh"], [bHh, "bHh"], [h0, "h0"], [c0, "c0"]] as const) {
    if (t && t.dtype !== xProj.dtype) throw new Error(`${op}: ${name} is ${t.dtype} but xProj is ${xProj.dtype}; convert one with .to(dtype)`);
  }
}

/**
 * One recurrent layer in one direction over a whole sequence, fused: given the input
 * projections xProj = x·W_ihᵀ + b_ih for all T steps ([T, B, G·H]), the recurrent weight wHh
 * ([G·H, H]) and bias bHh, and the initial state h0 (and c0 for LSTM) of shape [B, H], returns
 * output [T, B, H] (h_t for each t, in time order even when `reverse`), the final h and (LSTM)
 * the final c. Numbers equal recurrentLayerUnfused's (the definition), gradients are BPTT.
 */
export function recurrentLayer(
  mode: RecurrentMode, xProj: Tensor, wHh: Tensor, bHh: Tensor | null, h0: Tensor, c0: Tensor | null = null,
  options: { reverse?: boolean } = {},
): { output: Tensor; h: Tensor; c: Tensor | null } {
  checkLayerArgs(mode, xProj, wHh, bHh, h0, c0);
  const reverse = options.reverse ?? false;
  const [T, B] = xProj.shape;
  const H = wHh.shape[1];
  const dims = { T, B, H, reverse };
  const W = wHh.dataRowMajor(), H0 = h0.dataRowMajor(), C0 = c0 ? c0.dataRowMajor() : null;
  const saved = recurrentForward(mode, dims, xProj.dataRowMajor(), W, bHh ? bHh.dataRowMajor() : null, H0, C0);
  // One graph node with one output: [h_0 … h_{T−1}, c_N] stacked along time; the results are
  // views of it, so the gradients of output, h_N and c_N all arrive in the one backward.
  const rows = mode === "LSTM" ? T + 1 : T;
  const all = Tensor.fromData(saved.out, [rows, B, H]);
  const inputs = [xProj, wHh, bHh, h0, c0];
  const node = record(`${mode}LayerBackward`, all, inputs, (g) => {
    if (isGradEnabled()) return unfusedGrads(mode, inputs, g, reverse);
    const gd = g.dataRowMajor();
    const r = recurrentBackward(mode, dims, saved, W, H0, C0, gd.subarray(0, T * B * H), mode === "LSTM" ? gd.subarray(T * B * H) : null);
    return [
      Tensor.fromData(r.dxProj, xProj.shape),
      Tensor.fromData(r.dwHh, wHh.shape),
      bHh ? Tensor.fromData(r.dbHh, bHh.shape) : null,
      Tensor.fromData(r.dh0, h0.shape),
      c0 && r.dc0 ? Tensor.fromData(r.dc0, c0.shape) : null,
    ];
  }, { saved: [xProj, wHh, ...(bHh ? [bHh] : []), h0, ...(c0 ? [c0] : [])] });
  const output = mode === "LSTM" ? narrow(node, 0, 0, T) : node;
  return { output, h: select(output, 0, reverse ? 0 : T - 1), c: mode === "LSTM" ? select(node, 0, T) : null };
}

/** Gradients through the unfused graph (recorded, so they are differentiable again). */
function unfusedGrads(mode: RecurrentMode, inputs: (Tensor | null)[], g: Tensor, reverse: boolean): (Tensor | null)[] {
  const [xProj, wHh, bHh, h0, c0] = inputs as [Tensor, Tensor, Tensor | null, Tensor, Tensor | null];
  const r = recurrentLayerUnfused(mode, xProj, wHh, bHh, h0, c0, reverse);
  const all = mode === "LSTM" ? stack([...unstack(r.output), r.c!], 0) : r.output;
  const wanted = inputs.map((t) => (t !== null && t._requiresGrad ? t : null));
  const idx = wanted.flatMap((t, i) => (t ? [i] : []));
  const gs = autogradGrad([all], idx.map((i) => wanted[i]!), { gradOutputs: [g], createGraph: true, allowUnused: true });
  const out: (Tensor | null)[] = inputs.map(() => null);
  idx.forEach((i, k) => { out[i] = gs[k]; });
  return out;
}

function unstack(t: Tensor): Tensor[] {
  return Array.from({ length: t.shape[0] }, (_, i) => select(t, 0, i));
}
