// How a DataLoader worker gets its own copy of the dataset and its transforms.
//
// describe(value) turns a dataset (with its transforms) into a structured-cloneable description
// that revive(description) rebuilds in the worker thread:
//  - Kestrel's own classes (datasets, data.transforms, Tensor, Generator) are described by their
//    class name and own fields, and rebuilt with the class's prototype: no per-class code needed.
//    Pixel arrays of the built-in datasets live in SharedArrayBuffers, so workers share them.
//  - A class that defines `toSpec()` and a static `fromSpec(spec)` is described by those instead.
//  - A transform *function* of data.transforms carries `spec = { name, args }`: the worker calls
//    `transforms[name](...args)` (args described recursively, so Compose's list works).
//  - A user's own dataset (or transform) class defines `workerSource()` returning
//    `{ module: import.meta.url, exportName: "MyDataset", args: [...] }`; the worker imports the
//    module and calls `new MyDataset(...args)` (or `MyFactory(...args)` for a plain function, or
//    uses the export as is when it is not a function). args are described the same way.
//  - Functions and unknown classes cannot cross threads: describe throws, naming the path.

import { Tensor } from "../tensor/tensor.js";
import { Generator } from "../tensor/random.js";
import * as transforms from "./transforms/index.js";
import * as datasets from "./datasets/index.js";
import { TensorDataset, Subset, ConcatDataset } from "./dataset.js";
import { SequentialSampler, RandomSampler, SubsetRandomSampler, BatchSampler } from "./sampler.js";

/** Where a worker finds a user-defined dataset or transform: a module and one of its exports. */
export interface WorkerSource {
  /** Module URL or absolute path (use `import.meta.url` inside the module that defines the class). */
  module: string | URL;
  /** The export to use (default "default"): a class (constructed with args), a function (called with args), or a value. */
  exportName?: string;
  /** Arguments for the class or function; may hold Kestrel transforms, typed arrays, ... */
  args?: unknown[];
}

let registry: Map<string, { prototype: object; fromSpec?: (spec: unknown) => unknown }> | null = null;

function addClasses(prefix: string, ns: Record<string, unknown>, into: NonNullable<typeof registry>): void {
  for (const value of Object.values(ns)) {
    if (typeof value !== "function" || !value.prototype) continue;
    const ctor = (value.prototype as { constructor?: { name?: string } }).constructor;
    const name = ctor?.name || value.name;
    if (!name) continue;
    into.set(prefix + name, { prototype: value.prototype, fromSpec: (ctor as { fromSpec?: (s: unknown) => unknown }).fromSpec });
  }
}

function classes(): NonNullable<typeof registry> {
  if (registry) return registry;
  registry = new Map();
  addClasses("", { Tensor, Generator, TensorDataset, Subset, ConcatDataset, SequentialSampler, RandomSampler, SubsetRandomSampler, BatchSampler }, registry);
  addClasses("", datasets as Record<string, unknown>, registry);
  addClasses("transforms.", transforms as Record<string, unknown>, registry);
  return registry;
}

function keyOf(obj: object): string | undefined {
  const proto = Object.getPrototypeOf(obj);
  for (const [k, v] of classes()) if (v.prototype === proto) return k;
  return undefined;
}

function isCloneableLeaf(v: object): boolean {
  return ArrayBuffer.isView(v) || v instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer === "function" && v instanceof SharedArrayBuffer) || v instanceof Date || v instanceof RegExp;
}

const hint = "use numWorkers: 0, Kestrel's own datasets and data.transforms classes, or give your class a workerSource() " +
  "(see the DataLoader docs: { module: import.meta.url, exportName, args })";

