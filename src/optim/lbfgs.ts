// L-BFGS, a faithful port of PyTorch 1.13's torch/optim/lbfgs.py (itself after minFunc), with
// its strong-Wolfe line search and cubic interpolation, so the iterates match PyTorch's. All
// parameters are treated as one flat vector; the state lives on the first parameter.

import { Tensor } from "../tensor/tensor.js";
import { type TypedArray, allocate } from "../tensor/dtype.js";
import { enableGrad, noGrad } from "../autograd/grad_mode.js";
import { type Closure, Optimizer, type Params, nonNegative } from "./optimizer.js";
import { num, resolveOptions } from "./util.js";

type Vec = TypedArray;

export interface LBFGSOptions {
  /** Learning rate: the step length, or the line search's first trial step (default 1). */
  lr?: number;
  /** Maximal number of iterations per step() (default 20). */
  maxIter?: number;
  /** Maximal number of function evaluations per step() (default floor(maxIter·5/4)). */
  maxEval?: number | null;
  /** Stop when max |gradient| ≤ this (default 1e-7). */
  toleranceGrad?: number;
  /** Stop when the change in loss or parameters is below this (default 1e-9). */
  toleranceChange?: number;
  /** Number of (s, y) pairs kept (default 100). */
  historySize?: number;
  /** null (a fixed step of lr) or "strong_wolfe" (default null). */
  lineSearchFn?: null | "strong_wolfe";
}

export type LBFGSGroupOptions = Required<LBFGSOptions> & { maxEval: number };

// ---- flat vector helpers (accumulate in double) -----------------------------------------------

function dot(a: Vec, b: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function absMax(a: Vec): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m || Number.isNaN(v)) m = v;
  }
  return m;
}

function absSum(a: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]);
  return s;
}

function scaled(a: Vec, k: number): Vec {
  const out = allocate(a instanceof Float32Array ? "float32" : "float64", a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] * k;
  return out;
}

/** a ← a + alpha·b (PyTorch's a.add_(b, alpha)). */
function axpy(a: Vec, b: Vec, alpha: number): void {
  for (let i = 0; i < a.length; i++) a[i] = a[i] + alpha * b[i];
}

/** Minimizer of the cubic through (x1, f1, g1), (x2, f2, g2), clamped to bounds (PyTorch's _cubic_interpolate). */
function cubicInterpolate(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, bounds?: [number, number]): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2Square = d1 * d1 - g1 * g2;
  if (d2Square >= 0) {
    const d2 = Math.sqrt(d2Square);
    const minPos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return Math.min(Math.max(minPos, lo), hi);
  }
  return (lo + hi) / 2;
}

type ObjFunc = (x: Vec[], t: number, d: Vec) => [number, Vec];

