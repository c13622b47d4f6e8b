// Module: the base class of every layer and model (torch.nn.Module).
//
// Registration follows PyTorch's order without a __setattr__: a module's parameters and
// submodules are its own enumerable properties, discovered in insertion order (class fields
// are defined in declaration order, so declare `weight` before `bias` as PyTorch assigns them).
// A property holding a Parameter is a parameter, one holding a Module is a submodule, and null
// is allowed (`bias = null`) and skipped. Buffers are not plain properties: registerBuffer()
// keeps them in an ordered map and installs an accessor, so `this.running_mean` reads and
// writes the map. Layers use PyTorch's attribute names for tensors (weight, bias,
// running_mean), so state-dict keys match PyTorch byte for byte. One JS rule to know: property
// names that are integers ("0", "1") enumerate first in ascending order, which is exactly the
// order Sequential and ModuleList need; ModuleDict keeps its own key order.
//
// Forward hooks: `forward` stays the one entry point (`model.forward(x)`). The first
// registerForwardHook/registerForwardPreHook call on a module wraps that instance's forward
// in an own (non-enumerable) property that runs the pre-hooks, the original forward and the
// hooks, so every caller, including containers, goes through them.

import { Tensor } from "../tensor/tensor.js";
import { type DType, checkDType, isFloating } from "../tensor/dtype.js";
import { fmtShape, shapeEquals } from "../tensor/shape.js";
import { noGrad } from "../autograd/grad_mode.js";
import { Parameter, swapData } from "./parameter.js";
import { addIndent } from "./repr.js";

/** Runs before forward; may return replacement arguments (an array). */
export type ForwardPreHook = (module: Module, inputs: unknown[]) => unknown[] | void;
/** Runs after forward; may return a replacement output. */
export type ForwardHook = (module: Module, inputs: unknown[], output: unknown) => unknown;

/** Returned by the register*Hook methods: call remove() to unregister. */
export interface RemovableHandle {
  remove(): void;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export type StateDict = Record<string, Tensor>;

function checkName(owner: Module, kind: string, name: unknown): string {
  const where = `${owner.getName()}.register${kind}`;
  if (typeof name !== "string") throw new Error(`${where}: name must be a string, got ${typeof name}`);
  if (name === "") throw new Error(`${where}: name can't be empty`);
  if (name.includes(".")) throw new Error(`${where}: name can't contain ".", got "${name}"`);
  return name;
}

export class Module {
  /** Whether the module is in training mode (see train()/eval()). */
  training = true;
  /** @internal Buffers in registration order (values may be null). */
  _buffers: Map<string, Tensor | null> = new Map();
  /** @internal Buffer names left out of stateDict(). */
  _nonPersistent: Set<string> = new Set();
  /** @internal */
  _preHooks: Map<number, ForwardPreHook> | null = null;
  /** @internal */
  _hooks: Map<number, ForwardHook> | null = null;

  // The base signature is deliberately loose: each layer narrows it (e.g. forward(x: Tensor): Tensor).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  forward(..._args: any[]): any {
    throw new Error(`${this.getName()}: missing the forward() method; subclasses of Module must define forward(...)`);
  }

  /** The class name, as PyTorch's repr shows it. */
  getName(): string {
    return this.constructor.name;
  }

  /** @internal Own [name, value] pairs that may be parameters or submodules, in registration order. */
  _members(): [string, unknown][] {
    return Object.keys(this).map((k) => [k, (this as Record<string, unknown>)[k]]);
  }

  // ---- registration -------------------------------------------------------------------------

  private checkFree(kind: string, name: string, allowed: (v: unknown) => boolean): void {
    if (this._buffers.has(name) && kind !== "Buffer") {
      throw new Error(`${this.getName()}.register${kind}: "${name}" is already a buffer`);
    }
    if (name in this && !this._buffers.has(name) && !allowed((this as Record<string, unknown>)[name])) {
      throw new Error(`${this.getName()}.register${kind}: attribute "${name}" already exists`);
    }
  }

  /** Register a parameter (or null) under a name; the same as assigning the property. */
  registerParameter(name: string, param: Parameter | null): void {
    checkName(this, "Parameter", name);
    if (param !== null && !(param instanceof Parameter)) {
      throw new Error(`${this.getName()}.registerParameter: "${name}" must be a Parameter or null; wrap a tensor as new nn.Parameter(t)`);
    }
    this.checkFree("Parameter", name, (v) => v === null || v === undefined || v instanceof Parameter);
    (this as Record<string, unknown>)[name] = param;
  }

