// Custom differentiable functions: the "modular gate" API of the course. Subclass Function
// with static forward(ctx, ...args) and backward(ctx, gradOutput), then call MyFn.apply(...).
//
//   class Exp extends autograd.Function {
//     static forward(ctx: FunctionCtx, x: Tensor) { const y = x.exp(); ctx.saveForBackward(y); return y; }
//     static backward(ctx: FunctionCtx, g: Tensor) { const [y] = ctx.savedTensors; return [g.mul(y)]; }
//   }
//   const y = Exp.apply(x);

import { Tensor } from "../tensor/tensor.js";
import { noGrad } from "./grad_mode.js";
import { record } from "./node.js";

export class FunctionCtx {
  private saved: Tensor[] = [];
  /** For each forward argument: does it need a gradient? */
  needsInputGrad: boolean[] = [];
  /** Free-form storage for non-tensor values backward needs. */
  [key: string]: unknown;

  saveForBackward(...tensors: Tensor[]): void {
    this.saved = tensors;
  }

  get savedTensors(): Tensor[] {
    return this.saved;
  }
}

export abstract class Function {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  static forward(_ctx: FunctionCtx, ..._args: any[]): Tensor {
    throw new Error(`${this.name}.forward is not implemented; define static forward(ctx, ...args)`);
  }

  static backward(_ctx: FunctionCtx, _gradOutput: Tensor): readonly (Tensor | null | undefined)[] | Tensor {
    throw new Error(`${this.name}.backward is not implemented; define static backward(ctx, gradOutput)`);
  }

  /** Run forward without recording its inner ops, and record one node whose backward is ours. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  static apply(...args: any[]): Tensor {
    const ctx = new FunctionCtx();
    ctx.needsInputGrad = args.map((a) => a instanceof Tensor && a.requiresGrad);
    const out = noGrad(() => this.forward(ctx, ...args));
    if (!(out instanceof Tensor)) throw new Error(`${this.name}.forward must return a Tensor`);
    const tensorArgs = args.map((a) => (a instanceof Tensor ? a : null));
    // Return a fresh tensor object so the graph node belongs to this call alone.
    const y = out.requiresGrad ? out.detach() : out;
    return record(`${this.name}Backward`, y, tensorArgs, (g) => {
      const r = this.backward(ctx, g);
      const grads = r instanceof Tensor ? [r] : r;
      if (grads.length !== args.length) {
        throw new Error(`${this.name}.backward returned ${grads.length} gradients but forward took ${args.length} arguments (return null for non-tensor ones)`);
      }
      return grads;
    }, { saved: ctx.savedTensors, userCode: true });
  }
}
