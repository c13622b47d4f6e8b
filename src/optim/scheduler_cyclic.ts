// Schedulers beyond simple decay: the one-cycle policy, cosine annealing with warm restarts,
// chaining schedulers in sequence, and ReduceLROnPlateau (driven by a validation metric).
// PyTorch 1.13's arithmetic, so the sequences match its values.

import { Tensor } from "../tensor/tensor.js";
import { Optimizer } from "./optimizer.js";
import { resolveOptions, snakeToCamel } from "./util.js";
import { type AnyOptimizer, LRScheduler, loadSchedulerState, requireOption, schedulerState } from "./scheduler.js";

interface Phase {
  end_step: number;
  start_lr: string;
  end_lr: string;
  start_momentum: string;
  end_momentum: string;
}

export interface OneCycleLROptions {
  /** Peak lr (one value, or one per group). Required. */
  maxLr: number | number[];
  /** Steps in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number | null;
  epochs?: number | null;
  stepsPerEpoch?: number | null;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** "cos" (default) or "linear". */
  annealStrategy?: "cos" | "linear";
  /** Cycle momentum (SGD/RMSprop's momentum, Adam's beta1) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  /** initial lr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** min lr = initial lr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, down to the initial lr, annihilate) instead of two (default false). */
  threePhase?: boolean;
  lastEpoch?: number;
}

function perGroup<T>(name: string, what: string, opt: AnyOptimizer, v: T | T[]): T[] {
  if (Array.isArray(v)) {
    if (v.length !== opt.paramGroups.length) throw new Error(`${name}: expected ${opt.paramGroups.length} values for ${what}, got ${v.length}`);
    return v.slice();
  }
  return new Array<T>(opt.paramGroups.length).fill(v);
}

const ONE_CYCLE_DEFAULTS = {
  maxLr: undefined as unknown as number | number[], totalSteps: null as number | null, epochs: null as number | null,
  stepsPerEpoch: null as number | null, pctStart: 0.3, annealStrategy: "cos" as "cos" | "linear", cycleMomentum: true,
  baseMomentum: 0.85 as number | number[], maxMomentum: 0.95 as number | number[], divFactor: 25, finalDivFactor: 1e4,
  threePhase: false, lastEpoch: -1,
};