  /** Register a submodule (or null) under a name; the same as assigning the property. */
  registerModule(name: string, module: Module | null): void {
    checkName(this, "Module", name);
    if (module !== null && !(module instanceof Module)) {
      throw new Error(`${this.getName()}.registerModule: "${name}" must be a Module or null, got ${typeof module}`);
    }
    this.checkFree("Module", name, (v) => v === null || v === undefined || v instanceof Module);
    (this as Record<string, unknown>)[name] = module;
  }

  /** Alias of registerModule (PyTorch's add_module). */
  addModule(name: string, module: Module | null): void {
    this.registerModule(name, module);
  }

  /**
   * Register a buffer: a tensor that is state but not a parameter (BatchNorm's running_mean).
   * Persistent buffers are part of stateDict(). Afterwards `module[name]` reads and writes it.
   */
  registerBuffer(name: string, value: Tensor | null, persistent = true): void {
    checkName(this, "Buffer", name);
    if (value !== null && !(value instanceof Tensor)) {
      throw new Error(`${this.getName()}.registerBuffer: "${name}" must be a Tensor or null, got ${typeof value}`);
    }
    this.checkFree("Buffer", name, (v) => v === undefined);
    if (!this._buffers.has(name)) {
      const buffers = this._buffers;
      Object.defineProperty(this, name, {
        configurable: true,
        enumerable: false,
        get: () => buffers.get(name) ?? null,
        set: (v: unknown) => {
          if (v !== null && !(v instanceof Tensor)) throw new Error(`${this.getName()}: buffer "${name}" must be a Tensor or null`);
          buffers.set(name, v);
        },
      });
    }
    this._buffers.set(name, value);
    if (persistent) this._nonPersistent.delete(name);
    else this._nonPersistent.add(name);
  }

  // ---- traversal ----------------------------------------------------------------------------

  /** Direct submodules as [name, module], each module once. */
  namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    const out: [string, Module][] = [];
    for (const [k, v] of this._members()) {
      if (v instanceof Module && !seen.has(v)) {
        seen.add(v);
        out.push([k, v]);
      }
    }
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and all below it, pre-order, as [dotted name, module], each module once. */
  namedModules(prefix = "", memo: Set<Module> = new Set()): [string, Module][] {
    if (memo.has(this)) return [];
    memo.add(this);
    const out: [string, Module][] = [[prefix, this]];
    for (const [k, v] of this._members()) {
      if (v instanceof Module) out.push(...v.namedModules(prefix ? `${prefix}.${k}` : k, memo));
    }
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters as [dotted name, parameter], each parameter once (shared ones under their first name). */
  namedParameters(prefix = "", recurse = true): [string, Parameter][] {
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    const seen = new Set<Parameter>();
    const out: [string, Parameter][] = [];
    for (const [mp, m] of mods) {
      for (const [k, v] of m._members()) {
        if (v instanceof Parameter && !seen.has(v)) {
          seen.add(v);
          out.push([mp ? `${mp}.${k}` : k, v]);
        }
      }
    }
    return out;
  }

  /** The trainable tensors to hand to an optimizer (de-duplicated). */
  parameters(recurse = true): Parameter[] {
    return this.namedParameters("", recurse).map(([, p]) => p);
  }

  /** Buffers (non-null) as [dotted name, tensor], each once. */
  namedBuffers(prefix = "", recurse = true): [string, Tensor][] {
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [mp, m] of mods) {
      for (const [k, v] of m._buffers) {
        if (v !== null && !seen.has(v)) {
          seen.add(v);
          out.push([mp ? `${mp}.${k}` : k, v]);
        }
      }
    }
    return out;
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers("", recurse).map(([, b]) => b);
  }

  /** The submodule at a dotted path ("features.0"); "" is this module. */
  getSubmodule(target: string): Module {
    if (target === "") return this;
    let m: Module = this;
    for (const part of target.split(".")) {
      const next = Object.prototype.hasOwnProperty.call(m, part) ? (m as unknown as Record<string, unknown>)[part] : undefined;
      if (!(next instanceof Module)) throw new Error(`getSubmodule: ${m.getName()} has no submodule "${part}" (path "${target}")`);
      m = next;
    }
    return m;
  }