/** Line search for a step satisfying the strong Wolfe conditions (PyTorch's _strong_wolfe). */
function strongWolfe(obj: ObjFunc, x: Vec[], t: number, d: Vec, f: number, g: Vec, gtd: number,
  c1 = 1e-4, c2 = 0.9, toleranceChange = 1e-9, maxLs = 25): [number, Vec, number, number] {
  const dNorm = absMax(d);
  g = g.slice();
  let [fNew, gNew] = obj(x, t, d);
  let lsFuncEvals = 1;
  let gtdNew = dot(gNew, d);
  let tPrev = 0, fPrev = f, gPrev = g, gtdPrev = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: number[] = [], bracketF: number[] = [], bracketG: Vec[] = [], bracketGtd: number[] = [];
  // Bracket an interval containing a point satisfying the Wolfe criteria.
  while (lsIter < maxLs) {
    if (fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev)) {
      [bracket, bracketF, bracketG, bracketGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew.slice()], [gtdPrev, gtdNew]];
      break;
    }
    if (Math.abs(gtdNew) <= -c2 * gtd) {
      [bracket, bracketF, bracketG] = [[t], [fNew], [gNew]];
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      [bracket, bracketF, bracketG, bracketGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew.slice()], [gtdPrev, gtdNew]];
      break;
    }
    const minStep = t + 0.01 * (t - tPrev);
    const maxStep = t * 10;
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    tPrev = tmp;
    fPrev = fNew;
    gPrev = gNew.slice();
    gtdPrev = gtdNew;
    [fNew, gNew] = obj(x, t, d);
    lsFuncEvals += 1;
    gtdNew = dot(gNew, d);
    lsIter += 1;
  }
  if (lsIter === maxLs) [bracket, bracketF, bracketG] = [[0, t], [f, fNew], [g, gNew]];

  // Zoom: refine the bracket until a point satisfies the criteria.
  let insufProgress = false;
  let [lowPos, highPos] = bracketF[0] <= bracketF[bracketF.length - 1] ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    if (Math.abs(bracket[1] - bracket[0]) * dNorm < toleranceChange) break;
    t = cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1]);
    // Too close to a bracket end (twice in a row, or outside): move 10% of the bracket inside.
    const bMax = Math.max(bracket[0], bracket[1]), bMin = Math.min(bracket[0], bracket[1]);
    const eps = 0.1 * (bMax - bMin);
    if (Math.min(bMax - t, t - bMin) < eps) {
      if (insufProgress || t >= bMax || t <= bMin) {
        t = Math.abs(t - bMax) < Math.abs(t - bMin) ? bMax - eps : bMin + eps;
        insufProgress = false;
      } else {
        insufProgress = true;
      }
    } else {
      insufProgress = false;
    }
    [fNew, gNew] = obj(x, t, d);
    lsFuncEvals += 1;
    gtdNew = dot(gNew, d);
    lsIter += 1;
    if (fNew > f + c1 * t * gtd || fNew >= bracketF[lowPos]) {
      // Armijo condition not satisfied or not lower than the lowest point.
      bracket[highPos] = t;
      bracketF[highPos] = fNew;
      bracketG[highPos] = gNew.slice();
      bracketGtd[highPos] = gtdNew;
      [lowPos, highPos] = bracketF[0] <= bracketF[1] ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -c2 * gtd) {
        done = true;
      } else if (gtdNew * (bracket[highPos] - bracket[lowPos]) >= 0) {
        // The old high becomes the new low.
        bracket[highPos] = bracket[lowPos];
        bracketF[highPos] = bracketF[lowPos];
        bracketG[highPos] = bracketG[lowPos];
        bracketGtd[highPos] = bracketGtd[lowPos];
      }
      bracket[lowPos] = t;
      bracketF[lowPos] = fNew;
      bracketG[lowPos] = gNew.slice();
      bracketGtd[lowPos] = gtdNew;
    }
  }
  return [bracketF[lowPos], bracketG[lowPos], bracket[lowPos], lsFuncEvals];
}

function lossValue(v: Tensor | number): number {
  if (v instanceof Tensor) return v.item();
  if (typeof v !== "number") throw new Error(`LBFGS.step: the closure must return the loss (a Tensor or number), got ${typeof v}`);
  return v;
}

/**
 * L-BFGS. step(closure) is required: the closure clears the gradients, computes the loss,
 * calls backward and returns the loss. Only one param group is supported (as in PyTorch).
 *
 * @example
 * const opt = new optim.LBFGS([x], { lineSearchFn: "strong_wolfe" });
 * opt.step(() => { opt.zeroGrad(); const loss = f(x); loss.backward(); return loss; });
 */
export class LBFGS extends Optimizer<LBFGSGroupOptions> {
  constructor(params: Params<LBFGSGroupOptions>, options: LBFGSOptions = {}) {
    const defaults = resolveOptions("LBFGS", options, {
      lr: 1, maxIter: 20, maxEval: null as number | null, toleranceGrad: 1e-7, toleranceChange: 1e-9, historySize: 100,
      lineSearchFn: null as null | "strong_wolfe",
    });
    if (defaults.maxEval === null) defaults.maxEval = Math.floor((defaults.maxIter * 5) / 4);
    super("LBFGS", params, defaults as LBFGSGroupOptions);
    if (this.paramGroups.length !== 1) throw new Error("LBFGS: LBFGS doesn't support per-parameter options (parameter groups); pass one list of tensors");
  }

