// The backward engine: walk the graph from the roots in reverse topological order, call each
// node's backward once all gradients flowing into it are summed, and accumulate into leaves.

import { Tensor } from "../tensor/tensor.js";
import { fmtShape, shapeEquals } from "../tensor/shape.js";
import { onesLike } from "../tensor/creation.js";
import { setGradEnabled } from "./grad_mode.js";
import { Node } from "./node.js";
import { GradStorage } from "./grad_storage.js";
import { noteBackward } from "../tensor/pool.js";

export interface BackwardOptions {
  retainGraph?: boolean;
  createGraph?: boolean;
  /** When given, gradients for exactly these tensors are returned and no .grad is touched. */
  inputs?: readonly Tensor[];
}

function runHooks(t: Tensor, g: Tensor): Tensor {
  if (!t._hooks) return g;
  for (const h of t._hooks) {
    const r = h(g);
    if (r instanceof Tensor) g = r;
  }
  return g;
}

function accumulateLeaf(leaf: Tensor, g: Tensor, createGraph: boolean, store: GradStorage | null): void {
  if (leaf._hooks) {
    store?.taint(g);
    g = runHooks(leaf, g);
    store?.taint(g);
  }
  if (leaf.grad === null) {
    // Own the storage: a gradient that aliases another tensor would change under the user's
    // feet. One the engine allocated and no one else holds can be kept as it is.
    if (createGraph) leaf.grad = g;
    else if (store?.owns(g, 0)) { store.taint(g); leaf.grad = g.detach(); }
    else leaf.grad = g.detach().clone();
  } else {
    leaf.grad = createGraph ? leaf.grad.add(g) : leaf.grad.detach().add(g.detach());
  }
}

function checkGrad(where: string, expected: readonly number[], g: Tensor): void {
  if (!shapeEquals(expected, g.shape)) {
    throw new Error(`backward: ${where} produced a gradient of shape ${fmtShape(g.shape)} for an input of shape ${fmtShape(expected)}`);
  }
}

/** Nodes reachable from the roots, in an order where every node comes before its inputs' nodes. */
function topoOrder(roots: Node[]): Node[] {
  const visited = new Set<Node>();
  const post: Node[] = [];
  const stack: [Node, number][] = [];
  for (const r of roots) {
    if (visited.has(r)) continue;
    visited.add(r);
    stack.push([r, 0]);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [node, i] = top;
      if (i < node.inputs.length) {
        top[1]++;
        const child = node.inputs[i]?.gradFn as Node | null | undefined;
        if (child && !visited.has(child)) {
          visited.add(child);
          stack.push([child, 0]);
        }
      } else {
        stack.pop();
        post.push(node);
      }
    }
  }
  return post.reverse();
}

/**
 * Backpropagate from `roots` with the given output gradients (null = ones for scalars). Without
 * `inputs`, accumulates into leaves' .grad; with `inputs`, returns their gradients instead.
 */
