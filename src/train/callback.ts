// Callbacks: objects the Trainer calls at fixed points of the loop (Keras / Lightning style).
// A callback may read and change the trainer (its model, optimizer, `stopTraining`), and may
// keep state that checkpoints save, so a resumed run continues exactly where it stopped.

import type { Trainer } from "./trainer.js";

/** Logs of one optimizer step. */
export interface BatchLogs {
  /** The batch's mean loss. */
  loss: number;
  /** Samples in the batch. */
  batchSize: number;
  /** Global optimizer steps done (this one included). */
  step: number;
  /** 0-based epoch and batch within it. */
  epoch: number;
  batch: number;
  /** Learning rate of the first param group, as used by this step. */
  lr: number;
  /** Running values of the epoch so far (loss, accuracy, ...). */
  running: Record<string, number>;
  /** Extra numbers a callback recorded for this step (e.g. grad_norm). */
  [key: string]: unknown;
}

/** Scalars of one epoch: loss, accuracy, ..., val_loss, val_accuracy, val_top5, lr, time. */
export type EpochLogs = Record<string, number>;

/** What fit() returns: one log per epoch, plus how training ended. */
export class History {
  epochs: EpochLogs[] = [];
  stopped = false;
  stopReason: string | null = null;
  /** The values of one key over the epochs (NaN where an epoch lacks it). */
  get(key: string): number[] {
    return this.epochs.map((e) => (key in e ? e[key] : NaN));
  }
}

/**
 * Base class of callbacks: override the hooks you need (each may be async). `order` sorts the
 * trainer's callbacks (stable; lower first): checkpoint writers run last (order 100) so that
 * the state they save includes what the other callbacks did at the same point.
 */
export class Callback {
  /** Position among the trainer's callbacks (default 0; ModelCheckpoint 100). */
  order = 0;

  /** The key of this callback's state in checkpoints (unique per trainer). */
  get stateKey(): string {
    return this.constructor.name;
  }

  onTrainBegin(_trainer: Trainer): void | Promise<void> {}
  onEpochBegin(_trainer: Trainer, _epoch: number): void | Promise<void> {}
  onBatchBegin(_trainer: Trainer, _batch: number): void | Promise<void> {}
  /** After loss.backward(), before optimizer.step(): the place to change gradients. */
  onAfterBackward(_trainer: Trainer): void | Promise<void> {}
  onBatchEnd(_trainer: Trainer, _logs: BatchLogs): void | Promise<void> {}
  /** Around every evaluate()/predict() pass (e.g. to swap in averaged weights). */
  onEvalBegin(_trainer: Trainer): void | Promise<void> {}
  onEvalEnd(_trainer: Trainer): void | Promise<void> {}
  onEpochEnd(_trainer: Trainer, _epoch: number, _logs: EpochLogs): void | Promise<void> {}
  onTrainEnd(_trainer: Trainer): void | Promise<void> {}

  /** JSON-able state (tensors allowed where the checkpoint format keeps them); null: none. */
  stateDict(): Record<string, unknown> | null {
    return null;
  }
  loadStateDict(_state: Record<string, unknown>): void {}
}

// ---- progress ------------------------------------------------------------------------------------

/** What a progress display receives (the CLI draws a bar or prints plain lines from these). */
export type ProgressEvent =
  | { type: "trainBegin"; epochs: number; startEpoch: number; batchesPerEpoch: number | null }
  | { type: "epochBegin"; epoch: number; epochs: number; batches: number | null }
  | {
      type: "batch"; epoch: number; batch: number; batches: number | null; step: number;
      loss: number; running: Record<string, number>; lr: number; imagesPerSecond: number;
      elapsedSeconds: number; etaSeconds: number | null;
    }
  | { type: "evalBegin" }
  | { type: "evalEnd" }
  | { type: "epochEnd"; epoch: number; epochs: number; logs: EpochLogs; seconds: number }
  | { type: "trainEnd"; stopped: boolean; stopReason: string | null };

/**
 * Emits ProgressEvents to `handler`. The CLI implements the display (bar on a terminal, plain
 * periodic lines otherwise); tests and notebooks can collect the events.
 *
 * @example
 * new ProgressCallback((e) => { if (e.type === "epochEnd") console.log(e.epoch, e.logs); })
 */
export class ProgressCallback extends Callback {
  private epochStart = 0;
  private samples = 0;
  private batches: number | null = null;
  private epochs = 0;

  constructor(readonly handler: (event: ProgressEvent) => void) {
    super();
    this.order = 90;
  }

  override onTrainBegin(t: Trainer): void {
    this.batches = t.batchesPerEpoch;
    this.epochs = t.totalEpochs;
    this.handler({ type: "trainBegin", epochs: t.totalEpochs, startEpoch: t.epoch, batchesPerEpoch: t.batchesPerEpoch });
  }
  override onEpochBegin(t: Trainer, epoch: number): void {
    this.epochStart = performance.now();
    this.samples = 0;
    this.handler({ type: "epochBegin", epoch, epochs: this.epochs, batches: this.batches });
  }
  override onBatchEnd(_t: Trainer, logs: BatchLogs): void {
    this.samples += logs.batchSize;
    const elapsed = (performance.now() - this.epochStart) / 1000;
    const done = logs.batch + 1;
    const eta = this.batches === null || done === 0 ? null : (elapsed / done) * Math.max(0, this.batches - done);
    this.handler({
      type: "batch", epoch: logs.epoch, batch: logs.batch, batches: this.batches, step: logs.step, loss: logs.loss,
      running: logs.running, lr: logs.lr, imagesPerSecond: elapsed > 0 ? this.samples / elapsed : 0, elapsedSeconds: elapsed, etaSeconds: eta,
    });
  }
  override onEvalBegin(): void { this.handler({ type: "evalBegin" }); }
  override onEvalEnd(): void { this.handler({ type: "evalEnd" }); }
  override onEpochEnd(_t: Trainer, epoch: number, logs: EpochLogs): void {
    this.handler({ type: "epochEnd", epoch, epochs: this.epochs, logs, seconds: (performance.now() - this.epochStart) / 1000 });
  }
  override onTrainEnd(t: Trainer): void {
    this.handler({ type: "trainEnd", stopped: t.stopTraining, stopReason: t.stopReason });
  }
}