  protected override validate(o: Partial<LBFGSGroupOptions>): void {
    nonNegative(this.name, "lr", o.lr, "learning rate");
    if (o.lineSearchFn !== undefined && o.lineSearchFn !== null && o.lineSearchFn !== "strong_wolfe") {
      this.check(false, `only 'strong_wolfe' is supported as lineSearchFn; got ${JSON.stringify(o.lineSearchFn)}`);
    }
  }

  private get params(): Tensor[] {
    return this.paramGroups[0].params;
  }

  private gatherFlatGrad(): Vec {
    const ps = this.params;
    const out = allocate(ps[0].dtype, ps.reduce((n, p) => n + p.size, 0));
    let off = 0;
    for (const p of ps) {
      if (p.grad !== null) {
        if (p.grad.size !== p.size) throw new Error(`LBFGS.step: a parameter of shape [${p.shape.join(", ")}] has a gradient of shape [${p.grad.shape.join(", ")}]`);
        out.set(p.grad.dataRowMajor(), off);
      }
      off += p.size;
    }
    return out;
  }

  /** p ← p + stepSize·update, over the flat vector. */
  private addGrad(stepSize: number, update: Vec): void {
    let off = 0;
    for (const p of this.params) {
      const w = p.storage, o = p.offset;
      for (let i = 0; i < p.size; i++) w[o + i] = w[o + i] + stepSize * update[off + i];
      off += p.size;
      p._version.v++;
    }
  }

  private cloneParam(): Vec[] {
    return this.params.map((p) => p.storage.slice(p.offset, p.offset + p.size));
  }

  private setParam(data: Vec[]): void {
    this.params.forEach((p, i) => {
      p.storage.set(data[i], p.offset);
      p._version.v++;
    });
  }

  private directionalEvaluate(closure: () => Tensor | number, x: Vec[], t: number, d: Vec): [number, Vec] {
    this.addGrad(t, d);
    const loss = lossValue(closure());
    const flatGrad = this.gatherFlatGrad();
    this.setParam(x);
    return [loss, flatGrad];
  }

  /** Run up to maxIter L-BFGS iterations; returns the closure's first loss. */
  override step(closure?: Closure): Tensor | number {
    if (typeof closure !== "function") {
      throw new Error("LBFGS.step: a closure is required: () => { opt.zeroGrad(); const loss = f(); loss.backward(); return loss; }");
    }
    return noGrad(() => this.run(() => enableGrad(closure)));
  }

  private run(closure: () => Tensor | number): Tensor | number {
    const group = this.paramGroups[0];
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, lineSearchFn, historySize } = group;
    const dtype = this.params[0].dtype;
    const vec = (v: unknown): Vec | undefined => (v instanceof Tensor ? (v.to(dtype).toArray() as Vec) : undefined);
    const state = this.stateOf(this.params[0]);
    state.func_evals = num(state.func_evals ?? 0);
    state.n_iter = num(state.n_iter ?? 0);

    const origLoss = closure();
    let loss = lossValue(origLoss);
    let currentEvals = 1;
    state.func_evals += 1;
    let flatGrad = this.gatherFlatGrad();
    let optCond = absMax(flatGrad) <= toleranceGrad;
    if (optCond) return origLoss;

