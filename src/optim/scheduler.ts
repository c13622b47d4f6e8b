// Learning-rate schedulers, PyTorch 1.13's chainable forms (each step derives the new lr from the
// group's current lr, so the sequences match PyTorch's float for float and schedulers compose).
// Call scheduler.step() after optimizer.step(), once per epoch (or per batch for OneCycleLR).

import { Optimizer, type BaseOptions, type ParamGroup } from "./optimizer.js";
import { camelToSnake, resolveOptions, snakeToCamel } from "./util.js";

/** Fields whose PyTorch names are not plain snake_case of ours. */
const SPECIAL_NAMES: Record<string, string> = { TMax: "T_max", T0: "T_0", Ti: "T_i", TCur: "T_cur", TMult: "T_mult" };
const SPECIAL_BACK: Record<string, string> = Object.fromEntries(Object.entries(SPECIAL_NAMES).map(([a, b]) => [b, a]));

export type AnyOptimizer = Optimizer<BaseOptions>;

/** @internal Throw unless `value` is given (a required scheduler option). */
export function requireOption(name: string, key: string, value: unknown): void {
  if (value === undefined) throw new Error(`${name}: option ${key} is required`);
}

/** Functions (lr lambdas) are not state: PyTorch saves None for them. */
function holdsFunctions(v: unknown): boolean {
  return typeof v === "function" || (Array.isArray(v) && v.some((x) => typeof x === "function"));
}

/** @internal PyTorch-style state of an object: its own data fields under snake_case keys. */
export function schedulerState(obj: object, skip: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (skip.includes(k) || holdsFunctions(v) || v instanceof Optimizer) continue;
    out[SPECIAL_NAMES[k] ?? camelToSnake(k)] = structuredClone(v);
  }
  return out;
}

/** @internal Load what schedulerState wrote, into the fields that exist. */
export function loadSchedulerState(obj: object, state: Record<string, unknown>, skip: string[]): void {
  const target = obj as Record<string, unknown>;
  for (const [k, v] of Object.entries(state)) {
    const key = SPECIAL_BACK[k] ?? snakeToCamel(k);
    if (skip.includes(key) || !(key in target) || holdsFunctions(target[key])) continue;
    target[key] = structuredClone(v);
  }
}

/**
 * Base class of the epoch-based schedulers (PyTorch's _LRScheduler). `lastEpoch` is the index of
 * the last epoch (-1: start fresh, which records each group's `initialLr`).
 */
export abstract class LRScheduler {
  readonly optimizer: AnyOptimizer;
  /** Each group's initial lr. */
  baseLrs: number[];
  lastEpoch: number;
  /** @internal */
  _stepCount = 0;
  /** @internal */
  _lastLr: number[] = [];

  constructor(optimizer: AnyOptimizer, lastEpoch = -1) {
    if (!(optimizer instanceof Optimizer)) {
      throw new Error(`${new.target.name}: ${optimizer === null ? "null" : typeof optimizer} is not an Optimizer`);
    }
    this.optimizer = optimizer;
    optimizer.paramGroups.forEach((g, i) => {
      if (lastEpoch === -1) g.initialLr ??= g.lr;
      else if (g.initialLr === undefined) {
        throw new Error(`${new.target.name}: param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer (lastEpoch ${lastEpoch})`);
      }
    });
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  /** @internal PyTorch's _initial_step: subclasses call it last in their constructors. */
  _initialStep(): void {
    this._stepCount = 0;
    this.step();
  }

  /** The lr of each group for epoch `lastEpoch`, from the groups' current lrs. */
  abstract getLr(): number[];

  /** The closed form lr for `lastEpoch`, where the scheduler has one (used by step(epoch)). */
  protected closedFormLr(): number[] | null {
    return null;
  }

  protected get groups(): ParamGroup<BaseOptions>[] {
    return this.optimizer.paramGroups;
  }

  /**
   * Advance one epoch and set each group's lr. `epoch` (deprecated in PyTorch) jumps to that epoch
   * using the closed form where there is one.
   */
  step(epoch?: number): void {
    this._stepCount += 1;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch += 1;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.getLr();
    }
    this.groups.forEach((g, i) => (g.lr = values[i]));
    this._lastLr = this.groups.map((g) => g.lr);
  }

  /** The lr of each group as last set by step(). */
  getLastLr(): number[] {
    return this._lastLr.slice();
  }

