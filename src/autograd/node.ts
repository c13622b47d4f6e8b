// A node of the dynamic graph: one per op output that needs a gradient. It holds the op's
// inputs and a closure computing their gradients from the output's gradient. The closure is
// written with ops, so it can itself be recorded (createGraph) and differentiated again.

import { Tensor, type GradNode } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import { isGradEnabled } from "./grad_mode.js";

/** Gradients for each input, in order; null/undefined where an input gets none. */
export type BackwardFn = (gradOutput: Tensor) => readonly (Tensor | null | undefined)[];

export class Node implements GradNode {
  readonly name: string;
  inputs: (Tensor | null)[];
  /** Shape and dtype of the output, to check and to materialise a zero gradient. */
  readonly outShape: readonly number[];
  private fn: BackwardFn | null;
  private saved: { t: Tensor; version: number }[];
  /** Set when the output called retainGrad() or registerHook(): backward runs its hooks and fills its .grad. */
  output: Tensor | null = null;
  /** The backward is user code (a custom Function): it may keep the gradients it sees or returns. */
  userCode = false;

  constructor(name: string, inputs: (Tensor | null)[], fn: BackwardFn, outShape: readonly number[], saved: readonly Tensor[]) {
    this.name = name;
    this.inputs = inputs;
    this.fn = fn;
    this.outShape = outShape;
    this.saved = saved.map((t) => ({ t, version: t._version.v }));
  }

  apply(gradOutput: Tensor): readonly (Tensor | null | undefined)[] {
    if (this.fn === null) {
      throw new Error(
        `backward: trying to backward through the graph a second time (through ${this.name}); its saved tensors were freed after the first backward. Pass { retainGraph: true } to the first backward() if you need to backward twice`,
      );
    }
    for (const s of this.saved) {
      if (s.t._version.v !== s.version) {
        throw new Error(
          `backward: a tensor of shape ${fmtShape(s.t.shape)} saved by ${this.name} was modified by an in-place operation after it was used (version ${s.t._version.v}, expected ${s.version}); use an out-of-place op instead`,
        );
      }
    }
    return this.fn(gradOutput);
  }

  /** Drop the closure and saved tensors (after a backward without retainGraph). */
  release(): void {
    this.fn = null;
    this.saved = [];
  }
}

export interface RecordOptions {
  /** Tensors the backward closure reads; an in-place change to any of them before backward is an error. */
  saved?: readonly Tensor[];
  /** The backward closure runs user code (custom Functions), which may keep gradients. */
  userCode?: boolean;
}

/** True when an op on these inputs must record a node. */
export function needsGrad(...inputs: readonly (Tensor | null | undefined)[]): boolean {
  if (!isGradEnabled()) return false;
  for (const t of inputs) if (t && t._requiresGrad) return true;
  return false;
}

/**
 * Attach a graph node to `out` when grad mode is on and any input requires grad. Ops call this
 * right after computing their forward, with the backward closure beside it. Returns `out`.
 */
export function record(name: string, out: Tensor, inputs: readonly (Tensor | null | undefined)[], backward: BackwardFn, options?: RecordOptions): Tensor {
  if (!needsGrad(...inputs)) return out;
  const ins = inputs.map((t) => (t && t._requiresGrad ? t : null));
  const node = new Node(name, ins, backward, out.shape, options?.saved ?? []);
  node.userCode = options?.userCode ?? false;
  out.gradFn = node;
  out._requiresGrad = true;
  return out;
}
