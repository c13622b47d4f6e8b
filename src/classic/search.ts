// Random hyper-parameter search (Bergstra & Bengio, as CS231n recommends over grid search):
// draw each hyper-parameter from its own distribution, evaluate, keep every trial, best first.

import type { Generator } from "../tensor/random.js";
import { checkPositiveInt, generatorFor } from "./util.js";

/** One searched hyper-parameter: a named distribution that can draw a value. */
export interface Dimension<T = number | string | boolean> {
  readonly kind: "logUniform" | "uniform" | "integer" | "choice";
  sample(gen: Generator): T;
}

function checkRange(name: string, lo: number, hi: number, positive: boolean): void {
  if (typeof lo !== "number" || typeof hi !== "number" || !Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) {
    throw new Error(`${name}: needs finite lo < hi, got lo = ${String(lo)}, hi = ${String(hi)}`);
  }
  if (positive && lo <= 0) throw new Error(`${name}: lo must be > 0 (a log scale), got ${lo}`);
}

/** A value whose logarithm is uniform in [log lo, log hi): learning rates, regularisation strengths. */
export function logUniform(lo: number, hi: number): Dimension<number> {
  checkRange("logUniform", lo, hi, true);
  const a = Math.log(lo), b = Math.log(hi);
  return { kind: "logUniform", sample: (g) => Math.min(hi, Math.max(lo, Math.exp(a + (b - a) * g.random()))) };
}

/** A value uniform in [lo, hi). */
export function uniform(lo: number, hi: number): Dimension<number> {
  checkRange("uniform", lo, hi, false);
  return { kind: "uniform", sample: (g) => lo + (hi - lo) * g.random() };
}

/** An integer uniform in [lo, hi], both ends included. */
export function integer(lo: number, hi: number): Dimension<number> {
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo > hi) {
    throw new Error(`integer: needs integers lo ≤ hi, got lo = ${String(lo)}, hi = ${String(hi)}`);
  }
  return { kind: "integer", sample: (g) => g.int(lo, hi + 1) };
}

/** One of the given values, each equally likely. */
export function choice<T extends number | string | boolean>(values: readonly T[]): Dimension<T> {
  if (!Array.isArray(values) || values.length === 0) throw new Error(`choice: needs a non-empty array of values, got ${JSON.stringify(values)}`);
  const vals = values.slice();
  return { kind: "choice", sample: (g) => vals[g.int(0, vals.length)] };
}

export type SearchSpace = Record<string, Dimension>;
export type Params<S extends SearchSpace> = { [K in keyof S]: S[K] extends Dimension<infer T> ? T : never };

export interface Trial<S extends SearchSpace> {
  /** Order in which the trial was drawn and run (0-based). */
  index: number;
  params: Params<S>;
  score: number;
}

export interface RandomSearchOptions {
  /** How many settings to try (default 10). */
  trials?: number;
  /** Seed of the draws (default: the global generator). The same seed gives the same settings. */
  seed?: number;
  /** "max" (default: higher score is better, e.g. accuracy) or "min" (e.g. a loss). */
  mode?: "max" | "min";
}

/**
 * Random search: draw `trials` settings from `space` (each dimension independently, in the
 * space's key order), call `objective` on each, and return all trials sorted best first
 * (NaN scores last; equal scores keep their drawing order).
 *
 * ```ts
 * const trials = classic.randomSearch(
 *   { lr: classic.logUniform(1e-3, 1), reg: classic.logUniform(1e-6, 1e-2) },
 *   ({ lr, reg }) => new classic.SoftmaxClassifier({ lr, reg }).fit(Xtr, ytr).score(Xval, yval),
 *   { trials: 20, seed: 0 });
 * trials[0].params; // the best setting
 * ```
 */
export function randomSearch<S extends SearchSpace>(space: S, objective: (params: Params<S>, index: number) => number, options: RandomSearchOptions = {}): Trial<S>[] {
  const { trials = 10, seed, mode = "max" } = options;
  checkPositiveInt("randomSearch", "trials", trials);
  if (mode !== "max" && mode !== "min") throw new Error(`randomSearch: mode must be "max" or "min", got ${JSON.stringify(mode)}`);
  if (space === null || typeof space !== "object") throw new Error(`randomSearch: space must be an object of dimensions, got ${String(space)}`);
  for (const [k, d] of Object.entries(space)) {
    if (!d || typeof (d as Dimension).sample !== "function") {
      throw new Error(`randomSearch: space.${k} is not a dimension; use logUniform, uniform, integer or choice`);
    }
  }
  if (typeof objective !== "function") throw new Error(`randomSearch: objective must be a function, got ${typeof objective}`);
  const gen = generatorFor(seed);
  // Draw every setting before running any, so the objective's own use of the global
  // generator cannot change which settings are tried.
  const drawn: Params<S>[] = [];
  for (let t = 0; t < trials; t++) {
    const p: Record<string, unknown> = {};
    for (const [k, d] of Object.entries(space)) p[k] = d.sample(gen);
    drawn.push(p as Params<S>);
  }
  const results: Trial<S>[] = drawn.map((params, index) => {
    const score = objective(params, index);
    if (typeof score !== "number") throw new Error(`randomSearch: objective must return a number, got ${typeof score} for trial ${index}`);
    return { index, params, score };
  });
  const sign = mode === "max" ? -1 : 1;
  return results.sort((a, b) => {
    const an = Number.isNaN(a.score), bn = Number.isNaN(b.score);
    if (an || bn) return an === bn ? a.index - b.index : an ? 1 : -1;
    return sign * (a.score - b.score) || a.index - b.index;
  });
}
