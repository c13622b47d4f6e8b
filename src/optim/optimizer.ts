// The Optimizer base class, PyTorch's way: parameters live in param groups, every group holds
// every option (its own overrides, the defaults for the rest), state is kept per parameter, and
// stateDict()/loadStateDict() use PyTorch's layout and snake_case keys so checkpoints move
// across: { state: { 0: { momentum_buffer } }, param_groups: [{ lr, ..., params: [0, 1] }] }.

import { Tensor } from "../tensor/tensor.js";
import { enableGrad, noGrad } from "../autograd/grad_mode.js";
import { type StateValue, camelToSnake, copyState, snakeToCamel } from "./util.js";

/** Options every optimizer has. */
export interface BaseOptions {
  lr: number;
}

/** Keys that learning-rate schedulers add to param groups (PyTorch's initial_lr, max_lr, ...). */
export interface ParamGroupExtras {
  initialLr?: number;
  maxLr?: number;
  minLr?: number;
  maxMomentum?: number;
  baseMomentum?: number;
}

/** A param group as the optimizer holds it: its parameters and every option resolved. */
export type ParamGroup<O> = O & ParamGroupExtras & { params: Tensor[] };

/** A param group as the user passes it: parameters plus the options that differ from the defaults. */
export type ParamGroupInput<O> = Partial<O> & ParamGroupExtras & { params: Iterable<Tensor> | Tensor };

/** What an optimizer constructor accepts: tensors, or param groups. */
export type Params<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** Re-evaluates the model and returns the loss (called with grad mode on). */
export type Closure = () => Tensor | number;

/** The state an optimizer keeps for one parameter, under PyTorch's keys (momentum_buffer, exp_avg, step ...). */
export type ParamState = Record<string, StateValue>;

/** PyTorch's optimizer state-dict layout. State keys are the parameters' indices in group order. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, unknown>>;
  param_groups: Record<string, unknown>[];
}

export interface OptimizerConfig {
  /** Options that must be given (in the defaults or in every group), like SGD's lr. */
  required?: string[];
  /** Group keys PyTorch 1.13 also saves (foreach, differentiable ...): written by stateDict, ignored on load. */
  pytorchOnly?: Record<string, unknown>;
}

/**
 * Base class of all optimizers. Subclasses implement `updateGroup` (the update of one param
 * group, run inside noGrad) or override `step` (LBFGS).
 */
export abstract class Optimizer<O extends BaseOptions = BaseOptions> {
  /** The options given at construction, with the optimizer's defaults filled in. */
  readonly defaults: O;
  /** The param groups; schedulers change `lr` (and momentum/betas) here. */
  paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, keyed by the parameter tensor. */
  state = new Map<Tensor, ParamState>();
  /** The optimizer's name, used in error messages. */
  readonly name: string;
  private readonly required: string[];
  private readonly pytorchOnly: Record<string, unknown>;