export function backward(roots: Tensor[], grads: (Tensor | null)[], options: BackwardOptions = {}): (Tensor | null)[] {
  const createGraph = options.createGraph ?? false;
  const capture = options.inputs ? new Map(options.inputs.map((t, i) => [t, i] as [Tensor, number])) : null;
  const captured: (Tensor | null)[] = options.inputs ? options.inputs.map(() => null) : [];
  const captureNodes = new Map<Node, number>();
  if (options.inputs) options.inputs.forEach((t, i) => { if (t.gradFn) captureNodes.set(t.gradFn as Node, i); });
  const retainGraph = options.retainGraph ?? createGraph;
  noteBackward();
  // Gradients passed between nodes go back to the pool as soon as they are consumed.
  const store = !capture && !retainGraph && !createGraph ? new GradStorage() : null;
  const sink = (leaf: Tensor, g: Tensor): void => {
    if (!capture) return accumulateLeaf(leaf, g, createGraph, store);
    const i = capture.get(leaf);
    if (i === undefined) return;
    captured[i] = captured[i] === null ? g : captured[i]!.add(g);
  };
  const pending = new Map<Node, Tensor>();
  const rootNodes: Node[] = [];
  const prevMode = setGradEnabled(createGraph);
  try {
    roots.forEach((root, k) => {
      if (!root._requiresGrad) {
        throw new Error("backward: this tensor does not require grad and has no gradFn; did you forget requiresGrad: true on an input, or compute it under noGrad?");
      }
      let g = grads[k];
      if (g == null) {
        if (root.size !== 1) {
          throw new Error(`backward: a gradient can be created implicitly only for one-element outputs; got shape ${fmtShape(root.shape)}. Pass a gradient of that shape: y.backward(grad)`);
        }
        g = onesLike(root);
      } else {
        if (!(g instanceof Tensor)) throw new Error("backward: gradient must be a Tensor");
        checkGrad("the gradient passed to backward()", root.shape, g);
        if (g.dtype !== root.dtype) g = g.to(root.dtype);
      }
      const node = root.gradFn as Node | null;
      if (node === null) {
        sink(root, g);
        return;
      }
      const prev = pending.get(node);
      const sum = prev ? prev.add(g) : g;
      store?.hold(sum);
      if (prev) store?.drop(prev);
      pending.set(node, sum);
      rootNodes.push(node);
    });

    const order = topoOrder(rootNodes);
    for (const node of order) {
      let g = pending.get(node);
      pending.delete(node);
      if (g === undefined) continue; // no gradient flowed here (e.g. an input unused by its consumers)
      const ci = captureNodes.get(node);
      if (ci !== undefined) captured[ci] = g;
      const held = g;
      const out = node.output;
      if (out && !capture) {
        if (out._hooks) {
          store?.taint(g);
          g = runHooks(out, g);
          store?.taint(g);
        }
        if (out._retainsGrad) out.grad = createGraph ? g : g.detach().clone();
      }
      if (node.userCode) store?.taint(g);
      const inputGrads = node.apply(g);
      // Gradients used here and not kept; recycled once every input's gradient is placed (two
      // inputs may get the same storage).
      const used: Tensor[] = [];
      for (let i = 0; i < node.inputs.length; i++) {
        const input = node.inputs[i];
        const gi = inputGrads[i];
        if (!input || !gi) continue;
        checkGrad(node.name, input.shape, gi);
        if (node.userCode) store?.taint(gi);
        const gcast = gi.dtype === input.dtype ? gi : gi.to(input.dtype);
        if (gcast !== gi) used.push(gi);
        const child = input.gradFn as Node | null;
        if (child) {
          const prev = pending.get(child);
          if (!prev) {
            store?.hold(gcast);
            pending.set(child, gcast);
          } else if (store?.owns(prev, 1) && gcast.storage !== prev.storage) {
            prev.add_(gcast); // the engine's own buffer: sum in place
            used.push(gcast);
          } else {
            const sum = prev.add(gcast);
            store?.hold(sum);
            store?.drop(prev);
            used.push(gcast);
            pending.set(child, sum);
          }
        } else {
          sink(input, gcast);
          used.push(gcast);
        }
      }
      if (store) {
        for (const t of used) store.discard(t);
        store.drop(held);
      }
      if (!retainGraph) node.release();
    }
  } finally {
    setGradEnabled(prevMode);
    store?.close();
  }
  return captured;
}

/**
 * Gradients of `outputs` with respect to `inputs`, returned rather than accumulated into .grad
 * (torch.autograd.grad). With createGraph the results are themselves differentiable.
 */
export function grad(
  outputs: Tensor | Tensor[],
  inputs: Tensor | Tensor[],
  options: Omit<BackwardOptions, "inputs"> & { gradOutputs?: (Tensor | null)[]; allowUnused?: boolean } = {},
): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  ins.forEach((t, i) => { if (!t._requiresGrad) throw new Error(`grad: input ${i} does not require grad`); });
  const result = backward(outs, options.gradOutputs ?? outs.map(() => null), { ...options, inputs: ins });
  result.forEach((r, i) => {
    if (r === null && !options.allowUnused) throw new Error(`grad: input ${i} was not used in the graph of the outputs; pass allowUnused: true to get null for it`);
  });
  return result;
}
