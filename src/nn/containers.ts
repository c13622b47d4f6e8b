// Containers: Sequential, ModuleList, ModuleDict (torch.nn.Sequential / ModuleList / ModuleDict).
//
// Their children are own properties like any submodule; Sequential and ModuleList use the keys
// "0", "1", ... (integer keys enumerate in ascending order in JS, which is their order).

import { Module } from "./module.js";
import { batchNormReLU, canFuseBatchNormReLU } from "./norm.js";

type Entries = [string, Module][];

function moduleEntries(m: Module): Entries {
  return m._members().filter((e): e is [string, Module] => e[1] instanceof Module);
}

function checkModule(where: string, m: unknown, i?: number): Module {
  if (!(m instanceof Module)) {
    const at = i === undefined ? "" : ` (argument ${i})`;
    throw new Error(`${where}: expected a Module${at}, got ${m === null ? "null" : Array.isArray(m) ? "an array" : typeof m}`);
  }
  return m;
}

/** Replace all child entries of `m` by `entries` (keys kept) or by 0..n-1 numbering. */
function setEntries(m: Module, entries: Entries | Module[]): void {
  const rec = m as unknown as Record<string, unknown>;
  for (const [k] of moduleEntries(m)) delete rec[k];
  entries.forEach((e, i) => {
    if (e instanceof Module) m.registerModule(String(i), e);
    else m.registerModule(e[0], e[1]);
  });
}

function normIndex(where: string, idx: number, n: number, allowEnd = false): number {
  if (!Number.isInteger(idx)) throw new Error(`${where}: index must be an integer, got ${idx}`);
  const i = idx < 0 ? idx + n : idx;
  if (i < 0 || i > n || (i === n && !allowEnd)) throw new Error(`${where}: index ${idx} is out of range for length ${n}`);
  return i;
}

/** Shared list behaviour of Sequential and ModuleList. */
abstract class ListLike extends Module {
  /** Number of modules. */
  get length(): number {
    return moduleEntries(this).length;
  }

  /** The module at index i (negative counts from the end). */
  at(i: number): Module {
    const e = moduleEntries(this);
    return e[normIndex(`${this.getName()}.at`, i, e.length)][1];
  }

  /** Append a module at the end (key: its index). */
  append(module: Module): this {
    checkModule(`${this.getName()}.append`, module);
    this.registerModule(String(this.length), module);
    return this;
  }

  /** Append several modules. */
  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** Insert a module before index i, renumbering those after it. */
  insert(i: number, module: Module): this {
    checkModule(`${this.getName()}.insert`, module);
    const mods = moduleEntries(this).map(([, m]) => m);
    mods.splice(normIndex(`${this.getName()}.insert`, i, mods.length, true), 0, module);
    setEntries(this, mods);
    return this;
  }

  /** Remove and return the module at index i (default: the last), renumbering the rest. */
  pop(i = -1): Module {
    const e = moduleEntries(this);
    const k = normIndex(`${this.getName()}.pop`, i, e.length);
    const numbered = e.every(([key], j) => key === String(j));
    const [removed] = e.splice(k, 1);
    setEntries(this, numbered ? e.map(([, m]) => m) : e);
    return removed[1];
  }

  [Symbol.iterator](): Iterator<Module> {
    return moduleEntries(this).map(([, m]) => m)[Symbol.iterator]();
  }
}

/**
 * A chain of modules: forward(x) feeds x through each in order.
 *
 * Args:
 *   modules: the modules, or one object / Map of named modules (keys become state-dict prefixes).
 *
 * Example:
 *   const net = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU());
 *   String(net); // "Sequential(\n  (0): Linear(in_features=4, out_features=3, bias=True)\n  (1): ReLU()\n)"
 *   const named = new nn.Sequential({ fc: new nn.Linear(4, 3), act: new nn.ReLU() }); // keys fc.weight, ...
 */
export class Sequential extends ListLike {
  constructor(...modules: Module[] | [Record<string, Module> | Map<string, Module>]) {
    super();
    const first = modules[0] as unknown;
    if (modules.length === 1 && !(first instanceof Module) && typeof first === "object" && first !== null && !Array.isArray(first)) {
      const entries = first instanceof Map ? [...first.entries()] : Object.entries(first);
      for (const [k, m] of entries) this.registerModule(k, checkModule("Sequential", m));
    } else {
      (modules as unknown[]).forEach((m, i) => this.registerModule(String(i), checkModule("Sequential", m, i)));
    }
  }

