// Model EMA: an exponential moving average of the weights, updated after every optimizer step
// (Polyak averaging; timm's ModelEmaV2). Averaged weights often evaluate better than the last
// ones. The average is used for evaluation: around every evaluate()/predict() the model's
// weights are swapped for the average and swapped back afterwards.

import { Tensor } from "../tensor/tensor.js";
import { isFloating } from "../tensor/dtype.js";
import { clone } from "../ops/elementwise.js";
import { noGrad } from "../autograd/grad_mode.js";
import { Callback } from "./callback.js";
import type { Trainer } from "./trainer.js";

export interface ModelEMAOptions {
  /** ema = decay · ema + (1 − decay) · weight after each update (default 0.999). */
  decay?: number;
  /** Use min(decay, (1 + n)/(10 + n)) for the n-th update, so early averages are not stuck at init (default false). */
  warmup?: boolean;
  /** Update every this many optimizer steps (default 1). */
  updateEvery?: number;
  /** Evaluate with the averaged weights (default true). */
  useForEval?: boolean;
}

/**
 * Keeps an exponential moving average of every floating parameter and buffer of the model
 * (integer buffers such as num_batches_tracked are copied).
 *
 * @example
 * const ema = new train.ModelEMA({ decay: 0.998 });
 * await new train.Trainer({ model, optimizer, lossFn, callbacks: [ema] }).fit(loader, { epochs: 5, valLoader });
 * ema.copyTo(model); // keep the averaged weights
 */
export class ModelEMA extends Callback {
  readonly decay: number;
  readonly warmup: boolean;
  readonly updateEvery: number;
  readonly useForEval: boolean;
  /** The averaged state dict (null until training starts). */
  shadow: Record<string, Tensor> | null = null;
  /** Updates applied so far. */
  updates = 0;
  private backup: Record<string, Tensor> | null = null;

  constructor(opts: ModelEMAOptions = {}) {
    super();
    this.decay = opts.decay ?? 0.999;
    if (!(this.decay >= 0 && this.decay <= 1)) throw new Error(`ModelEMA: decay must be in [0, 1], got ${opts.decay}`);
    this.warmup = opts.warmup ?? false;
    this.updateEvery = opts.updateEvery ?? 1;
    if (!Number.isInteger(this.updateEvery) || this.updateEvery < 1) throw new Error(`ModelEMA: updateEvery must be a positive integer, got ${opts.updateEvery}`);
    this.useForEval = opts.useForEval ?? true;
  }

  /** The decay used for the next update. */
  currentDecay(): number {
    return this.warmup ? Math.min(this.decay, (1 + this.updates) / (10 + this.updates)) : this.decay;
  }

  override onTrainBegin(t: Trainer): void {
    if (!this.shadow) this.shadow = noGrad(() => Object.fromEntries(Object.entries(t.model.stateDict()).map(([k, v]) => [k, clone(v)])));
  }

  override onBatchEnd(t: Trainer): void {
    if (t.step % this.updateEvery !== 0) return;
    this.update(t);
  }

  /** Fold the model's current weights into the average (done after each step by the callback). */
  update(t: Trainer): void {
    if (!this.shadow) this.onTrainBegin(t);
    const d = this.currentDecay();
    const sd = t.model.stateDict();
    for (const [k, s] of Object.entries(this.shadow!)) {
      const w = sd[k];
      if (!w) throw new Error(`ModelEMA: the model has no "${k}" any more; its state dict changed during training`);
      const a = s.storage.subarray(s.offset, s.offset + s.size), src = w.dataRowMajor(); // shadow tensors are own contiguous clones
      if (!isFloating(s.dtype)) { a.set(src); continue; }
      // In float64, then rounded to the tensor's dtype once: (d·e + (1−d)·w).
      for (let i = 0; i < a.length; i++) a[i] = d * a[i] + (1 - d) * src[i];
      s._version.v++;
    }
    this.updates++;
  }

  /** Copy the averaged weights into a model (e.g. the trained one, to keep them). */
  copyTo(model: { loadStateDict(sd: Record<string, Tensor>): unknown }): void {
    if (!this.shadow) throw new Error("ModelEMA.copyTo: no average yet (train first)");
    model.loadStateDict(this.shadow);
  }

  override onEvalBegin(t: Trainer): void {
    if (!this.useForEval || !this.shadow || this.backup) return;
    this.backup = noGrad(() => Object.fromEntries(Object.entries(t.model.stateDict()).map(([k, v]) => [k, clone(v)])));
    t.model.loadStateDict(this.shadow);
  }

  override onEvalEnd(t: Trainer): void {
    if (!this.backup) return;
    t.model.loadStateDict(this.backup);
    this.backup = null;
  }

  override stateDict(): Record<string, unknown> {
    return { updates: this.updates, shadow: this.shadow };
  }
  override loadStateDict(s: Record<string, unknown>): void {
    this.updates = s.updates as number;
    // Own copies: the loaded tensors may share storage with the checkpoint's buffer.
    this.shadow = s.shadow ? noGrad(() => Object.fromEntries(Object.entries(s.shadow as Record<string, Tensor>).map(([k, v]) => [k, clone(v)]))) : null;
  }
}