/**
 * The 1cycle policy (Smith & Topin): lr rises from maxLr/divFactor to maxLr, then anneals to
 * initial/finalDivFactor, while momentum moves the opposite way. Step it once per batch.
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  /** Phase boundaries, with PyTorch's group key names ("initial_lr", "max_lr", ...). */
  _schedulePhases: Phase[];
  annealStrategy: "cos" | "linear";
  cycleMomentum: boolean;
  useBeta1 = false;

  constructor(optimizer: AnyOptimizer, options: OneCycleLROptions) {
    const o = resolveOptions("OneCycleLR", options, ONE_CYCLE_DEFAULTS);
    const totalSteps = OneCycleLR.prepare(optimizer, o);
    super(optimizer, o.lastEpoch);
    this.totalSteps = totalSteps;
    const p = o.pctStart;
    this._schedulePhases = o.threePhase
      ? [
        { end_step: p * totalSteps - 1, start_lr: "initial_lr", end_lr: "max_lr", start_momentum: "max_momentum", end_momentum: "base_momentum" },
        { end_step: 2 * p * totalSteps - 2, start_lr: "max_lr", end_lr: "initial_lr", start_momentum: "base_momentum", end_momentum: "max_momentum" },
        { end_step: totalSteps - 1, start_lr: "initial_lr", end_lr: "min_lr", start_momentum: "max_momentum", end_momentum: "max_momentum" },
      ]
      : [
        { end_step: p * totalSteps - 1, start_lr: "initial_lr", end_lr: "max_lr", start_momentum: "max_momentum", end_momentum: "base_momentum" },
        { end_step: totalSteps - 1, start_lr: "max_lr", end_lr: "min_lr", start_momentum: "base_momentum", end_momentum: "max_momentum" },
      ];
    this.annealStrategy = o.annealStrategy;
    this.cycleMomentum = o.cycleMomentum;
    this.useBeta1 = o.cycleMomentum && "betas" in optimizer.defaults;
    this._initialStep();
  }

  /** Checks and group setup PyTorch does before the base constructor; returns the total steps. */
  private static prepare(optimizer: AnyOptimizer, o: typeof ONE_CYCLE_DEFAULTS): number {
    const name = "OneCycleLR";
    if (!(optimizer instanceof Optimizer)) throw new Error(`${name}: ${typeof optimizer} is not an Optimizer`);
    requireOption(name, "maxLr", o.maxLr);
    let total: number;
    if (o.totalSteps === null && o.epochs === null && o.stepsPerEpoch === null) {
      throw new Error(`${name}: You must define either totalSteps OR (epochs AND stepsPerEpoch)`);
    } else if (o.totalSteps !== null) {
      if (!Number.isInteger(o.totalSteps) || o.totalSteps <= 0) throw new Error(`${name}: Expected positive integer totalSteps, but got ${o.totalSteps}`);
      total = o.totalSteps;
    } else {
      if (!Number.isInteger(o.epochs) || o.epochs! <= 0) throw new Error(`${name}: Expected positive integer epochs, but got ${o.epochs}`);
      if (!Number.isInteger(o.stepsPerEpoch) || o.stepsPerEpoch! <= 0) throw new Error(`${name}: Expected positive integer stepsPerEpoch, but got ${o.stepsPerEpoch}`);
      total = o.epochs! * o.stepsPerEpoch!;
    }
    if (!(o.pctStart >= 0 && o.pctStart <= 1)) throw new Error(`${name}: Expected float between 0 and 1 pctStart, but got ${o.pctStart}`);
    if (o.annealStrategy !== "cos" && o.annealStrategy !== "linear") {
      throw new Error(`${name}: annealStrategy must by one of 'cos' or 'linear', instead got ${o.annealStrategy}`);
    }
    const maxLrs = perGroup(name, "max_lr", optimizer, o.maxLr);
    if (o.lastEpoch === -1) {
      optimizer.paramGroups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / o.divFactor;
        g.maxLr = maxLrs[i];
        g.minLr = g.initialLr / o.finalDivFactor;
      });
    }
    if (o.cycleMomentum) {
      const d = optimizer.defaults as object;
      if (!("momentum" in d) && !("betas" in d)) throw new Error(`${name}: optimizer must support momentum with \`cycleMomentum\` option enabled`);
      const useBeta1 = "betas" in d;
      const maxM = perGroup(name, "max_momentum", optimizer, o.maxMomentum);
      const baseM = perGroup(name, "base_momentum", optimizer, o.baseMomentum);
      if (o.lastEpoch === -1) {
        optimizer.paramGroups.forEach((g, i) => {
          const r = g as unknown as Record<string, unknown>;
          if (useBeta1) r.betas = [maxM[i], ...(r.betas as number[]).slice(1)];
          else r.momentum = maxM[i];
          g.maxMomentum = maxM[i];
          g.baseMomentum = baseM[i];
        });
      }
    }
    return total;
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === "cos") {
      const cosOut = Math.cos(Math.PI * pct) + 1;
      return end + ((start - end) / 2.0) * cosOut;
    }
    return (end - start) * pct + start;
  }

  getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new Error(`OneCycleLR: Tried to step ${stepNum + 1} times. The specified number of total steps is ${this.totalSteps}`);
    }
    return this.groups.map((group) => {
      const g = group as unknown as Record<string, unknown>;
      const at = (snake: string): number => g[snakeToCamel(snake)] as number;
      let startStep = 0;
      let lr = 0, momentum = 0;
      for (let i = 0; i < this._schedulePhases.length; i++) {
        const phase = this._schedulePhases[i];
        const endStep = phase.end_step;
        if (stepNum <= endStep || i === this._schedulePhases.length - 1) {
          const pct = (stepNum - startStep) / (endStep - startStep);
          lr = this.anneal(at(phase.start_lr), at(phase.end_lr), pct);
          if (this.cycleMomentum) momentum = this.anneal(at(phase.start_momentum), at(phase.end_momentum), pct);
          break;
        }
        startStep = phase.end_step;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) g.betas = [momentum, ...(g.betas as number[]).slice(1)];
        else g.momentum = momentum;
      }
      return lr;
    });
  }
}