  constructor(name: string, params: Params<O>, defaults: O, config: OptimizerConfig = {}) {
    this.name = name;
    this.defaults = defaults;
    this.required = config.required ?? [];
    this.pytorchOnly = config.pytorchOnly ?? {};
    this.validate(defaults as Partial<O>);
    if (params instanceof Tensor) {
      throw new Error(`${name}: params argument given to the optimizer should be an iterable of Tensors or param groups, but got a Tensor; pass [x]`);
    }
    if (params === null || params === undefined || typeof (params as Iterable<unknown>)[Symbol.iterator] !== "function") {
      throw new Error(`${name}: params argument should be an iterable of Tensors or param groups, got ${String(params)}`);
    }
    const list = [...(params as Iterable<Tensor | ParamGroupInput<O>>)];
    if (list.length === 0) throw new Error(`${name}: optimizer got an empty parameter list`);
    const groups = list[0] instanceof Tensor ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<O>] : (list as ParamGroupInput<O>[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /** Check option values; subclasses throw PyTorch's messages ("Invalid learning rate: -1"). */
  protected validate(_options: Partial<O>): void {}

  /** Throw `name: message` unless ok. */
  protected check(ok: boolean, message: string): void {
    if (!ok) throw new Error(`${this.name}: ${message}`);
  }

  /**
   * Add a param group (e.g. layers unfrozen while fine-tuning). Options it leaves out take the
   * optimizer's defaults.
   */
  addParamGroup(group: ParamGroupInput<O>): void {
    if (group === null || typeof group !== "object" || group instanceof Tensor) {
      throw new Error(`${this.name}: param group must be an object { params, ...options }, got ${group instanceof Tensor ? "a Tensor" : String(group)}`);
    }
    const raw = group.params;
    if (raw instanceof Set) {
      throw new Error(`${this.name}: optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use an array instead.`);
    }
    if (raw === undefined || raw === null) throw new Error(`${this.name}: param group has no params`);
    const params: Tensor[] = raw instanceof Tensor ? [raw] : [...raw];
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new Error(`${this.name}: optimizer can only optimize Tensors, but param ${i} is ${typeof p}`);
      if (!p.isLeaf) throw new Error(`${this.name}: can't optimize a non-leaf Tensor (param ${i} was produced by ${p.gradFn!.name}); optimize the leaf it came from, or detach().requiresGrad_()`);
      if (p.dtype === "int32") throw new Error(`${this.name}: param ${i} has dtype int32; only float32/float64 tensors can be optimized`);
      if (!p.isContiguous()) throw new Error(`${this.name}: param ${i} (shape [${p.shape.join(", ")}]) is not contiguous; optimize a contiguous tensor (x.contiguous().detach())`);
    });
    if (new Set(params).size !== params.length) throw new Error(`${this.name}: optimizer contains a parameter group with duplicate parameters`);
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (params.includes(p)) throw new Error(`${this.name}: some parameters appear in more than one parameter group`);
      }
    }
    const resolved: Record<string, unknown> = { params };
    for (const [k, v] of Object.entries(group)) if (k !== "params") resolved[k] = Array.isArray(v) ? v.slice() : v;
    for (const [k, v] of Object.entries(this.defaults)) {
      if (resolved[k] !== undefined) continue;
      if (this.required.includes(k) && v === undefined) {
        throw new Error(`${this.name}: parameter group didn't specify a value of required optimization parameter ${k}; pass it in the options, e.g. { ${k}: 0.01 }`);
      }
      resolved[k] = Array.isArray(v) ? v.slice() : v;
    }
    this.validate(resolved as Partial<O>);
    this.paramGroups.push(resolved as unknown as ParamGroup<O>);
  }

  /**
   * Reset the gradients of all optimized parameters. `setToNone` (default true, PyTorch ≥ 2.0's
   * default; 1.13 defaulted to false) sets `.grad` to null, which saves memory and makes
   * optimizers skip parameters that get no gradient; false fills the gradients with zeros.
   */
  zeroGrad({ setToNone = true }: { setToNone?: boolean } = {}): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        let g = p.grad;
        if (g === null) continue;
        if (setToNone) {
          p.grad = null;
          continue;
        }
        if (g.gradFn !== null || g.requiresGrad) p.grad = g = g.detach();
        noGrad(() => g!.zero_());
      }
    }
  }

  /**
   * Perform one optimization step. `closure` re-evaluates the model and returns the loss (run with
   * grad mode on); its result is returned. Parameters whose `.grad` is null are skipped.
   */
  step(closure?: Closure): Tensor | number | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    noGrad(() => {
      for (const group of this.paramGroups) this.updateGroup(group);
    });
    return loss;
  }

  /** Update the parameters of one group from their gradients (inside noGrad). */
  protected updateGroup(_group: ParamGroup<O>): void {
    throw new Error(`${this.name}: step is not implemented`);
  }

  /** The state of parameter p, created empty on first use. */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (s === undefined) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /**
   * The optimizer's state in PyTorch's layout, with copies of the state tensors: `state` keyed by
   * the parameter's index (counting through the groups in order), `param_groups` holding each
   * group's options under PyTorch's snake_case keys and `params` as those indices.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let start = 0;
    const paramGroups = this.paramGroups.map((group) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(group)) if (k !== "params") packed[camelToSnake(k)] = copyState(v);
      for (const [k, v] of Object.entries(this.pytorchOnly)) if (!(k in packed)) packed[k] = v;
      group.params.forEach((p, i) => { if (!index.has(p)) index.set(p, start + i); });
      packed.params = group.params.map((p) => index.get(p)!);
      start += group.params.length;
      return packed;
    });
    const state: Record<number, Record<string, unknown>> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i !== undefined) state[i] = copyState(s) as Record<string, unknown>;
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Load a state dict made by stateDict() (here or by PyTorch, same layout). Groups and their
   * sizes must match; state tensors are copied and cast to their parameter's dtype (except
   * `step`); options are taken from the saved groups.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    if (stateDict === null || typeof stateDict !== "object" || !Array.isArray(stateDict.param_groups) || typeof stateDict.state !== "object") {
      throw new Error(`${this.name}.loadStateDict: expected { state, param_groups } as made by stateDict()`);
    }
    const saved = stateDict.param_groups;
    if (saved.length !== this.paramGroups.length) {
      throw new Error(`${this.name}.loadStateDict: loaded state dict has a different number of parameter groups; got ${saved.length}, expected ${this.paramGroups.length}`);
    }
    saved.forEach((g, i) => {
      const n = Array.isArray(g.params) ? g.params.length : -1;
      if (n !== this.paramGroups[i].params.length) {
        throw new Error(`${this.name}.loadStateDict: loaded state dict contains a parameter group that doesn't match the size of optimizer's group; group ${i} has ${n} params, expected ${this.paramGroups[i].params.length}`);
      }
    });
    const idMap = new Map<number, Tensor>();
    saved.forEach((g, i) => (g.params as number[]).forEach((id, j) => idMap.set(Number(id), this.paramGroups[i].params[j])));
    const state = new Map<Tensor, ParamState>();
    for (const [k, v] of Object.entries(stateDict.state)) {
      const p = idMap.get(Number(k));
      if (p !== undefined) state.set(p, copyState(v, p.dtype) as ParamState);
    }
    const groups = saved.map((g, i) => {
      const out: Record<string, unknown> = { params: this.paramGroups[i].params };
      for (const [k, v] of Object.entries(g)) {
        if (k === "params" || k in this.pytorchOnly) continue;
        out[snakeToCamel(k)] = copyState(v);
      }
      for (const [k, v] of Object.entries(this.defaults)) if (out[k] === undefined) out[k] = Array.isArray(v) ? v.slice() : v;
      return out as unknown as ParamGroup<O>;
    });
    this.state = state;
    this.paramGroups = groups;
  }

  toString(): string {
    const lines = [`${this.name} (`];
    this.paramGroups.forEach((g, i) => {
      lines.push(`Parameter Group ${i}`);
      for (const k of Object.keys(g).sort()) if (k !== "params") lines.push(`    ${k}: ${JSON.stringify((g as unknown as Record<string, unknown>)[k])}`);
    });
    lines.push(")");
    return lines.join("\n");
  }
}

/** Throw PyTorch's "Invalid <what> value" unless 0 <= value (undefined passes: it is resolved later). */
export function nonNegative(name: string, what: string, value: number | undefined, label = `${what} value`): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !(value >= 0)) {
    throw new Error(`${name}: Invalid ${label}: ${value} (expected ${what} >= 0)`);
  }
}