  /** Total number of parameter elements (optionally only those requiring grad). */
  numParameters(onlyTrainable = false): number {
    let n = 0;
    for (const p of this.parameters()) if (!onlyTrainable || p.requiresGrad) n += p.size;
    return n;
  }

  // ---- modes and bulk changes ---------------------------------------------------------------

  /** Set training mode on this module and every submodule (affects Dropout, BatchNorm). */
  train(mode = true): this {
    if (typeof mode !== "boolean") throw new Error(`train: mode must be a boolean, got ${typeof mode}`);
    this.training = mode;
    for (const c of this.children()) c.train(mode);
    return this;
  }

  /** Evaluation mode: train(false). */
  eval(): this {
    return this.train(false);
  }

  /** Set requiresGrad on every parameter (freeze with requiresGrad_(false)). */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /** Clear parameter gradients: set them to null (default, like PyTorch 2) or zero them. */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      if (p.grad === null) continue;
      if (setToNone) p.grad = null;
      else {
        const g = p.grad.gradFn ? p.grad.detach() : p.grad;
        noGrad(() => g.zero_());
        p.grad = g;
      }
    }
  }

  /** Call fn on every submodule (children first) and then on this module, e.g. for custom init. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Convert floating parameters and buffers to `dtype` (int buffers such as
   * num_batches_tracked are kept). Parameters keep their identity (their storage is swapped, like
   * PyTorch's `.data` assignment), so an optimizer made before still holds them; gradients are
   * converted too. Buffers are replaced by converted tensors.
   */
  to(dtype: DType): this {
    checkDType(`${this.getName()}.to`, dtype);
    if (!isFloating(dtype)) throw new Error(`${this.getName()}.to: modules can only be converted to a floating dtype, got ${dtype}`);
    noGrad(() => {
      for (const m of this.modules()) {
        for (const [, v] of m._members()) {
          if (v instanceof Parameter && isFloating(v.dtype) && v.dtype !== dtype) {
            swapData(v, v.detach().to(dtype));
            if (v.grad) v.grad = v.grad.detach().to(dtype);
          }
        }
        for (const [k, b] of m._buffers) {
          if (b !== null && isFloating(b.dtype) && b.dtype !== dtype) m._buffers.set(k, b.to(dtype));
        }
      }
    });
    return this;
  }

  /** to("float64"). */
  double(): this {
    return this.to("float64");
  }

  /** to("float32"). */
  float(): this {
    return this.to("float32");
  }

  // ---- state dicts --------------------------------------------------------------------------

  /** @internal This module's own state entries (parameters then persistent buffers), non-null. */
  _ownState(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [k, v] of this._members()) if (v instanceof Parameter) out.push([k, v]);
    for (const [k, b] of this._buffers) if (b !== null && !this._nonPersistent.has(k)) out.push([k, b]);
    return out;
  }

  /**
   * Every parameter and persistent buffer by PyTorch's dotted key (`0.weight`,
   * `1.running_mean`), in PyTorch's order: per module (pre-order), parameters then buffers.
   * Values are detached tensors sharing storage with the module (copy them to keep a snapshot).
   */
  stateDict(prefix = ""): StateDict {
    const sd: StateDict = {};
    for (const [mp, m] of this.namedModules()) {
      for (const [k, t] of m._ownState()) sd[prefix + (mp ? `${mp}.${k}` : k)] = t.detach();
    }
    return sd;
  }

  /**
   * Copy values from a state dict into this module's parameters and buffers (in place, without
   * recording the graph, converting dtype). Shapes must match. With strict (the default), a
   * missing or unexpected key is an error; otherwise they are returned.
   */
  loadStateDict(stateDict: StateDict | Map<string, Tensor>, options: { strict?: boolean } = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    if (typeof stateDict !== "object" || stateDict === null) {
      throw new Error(`loadStateDict: expected an object mapping keys to tensors, got ${stateDict === null ? "null" : typeof stateDict}`);
    }
    const sd = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict));
    const expected = new Set<string>();
    const missingKeys: string[] = [];
    const errors: string[] = [];
    const copies: [Tensor, Tensor][] = [];
    for (const [mp, m] of this.namedModules()) {
      for (const [k, t] of m._ownState()) {
        const key = mp ? `${mp}.${k}` : k;
        expected.add(key);
        if (!sd.has(key)) {
          missingKeys.push(key);
          continue;
        }
        const v = sd.get(key);
        if (!(v instanceof Tensor)) {
          errors.push(`"${key}" must be a Tensor, got ${v === null ? "null" : typeof v}`);
        } else if (!shapeEquals(v.shape, t.shape)) {
          errors.push(`size mismatch for ${key}: copying a param with shape ${fmtShape(v.shape)} from checkpoint, the shape in current model is ${fmtShape(t.shape)}`);
        } else {
          copies.push([t, v]);
        }
      }
    }
    const unexpectedKeys = [...sd.keys()].filter((k) => !expected.has(k));
    if (strict) {
      if (unexpectedKeys.length) errors.unshift(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(", ")}`);
      if (missingKeys.length) errors.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(", ")}`);
    }
    if (errors.length) {
      throw new Error(`loadStateDict: error(s) in loading state_dict for ${this.getName()}:\n\t${errors.join("\n\t")}`);
    }
    noGrad(() => {
      for (const [t, v] of copies) t.copy_(v);
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- hooks --------------------------------------------------------------------------------

  private static nextHookId = 0;

  private wrapForward(): void {
    if (this._preHooks !== null) return;
    this._preHooks = new Map();
    this._hooks = new Map();
    const inner = this.forward;
    const wrapped = (...args: unknown[]): unknown => {
      let inputs = args;
      for (const h of [...this._preHooks!.values()]) {
        const r = h(this, inputs);
        if (r !== undefined) inputs = Array.isArray(r) ? r : [r];
      }
      let out = inner.apply(this, inputs);
      for (const h of [...this._hooks!.values()]) {
        const r = h(this, inputs, out);
        if (r !== undefined) out = r;
      }
      return out;
    };
    Object.defineProperty(this, "forward", { value: wrapped, writable: true, configurable: true, enumerable: false });
    this._hookedForward = { wrapped, inner };
  }

  /** @internal The forward wrapped by hooks, and the one it wraps. */
  _hookedForward: { wrapped: unknown; inner: unknown } | null = null;

  /**
   * @internal The function forward() runs when no hook is registered now: lets a caller that
   * fuses layers check that it is the stock one (hooks registered and removed leave a wrapper).
   */
  _unhookedForward(): unknown {
    const h = this._hookedForward;
    if (h && this.forward === h.wrapped) return this._preHooks!.size + this._hooks!.size === 0 ? h.inner : h.wrapped;
    return this.forward;
  }

  /**
   * Run `hook(module, inputs)` before every forward; returning an array replaces the arguments.
   * Returns a handle whose remove() unregisters it.
   */
  registerForwardPreHook(hook: ForwardPreHook): RemovableHandle {
    this.wrapForward();
    const id = Module.nextHookId++;
    this._preHooks!.set(id, hook);
    return { remove: () => void this._preHooks!.delete(id) };
  }

  /**
   * Run `hook(module, inputs, output)` after every forward (e.g. to record activations);
   * returning a value other than undefined replaces the output.
   */
  registerForwardHook(hook: ForwardHook): RemovableHandle {
    this.wrapForward();
    const id = Module.nextHookId++;
    this._hooks!.set(id, hook);
    return { remove: () => void this._hooks!.delete(id) };
  }

  // ---- printing -----------------------------------------------------------------------------

  /** Extra text inside this module's repr parentheses (e.g. "in_features=4, out_features=3, bias=True"). */
  extraRepr(): string {
    return "";
  }

  /** A summary like PyTorch's repr(model). */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split("\n") : [];
    const childLines: string[] = [];
    for (const [k, v] of this._members()) {
      if (v instanceof Module) childLines.push(`(${k}): ${addIndent(v.toString(), 2)}`);
    }
    const lines = [...extraLines, ...childLines];
    let s = this.getName() + "(";
    if (lines.length) {
      if (extraLines.length === 1 && childLines.length === 0) s += extraLines[0];
      else s += "\n  " + lines.join("\n  ") + "\n";
    }
    return s + ")";
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