  /** Modules i..j (like Python slicing; keys are kept). */
  slice(start?: number, end?: number): Sequential {
    return new Sequential(new Map(moduleEntries(this).slice(start, end)));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override forward(input: any): any {
    let x = input;
    const mods = moduleEntries(this);
    for (let i = 0; i < mods.length; i++) {
      const m = mods[i][1];
      // A BatchNorm followed by a ReLU runs as one op when no one can see the difference.
      if (i + 1 < mods.length && canFuseBatchNormReLU(m, mods[i + 1][1])) {
        x = batchNormReLU(m, mods[++i][1], x);
        continue;
      }
      x = m.forward(x);
    }
    return x;
  }
}

/**
 * A list of modules that registers them (so their parameters are found), without a forward:
 * the owner decides how to call them.
 *
 * Example:
 *   const blocks = new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 4)]);
 *   for (const b of blocks) x = b.forward(x);
 */
export class ModuleList extends ListLike {
  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }

  /** Replace the module at index i. */
  set(i: number, module: Module): this {
    checkModule("ModuleList.set", module);
    this.registerModule(String(normIndex("ModuleList.set", i, this.length)), module);
    return this;
  }

  /** Modules i..j as a new ModuleList. */
  slice(start?: number, end?: number): ModuleList {
    return new ModuleList(moduleEntries(this).slice(start, end).map(([, m]) => m));
  }
}

/**
 * A dictionary of named modules, kept in insertion order (also for keys that look like
 * integers). Iterating yields the keys, like PyTorch's ModuleDict.
 *
 * Example:
 *   const heads = new nn.ModuleDict({ cls: new nn.Linear(8, 10), box: new nn.Linear(8, 4) });
 *   heads.get("cls").forward(x);
 */
export class ModuleDict extends Module {
  /** @internal Key order (JS objects would put integer-like keys first). */
  private _keys: string[] = [];

  constructor(modules: Record<string, Module> | Map<string, Module> | Iterable<[string, Module]> = {}) {
    super();
    this.update(modules);
  }

  override _members(): [string, unknown][] {
    const rec = this as unknown as Record<string, unknown>;
    const own = super._members().filter(([k]) => !this._keys.includes(k));
    return [...own, ...this._keys.map((k): [string, unknown] => [k, rec[k]])];
  }

  get length(): number {
    return this._keys.length;
  }

  has(key: string): boolean {
    return this._keys.includes(key);
  }

  get(key: string): Module {
    if (!this.has(key)) throw new Error(`ModuleDict.get: no module under key "${key}"; keys are ${JSON.stringify(this._keys)}`);
    return (this as unknown as Record<string, Module>)[key];
  }

  set(key: string, module: Module): this {
    checkModule("ModuleDict.set", module);
    this.registerModule(key, module);
    if (!this._keys.includes(key)) this._keys.push(key);
    return this;
  }

  /** Remove the module under key and return it. */
  pop(key: string): Module {
    const m = this.get(key);
    this._keys.splice(this._keys.indexOf(key), 1);
    delete (this as unknown as Record<string, unknown>)[key];
    return m;
  }

  clear(): void {
    for (const k of [...this._keys]) this.pop(k);
  }

  /** Add or replace entries from an object, Map or [key, module] pairs. */
  update(modules: Record<string, Module> | Map<string, Module> | Iterable<[string, Module]>): this {
    const entries = modules instanceof Map || Symbol.iterator in Object(modules)
      ? [...(modules as Iterable<[string, Module]>)]
      : Object.entries(modules as Record<string, Module>);
    for (const [k, m] of entries) this.set(k, m);
    return this;
  }

  keys(): string[] {
    return [...this._keys];
  }

  values(): Module[] {
    return this._keys.map((k) => this.get(k));
  }

  entries(): [string, Module][] {
    return this._keys.map((k) => [k, this.get(k)]);
  }

  [Symbol.iterator](): Iterator<string> {
    return this.keys()[Symbol.iterator]();
  }
}