  /** The scheduler's fields under PyTorch's keys (base_lrs, last_epoch, _step_count, _last_lr, ...). */
  stateDict(): Record<string, unknown> {
    return { ...schedulerState(this, ["optimizer"]), verbose: false, _get_lr_called_within_step: false };
  }

  loadStateDict(state: Record<string, unknown>): void {
    loadSchedulerState(this, state, ["optimizer"]);
  }
}

/** lr = initial lr · lrLambda(epoch) (one function, or one per group). */
export class LambdaLR extends LRScheduler {
  lrLambdas: ((epoch: number) => number)[];

  constructor(optimizer: AnyOptimizer, options: { lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[]; lastEpoch?: number }) {
    const o = resolveOptions("LambdaLR", options, { lrLambda: undefined as unknown as ((e: number) => number) | ((e: number) => number)[], lastEpoch: -1 });
    requireOption("LambdaLR", "lrLambda", o.lrLambda);
    super(optimizer, o.lastEpoch);
    const n = optimizer.paramGroups.length;
    if (Array.isArray(o.lrLambda) && o.lrLambda.length !== n) throw new Error(`LambdaLR: Expected ${n} lr_lambdas, but got ${o.lrLambda.length}`);
    this.lrLambdas = Array.isArray(o.lrLambda) ? o.lrLambda.slice() : new Array(n).fill(o.lrLambda);
    this._initialStep();
  }

  getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lrLambdas[i](this.lastEpoch));
  }

  override stateDict(): Record<string, unknown> {
    return { ...super.stateDict(), lr_lambdas: this.lrLambdas.map(() => null) };
  }
}

/** lr ← lr · lrLambda(epoch) each epoch after the first. */
export class MultiplicativeLR extends LambdaLR {
  override getLr(): number[] {
    if (this.lastEpoch > 0) return this.groups.map((g, i) => g.lr * this.lrLambdas[i](this.lastEpoch));
    return this.groups.map((g) => g.lr);
  }
}

/** lr ← lr · gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: AnyOptimizer, options: { stepSize: number; gamma?: number; lastEpoch?: number }) {
    const o = resolveOptions("StepLR", options, { stepSize: undefined as unknown as number, gamma: 0.1, lastEpoch: -1 });
    requireOption("StepLR", "stepSize", o.stepSize);
    super(optimizer, o.lastEpoch);
    this.stepSize = o.stepSize;
    this.gamma = o.gamma;
    this._initialStep();
  }

  getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/** lr ← lr · gamma at each milestone epoch (a milestone listed twice decays twice). */
export class MultiStepLR extends LRScheduler {
  /** milestone → how many times it was listed (PyTorch's Counter). */
  milestones: Record<number, number>;
  gamma: number;

  constructor(optimizer: AnyOptimizer, options: { milestones: number[]; gamma?: number; lastEpoch?: number }) {
    const o = resolveOptions("MultiStepLR", options, { milestones: undefined as unknown as number[], gamma: 0.1, lastEpoch: -1 });
    requireOption("MultiStepLR", "milestones", o.milestones);
    super(optimizer, o.lastEpoch);
    this.milestones = {};
    for (const m of o.milestones) this.milestones[m] = (this.milestones[m] ?? 0) + 1;
    this.gamma = o.gamma;
    this._initialStep();
  }

  getLr(): number[] {
    const count = this.milestones[this.lastEpoch];
    if (count === undefined) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma ** count);
  }

  protected override closedFormLr(): number[] {
    let passed = 0;
    for (const [m, c] of Object.entries(this.milestones)) if (Number(m) <= this.lastEpoch) passed += c;
    return this.baseLrs.map((b) => b * this.gamma ** passed);
  }
}

/** lr = initial lr · factor until totalIters epochs have passed, then the initial lr. */
export class ConstantLR extends LRScheduler {
  factor: number;
  totalIters: number;

  constructor(optimizer: AnyOptimizer, options: { factor?: number; totalIters?: number; lastEpoch?: number } = {}) {
    const o = resolveOptions("ConstantLR", options, { factor: 1 / 3, totalIters: 5, lastEpoch: -1 });
    if (o.factor > 1 || o.factor < 0) throw new Error(`ConstantLR: Constant multiplicative factor expected to be between 0 and 1; got ${o.factor}`);
    super(optimizer, o.lastEpoch);
    this.factor = o.factor;
    this.totalIters = o.totalIters;
    this._initialStep();
  }

  getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 / this.factor));
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (this.factor + (this.lastEpoch >= this.totalIters ? 1 : 0) * (1 - this.factor)));
  }
}

