// Deterministic recycling of the gradient storage that flows through one backward pass.
//
// A training step's backward allocates as many bytes as its forward (a gradient for every
// activation). Left to the garbage collector, that doubles the fresh memory a step asks for and
// with it the collector's work (V8 starts a full collection for every ~64 MB of new array
// buffers). But a gradient on its way between two nodes is the engine's alone: once the node it
// flows into has run, the engine can hand its buffer straight back to the pool, as PyTorch's
// refcounting frees it.
//
// Only storage that is provably private is recycled:
// - it was allocated during this backward (the pool logs what it hands out), so it is not a
//   user's tensor, a saved activation or a gradient passed in to backward();
// - no tensor hook, custom Function or retained .grad has seen it (they may keep it: "tainted");
// - no other pending gradient shares it (views and ops that pass a gradient through unchanged,
//   like add's backward, share storage: a count per storage array tracks them).
// The engine uses this only without retainGraph/createGraph and without `inputs` (whose
// gradients are returned to the caller).

import type { Tensor } from "../tensor/tensor.js";
import type { TypedArray } from "../tensor/dtype.js";
import { beginAllocLog, endAllocLog, recycleNow } from "../tensor/pool.js";

export class GradStorage {
  private readonly handle = beginAllocLog();
  /** Pending gradients (and the one being processed) holding each logged storage array. */
  private readonly holds = new Map<TypedArray, number>();
  private readonly tainted = new Set<TypedArray>();

  /** Stop logging allocations (call once, when the backward pass ends). */
  close(): void {
    endAllocLog(this.handle);
  }

  private isPrivate(s: TypedArray): boolean {
    return this.handle.log.has(s) && !this.tainted.has(s);
  }

  /** A pending entry now refers to `t`. */
  hold(t: Tensor): void {
    const s = t.storage;
    if (this.handle.log.has(s)) this.holds.set(s, (this.holds.get(s) ?? 0) + 1);
  }

  /** A pending entry that referred to `t` is gone; recycle its storage if that was the last. */
  drop(t: Tensor): void {
    const s = t.storage;
    const n = this.holds.get(s);
    if (n === undefined) return;
    if (n > 1) { this.holds.set(s, n - 1); return; }
    this.holds.delete(s);
    this.recycle(s);
  }

  /** `t` was used and is not kept (e.g. summed into another gradient): recycle it if unheld. */
  discard(t: Tensor): void {
    if (!this.holds.has(t.storage)) this.recycle(t.storage);
  }

  /** Code outside the engine saw `t` and may keep it: never recycle its storage. */
  taint(t: Tensor): void {
    if (this.handle.log.has(t.storage)) this.tainted.add(t.storage);
  }

  /**
   * True when the engine may take over `t`'s storage for good (keep it as a .grad, or write
   * into it): private, held by at most `holders` pending entries, and `t` covers all of it.
   */
  owns(t: Tensor, holders: number): boolean {
    const s = t.storage;
    return this.isPrivate(s) && (this.holds.get(s) ?? 0) <= holders && t.coversStorage();
  }

  private recycle(s: TypedArray): void {
    if (!this.isPrivate(s)) return;
    this.handle.log.delete(s);
    recycleNow(s);
  }
}