/** Describes `value` for a worker; throws (naming the path) on what cannot be rebuilt there. */
export function describe(value: unknown, path = "dataset", seen: Set<object> = new Set()): unknown {
  if (value === null || typeof value !== "object") {
    const spec = typeof value === "function" ? (value as { spec?: { name?: unknown; args?: unknown } }).spec : undefined;
    if (spec && typeof spec.name === "string" && typeof (transforms as Record<string, unknown>)[spec.name] === "function") {
      const args = Array.isArray(spec.args) ? spec.args : [];
      return { $transform: spec.name, args: args.map((a, i) => describe(a, `${path}.spec.args[${i}]`, seen)) };
    }
    if (typeof value === "function") {
      throw new Error(`DataLoader: numWorkers > 0 rebuilds the dataset in each worker thread, but ${path} is a function ` +
        `(${value.name || "anonymous"}), which cannot be sent to a worker; ${hint}`);
    }
    if (typeof value === "symbol") throw new Error(`DataLoader: ${path} is a symbol, which cannot be sent to a worker`);
    return value;
  }
  if (isCloneableLeaf(value)) return value;
  if (seen.has(value)) throw new Error(`DataLoader: ${path} refers back to one of its own containers (a cycle); it cannot be sent to a worker`);
  seen.add(value);
  try {
    const src = (value as { workerSource?: () => WorkerSource }).workerSource;
    if (typeof src === "function") {
      const s = src.call(value);
      return { $source: { module: String(s.module), exportName: s.exportName ?? "default", args: describe(s.args ?? [], `${path}.workerSource().args`, seen) } };
    }
    if (Array.isArray(value)) return value.map((v, i) => describe(v, `${path}[${i}]`, seen));
    const proto = Object.getPrototypeOf(value);
    const fields = (): Record<string, unknown> =>
      Object.fromEntries(Object.entries(value).map(([k, v]) => [k, describe(v, `${path}.${k}`, seen)]));
    if (proto === Object.prototype || proto === null) return { $plain: fields() };
    if (value instanceof Tensor) {
      return { $tensor: { storage: value.storage, shape: value.shape.slice(), strides: value.strides.slice(), offset: value.offset } };
    }
    const key = keyOf(value);
    if (key === undefined) {
      const name = (value as { constructor?: { name?: string } }).constructor?.name ?? "an object";
      throw new Error(`DataLoader: numWorkers > 0 rebuilds the dataset in each worker thread, but ${path} is a ${name}, ` +
        `a class the worker cannot rebuild; ${hint}`);
    }
    const toSpec = (value as { toSpec?: () => unknown }).toSpec;
    if (typeof toSpec === "function" && classes().get(key)!.fromSpec) return { $spec: key, spec: describe(toSpec.call(value), `${path}.toSpec()`, seen) };
    return { $class: key, fields: fields() };
  } finally {
    seen.delete(value);
  }
}

function isClass(f: Function): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(f));
}

/** Rebuilds what describe produced (in the worker). Async because a workerSource is imported. */
export async function revive(d: unknown): Promise<unknown> {
  if (d === null || typeof d !== "object" || isCloneableLeaf(d)) return d;
  if (Array.isArray(d)) return Promise.all(d.map(revive));
  const o = d as Record<string, any>;
  if ("$plain" in o) return Object.fromEntries(await Promise.all(Object.entries(o.$plain).map(async ([k, v]) => [k, await revive(v)])));
  if ("$tensor" in o) return new Tensor(o.$tensor.storage, o.$tensor.shape, o.$tensor.strides, o.$tensor.offset);
  if ("$source" in o) {
    const { module, exportName, args } = o.$source;
    const mod = await import(module);
    const exp = mod[exportName];
    if (exp === undefined) throw new Error(`DataLoader worker: module ${module} has no export named ${JSON.stringify(exportName)}`);
    const a = (await revive(args)) as unknown[];
    if (typeof exp !== "function") return exp;
    return isClass(exp) ? new exp(...a) : await exp(...a);
  }
  if ("$transform" in o) return ((transforms as Record<string, any>)[o.$transform])(...((await revive(o.args)) as unknown[]));
  if ("$spec" in o) return classes().get(o.$spec)!.fromSpec!(await revive(o.spec));
  if ("$class" in o) {
    const entry = classes().get(o.$class);
    if (!entry) throw new Error(`DataLoader worker: unknown class ${o.$class}`);
    const obj = Object.create(entry.prototype);
    for (const [k, v] of Object.entries(o.fields as Record<string, unknown>)) obj[k] = await revive(v);
    return obj;
  }
  throw new Error(`DataLoader worker: malformed description ${JSON.stringify(Object.keys(o))}`);
}