/** Cosine annealing with warm restarts (SGDR): restart every T0 epochs, the period growing by TMult. */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  T0: number;
  Ti: number;
  TMult: number;
  etaMin: number;
  TCur: number;

  constructor(optimizer: AnyOptimizer, options: { T0: number; TMult?: number; etaMin?: number; lastEpoch?: number }) {
    const o = resolveOptions("CosineAnnealingWarmRestarts", options, { T0: undefined as unknown as number, TMult: 1, etaMin: 0, lastEpoch: -1 });
    if (!Number.isInteger(o.T0) || o.T0 <= 0) throw new Error(`CosineAnnealingWarmRestarts: Expected positive integer T0, but got ${o.T0}`);
    if (!Number.isInteger(o.TMult) || o.TMult < 1) throw new Error(`CosineAnnealingWarmRestarts: Expected integer TMult >= 1, but got ${o.TMult}`);
    super(optimizer, o.lastEpoch);
    this.T0 = o.T0;
    this.Ti = o.T0;
    this.TMult = o.TMult;
    this.etaMin = o.etaMin;
    this.TCur = o.lastEpoch;
    this._initialStep();
  }

  getLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.TCur) / this.Ti))) / 2);
  }

  /** Advance one epoch, or jump to `epoch` (which may be fractional, e.g. epoch + batch/batches). */
  override step(epoch?: number): void {
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.TCur = this.TCur + 1;
      if (this.TCur >= this.Ti) {
        this.TCur = this.TCur - this.Ti;
        this.Ti = this.Ti * this.TMult;
      }
    } else {
      if (epoch < 0) throw new Error(`CosineAnnealingWarmRestarts: Expected non-negative epoch, but got ${epoch}`);
      if (epoch >= this.T0) {
        if (this.TMult === 1) {
          this.TCur = epoch % this.T0;
        } else {
          const n = Math.trunc(Math.log((epoch / this.T0) * (this.TMult - 1) + 1) / Math.log(this.TMult));
          this.TCur = epoch - (this.T0 * (this.TMult ** n - 1)) / (this.TMult - 1);
          this.Ti = this.T0 * this.TMult ** n;
        }
      } else {
        this.Ti = this.T0;
        this.TCur = epoch;
      }
    }
    this.lastEpoch = Math.floor(epoch);
    this._stepCount += 1;
    const lrs = this.getLr();
    this.groups.forEach((g, i) => (g.lr = lrs[i]));
    this._lastLr = this.groups.map((g) => g.lr);
  }
}

/** Run schedulers one after another, switching at the milestone epochs (e.g. LinearLR warm-up, then cosine). */
export class SequentialLR extends LRScheduler {
  _schedulers: LRScheduler[];
  _milestones: number[];

  constructor(optimizer: AnyOptimizer, options: { schedulers: LRScheduler[]; milestones: number[]; lastEpoch?: number }) {
    const o = resolveOptions("SequentialLR", options, { schedulers: undefined as unknown as LRScheduler[], milestones: undefined as unknown as number[], lastEpoch: -1 });
    requireOption("SequentialLR", "schedulers", o.schedulers);
    requireOption("SequentialLR", "milestones", o.milestones);
    super(optimizer, o.lastEpoch);
    o.schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) {
        throw new Error(`SequentialLR: Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at index ${i} to be different than the optimizer passed in.`);
      }
    });
    if (o.milestones.length !== o.schedulers.length - 1) {
      throw new Error(`SequentialLR: Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers ${o.schedulers.length} and the number of milestones to be equal to ${o.milestones.length}`);
    }
    this._schedulers = o.schedulers.slice();
    this._milestones = o.milestones.slice();
    this.lastEpoch = o.lastEpoch + 1;
    // Reset the lrs and undo the initial step the schedulers took, then start the first one.
    for (const g of optimizer.paramGroups) g.lr = g.initialLr!;
    for (const s of this._schedulers) s.lastEpoch -= 1;
    this._schedulers[0]._initialStep();
    this._lastLr = this._schedulers[0].getLastLr();
  }

  getLr(): number[] {
    return this.groups.map((g) => g.lr);
  }

  override step(): void {
    this.lastEpoch += 1;
    let idx = 0;
    while (idx < this._milestones.length && this._milestones[idx] <= this.lastEpoch) idx++; // bisect_right
    const scheduler = this._schedulers[idx];
    if (idx > 0 && this._milestones[idx - 1] === this.lastEpoch) scheduler.step(0);
    else scheduler.step();
    this._lastLr = scheduler.getLastLr();
  }

  override stateDict(): Record<string, unknown> {
    return { ...schedulerState(this, ["optimizer", "_schedulers"]), _schedulers: this._schedulers.map((s) => s.stateDict()) };
  }

  override loadStateDict(state: Record<string, unknown>): void {
    loadSchedulerState(this, state, ["optimizer", "_schedulers"]);
    (state._schedulers as Record<string, unknown>[]).forEach((s, i) => this._schedulers[i].loadStateDict(s));
  }
}