    // Cached from the previous step() call.
    let d = vec(state.d)!;
    let t = state.t === undefined ? 0 : num(state.t);
    let oldDirs = ((state.old_dirs ?? []) as unknown[]).map((v) => vec(v)!);
    let oldStps = ((state.old_stps ?? []) as unknown[]).map((v) => vec(v)!);
    let ro = ((state.ro ?? []) as unknown[]).map(num);
    let hDiag = state.H_diag === undefined ? 1 : num(state.H_diag);
    let prevFlatGrad = vec(state.prev_flat_grad);
    let prevLoss = state.prev_loss === undefined ? NaN : num(state.prev_loss);

    let nIter = 0;
    while (nIter < maxIter) {
      nIter += 1;
      state.n_iter = (state.n_iter as number) + 1;
      // Descent direction.
      if (state.n_iter === 1) {
        d = scaled(flatGrad, -1);
        oldDirs = [];
        oldStps = [];
        ro = [];
        hDiag = 1;
      } else {
        const y = flatGrad.slice();
        axpy(y, prevFlatGrad!, -1);
        const s = scaled(d, t);
        const ys = dot(y, s);
        if (ys > 1e-10) {
          if (oldDirs.length === historySize) {
            oldDirs.shift();
            oldStps.shift();
            ro.shift();
          }
          oldDirs.push(y);
          oldStps.push(s);
          ro.push(1 / ys);
          hDiag = ys / dot(y, y);
        }
        // Two-loop recursion: d = −H·g with the limited-memory inverse Hessian.
        const numOld = oldDirs.length;
        if (state.al === undefined) state.al = new Array<number | null>(historySize).fill(null);
        const al = state.al as (number | null)[];
        const q = scaled(flatGrad, -1);
        for (let i = numOld - 1; i >= 0; i--) {
          al[i] = dot(oldStps[i], q) * ro[i];
          axpy(q, oldDirs[i], -(al[i] as number));
        }
        d = scaled(q, hDiag);
        for (let i = 0; i < numOld; i++) {
          const beI = dot(oldDirs[i], d) * ro[i];
          axpy(d, oldStps[i], num(al[i]) - beI);
        }
      }
      if (prevFlatGrad === undefined) prevFlatGrad = flatGrad.slice();
      else prevFlatGrad.set(flatGrad);
      prevLoss = loss;

      // Step length.
      t = state.n_iter === 1 ? Math.min(1, 1 / absSum(flatGrad)) * lr : lr;
      const gtd = dot(flatGrad, d);
      if (gtd > -toleranceChange) break;

      let lsFuncEvals = 0;
      if (lineSearchFn !== null) {
        const xInit = this.cloneParam();
        const obj: ObjFunc = (x, tt, dd) => this.directionalEvaluate(closure, x, tt, dd);
        [loss, flatGrad, t, lsFuncEvals] = strongWolfe(obj, xInit, t, d, loss, flatGrad, gtd);
        this.addGrad(t, d);
        optCond = absMax(flatGrad) <= toleranceGrad;
      } else {
        this.addGrad(t, d);
        if (nIter !== maxIter) {
          // Re-evaluate only if not the last iteration (in a stochastic setting it is wasted).
          loss = lossValue(closure());
          flatGrad = this.gatherFlatGrad();
          optCond = absMax(flatGrad) <= toleranceGrad;
          lsFuncEvals = 1;
        }
      }
      currentEvals += lsFuncEvals;
      state.func_evals = (state.func_evals as number) + lsFuncEvals;

      // Stopping conditions.
      if (nIter === maxIter) break;
      if (currentEvals >= maxEval) break;
      if (optCond) break;
      if (absMax(scaled(d, t)) <= toleranceChange) break;
      if (Math.abs(loss - prevLoss) < toleranceChange) break;
    }

    const wrap = (v: Vec): Tensor => Tensor.fromData(v, [v.length]);
    state.d = wrap(d);
    state.t = t;
    state.old_dirs = oldDirs.map(wrap);
    state.old_stps = oldStps.map(wrap);
    state.ro = ro;
    state.H_diag = hDiag;
    state.prev_flat_grad = wrap(prevFlatGrad!);
    state.prev_loss = prevLoss;
    return origLoss;
  }
}