/** Linear warm-up (or decay): the factor on the initial lr goes from startFactor to endFactor over totalIters epochs. */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  constructor(optimizer: AnyOptimizer, options: { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number } = {}) {
    const o = resolveOptions("LinearLR", options, { startFactor: 1 / 3, endFactor: 1, totalIters: 5, lastEpoch: -1 });
    if (o.startFactor > 1 || o.startFactor < 0) throw new Error(`LinearLR: Starting multiplicative factor expected to be between 0 and 1; got ${o.startFactor}`);
    if (o.endFactor > 1 || o.endFactor < 0) throw new Error(`LinearLR: Ending multiplicative factor expected to be between 0 and 1; got ${o.endFactor}`);
    super(optimizer, o.lastEpoch);
    this.startFactor = o.startFactor;
    this.endFactor = o.endFactor;
    this.totalIters = o.totalIters;
    this._initialStep();
  }

  getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * this.startFactor);
    if (this.lastEpoch > this.totalIters) return this.groups.map((g) => g.lr);
    const delta = this.endFactor - this.startFactor;
    return this.groups.map((g) => g.lr * (1 + delta / (this.totalIters * this.startFactor + (this.lastEpoch - 1) * delta)));
  }

  protected override closedFormLr(): number[] {
    const delta = this.endFactor - this.startFactor;
    return this.baseLrs.map((b) => b * (this.startFactor + (delta * Math.min(this.totalIters, this.lastEpoch)) / this.totalIters));
  }
}

/** lr ← lr · gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(optimizer: AnyOptimizer, options: { gamma: number; lastEpoch?: number }) {
    const o = resolveOptions("ExponentialLR", options, { gamma: undefined as unknown as number, lastEpoch: -1 });
    requireOption("ExponentialLR", "gamma", o.gamma);
    super(optimizer, o.lastEpoch);
    this.gamma = o.gamma;
    this._initialStep();
  }

  getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }
}

/** Polynomial decay to 0 over totalIters epochs: lr = initial · (1 − epoch/totalIters)^power. */
export class PolynomialLR extends LRScheduler {
  totalIters: number;
  power: number;

  constructor(optimizer: AnyOptimizer, options: { totalIters?: number; power?: number; lastEpoch?: number } = {}) {
    const o = resolveOptions("PolynomialLR", options, { totalIters: 5, power: 1, lastEpoch: -1 });
    super(optimizer, o.lastEpoch);
    this.totalIters = o.totalIters;
    this.power = o.power;
    this._initialStep();
  }

  getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch > this.totalIters) return this.groups.map((g) => g.lr);
    const decay = ((1 - this.lastEpoch / this.totalIters) / (1 - (this.lastEpoch - 1) / this.totalIters)) ** this.power;
    return this.groups.map((g) => g.lr * decay);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (1 - Math.min(this.totalIters, this.lastEpoch) / this.totalIters) ** this.power);
  }
}

/**
 * Cosine annealing (SGDR without restarts): lr follows etaMin + (initial − etaMin)(1 + cos(π·t/TMax))/2,
 * computed in PyTorch's recursive form (so values match its sequence, also past TMax).
 */
export class CosineAnnealingLR extends LRScheduler {
  TMax: number;
  etaMin: number;

  constructor(optimizer: AnyOptimizer, options: { TMax: number; etaMin?: number; lastEpoch?: number }) {
    const o = resolveOptions("CosineAnnealingLR", options, { TMax: undefined as unknown as number, etaMin: 0, lastEpoch: -1 });
    requireOption("CosineAnnealingLR", "TMax", o.TMax);
    super(optimizer, o.lastEpoch);
    this.TMax = o.TMax;
    this.etaMin = o.etaMin;
    this._initialStep();
  }

  getLr(): number[] {
    const { TMax, etaMin, lastEpoch: e } = this;
    if (e === 0) return this.groups.map((g) => g.lr);
    if (this._stepCount === 1 && e > 0) {
      return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((e * Math.PI) / TMax))) / 2);
    }
    if ((e - 1 - TMax) % (2 * TMax) === 0) {
      return this.groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / TMax))) / 2);
    }
    return this.groups.map((g) => ((1 + Math.cos((Math.PI * e) / TMax)) / (1 + Math.cos((Math.PI * (e - 1)) / TMax))) * (g.lr - etaMin) + etaMin);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.TMax))) / 2);
  }
}