export interface ReduceLROnPlateauOptions {
  /** "min": reduce when the metric stops decreasing; "max": when it stops increasing (default "min"). */
  mode?: "min" | "max";
  /** lr ← lr · factor on a plateau (default 0.1; must be < 1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Smallest change that counts as improvement (default 1e-4). */
  threshold?: number;
  /** "rel" (threshold relative to the best) or "abs" (default "rel"). */
  thresholdMode?: "rel" | "abs";
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** Lower bound on the lr (one value or one per group; default 0). */
  minLr?: number | number[];
  /** Reductions smaller than eps are skipped (default 1e-8). */
  eps?: number;
}

/** Reduce the lr when a metric has stopped improving: step(metric) once per epoch. */
export class ReduceLROnPlateau {
  readonly optimizer: AnyOptimizer;
  factor: number;
  minLrs: number[];
  patience: number;
  cooldown: number;
  cooldownCounter = 0;
  mode: "min" | "max";
  threshold: number;
  thresholdMode: "rel" | "abs";
  best: number;
  numBadEpochs = 0;
  modeWorse: number;
  eps: number;
  lastEpoch = 0;
  _lastLr: number[];

  constructor(optimizer: AnyOptimizer, options: ReduceLROnPlateauOptions = {}) {
    const o = resolveOptions("ReduceLROnPlateau", options, {
      mode: "min" as "min" | "max", factor: 0.1, patience: 10, threshold: 1e-4, thresholdMode: "rel" as "rel" | "abs",
      cooldown: 0, minLr: 0 as number | number[], eps: 1e-8,
    });
    if (o.factor >= 1.0) throw new Error(`ReduceLROnPlateau: Factor should be < 1.0; got ${o.factor}`);
    if (!(optimizer instanceof Optimizer)) throw new Error(`ReduceLROnPlateau: ${typeof optimizer} is not an Optimizer`);
    if (o.mode !== "min" && o.mode !== "max") throw new Error(`ReduceLROnPlateau: mode ${o.mode} is unknown! (expected "min" or "max")`);
    if (o.thresholdMode !== "rel" && o.thresholdMode !== "abs") throw new Error(`ReduceLROnPlateau: threshold mode ${o.thresholdMode} is unknown! (expected "rel" or "abs")`);
    this.optimizer = optimizer;
    this.factor = o.factor;
    if (Array.isArray(o.minLr) && o.minLr.length !== optimizer.paramGroups.length) {
      throw new Error(`ReduceLROnPlateau: expected ${optimizer.paramGroups.length} min_lrs, got ${o.minLr.length}`);
    }
    this.minLrs = perGroup("ReduceLROnPlateau", "min_lr", optimizer, o.minLr);
    this.patience = o.patience;
    this.cooldown = o.cooldown;
    this.mode = o.mode;
    this.threshold = o.threshold;
    this.thresholdMode = o.thresholdMode;
    this.eps = o.eps;
    this.modeWorse = o.mode === "min" ? Infinity : -Infinity;
    this.best = this.modeWorse;
    this._lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Whether `a` improves on `best` by more than the threshold. */
  isBetter(a: number, best: number): boolean {
    if (this.mode === "min" && this.thresholdMode === "rel") return a < best * (1 - this.threshold);
    if (this.mode === "min") return a < best - this.threshold;
    if (this.thresholdMode === "rel") return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  /** Record this epoch's metric (a number or one-element tensor) and reduce the lr on a plateau. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : Number(metric);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs in cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const newLr = Math.max(g.lr * this.factor, this.minLrs[i]);
        if (g.lr - newLr > this.eps) g.lr = newLr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  getLastLr(): number[] {
    return this._lastLr.slice();
  }

  stateDict(): Record<string, unknown> {
    return { ...schedulerState(this, ["optimizer"]), verbose: false };
  }

  loadStateDict(state: Record<string, unknown>): void {
    loadSchedulerState(this, state, ["optimizer"]);
  }
}
