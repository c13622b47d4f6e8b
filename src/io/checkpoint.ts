// Checkpoints: everything needed to resume training, in ONE safetensors file so standard tools
// can inspect it (Python's safetensors reads it; `model.*` tensors are the model's state dict).
//
//   tensors        "model.<key>" for each model state-dict entry; every tensor found elsewhere
//                  (optimizer state such as state[0].exp_avg, EMA weights in `extra` ...) under
//                  its path, e.g. "optimizer.state.0.exp_avg"
//   __metadata__   format = "kestrel-checkpoint", format_version = "1", epoch, step (for a quick
//                  look), crc32c (of all tensor bytes, in file order), and state: the JSON of
//                  everything that is not a model tensor, where a tensor is {"__tensor__": name}
//                  and a non-finite or negative-zero number is {"__float__": "nan"|"inf"|"-inf"|"-0"}.
//
// JSON keeps every float64 exactly (JS prints the shortest round-tripping decimal), so learning
// rates, betas and scheduler state come back bit for bit. The file is written to a temporary
// name, fsynced and renamed; on load the header, the offsets, the lengths and the checksum are
// all verified before anything is returned, so a damaged checkpoint is refused, never half-loaded.

import { Tensor } from "../tensor/tensor.js";
import type { GeneratorState } from "../tensor/random.js";
import { crc32c } from "./crc32c.js";
import { writeFileAtomic } from "./atomic.js";
import { decodeSafetensors, serializeSafetensors } from "./safetensors.js";
import { readBytes } from "./safetensors_file.js";

const FORMAT = "kestrel-checkpoint";
const VERSION = "1";

/** What a checkpoint holds. Only `model`, `epoch` and `step` are required. */
export interface Checkpoint {
  /** The model's state dict (module.stateDict()). */
  model: Record<string, Tensor>;
  /** optimizer.stateDict(): { state: { 0: { exp_avg, ... } }, param_groups: [...] }. */
  optimizer?: unknown;
  /** scheduler.stateDict(). */
  scheduler?: unknown;
  /** Epochs completed (or the epoch in progress, as the trainer defines it). */
  epoch: number;
  /** Optimizer steps taken. */
  step: number;
  /** getRngState() at the moment of saving. */
  rng?: GeneratorState;
  /** The run's configuration (plain JSON). */
  config?: unknown;
  /** Anything else: tensors (EMA weights), numbers, strings, nested objects and arrays. */
  extra?: unknown;
}

const STATE_KEYS = ["optimizer", "scheduler", "rng", "config", "extra"] as const;

/**
 * Save a checkpoint atomically (tmp + fsync + rename).
 *
 * @example
 * io.saveCheckpoint("run/last.ckpt", { model: model.stateDict(), optimizer: opt.stateDict(),
 *   scheduler: sched.stateDict(), epoch, step, rng: getRngState(), config });
 */
export function saveCheckpoint(path: string, ckpt: Checkpoint): void {
  writeFileAtomic(path, serializeCheckpoint(ckpt));
}

/** The bytes of a checkpoint file (see saveCheckpoint). */
export function serializeCheckpoint(ckpt: Checkpoint): Uint8Array {
  const op = "saveCheckpoint";
  if (ckpt === null || typeof ckpt !== "object") throw new Error(`${op}: expected { model, optimizer, epoch, step, ... }, got ${String(ckpt)}`);
  if (ckpt.model === null || typeof ckpt.model !== "object") throw new Error(`${op}: "model" must be a state dict (module.stateDict()), got ${String(ckpt.model)}`);
  for (const k of ["epoch", "step"] as const) {
    if (typeof ckpt[k] !== "number" || !Number.isFinite(ckpt[k])) throw new Error(`${op}: "${k}" must be a finite number, got ${String(ckpt[k])}`);
  }
  const tensors: Record<string, Tensor> = {};
  const modelKeys = Object.keys(ckpt.model);
  for (const k of modelKeys) {
    const t = ckpt.model[k];
    if (!(t instanceof Tensor)) throw new Error(`${op}: model state dict entry "${k}" is not a Tensor`);
    tensors[`model.${k}`] = t;
  }
  const state: Record<string, unknown> = { model: modelKeys, epoch: ckpt.epoch, step: ckpt.step };
  for (const k of STATE_KEYS) if (ckpt[k] !== undefined) state[k] = encodeValue(ckpt[k], k, tensors);
  const extraKeys = Object.keys(ckpt).filter((k) => !["model", "epoch", "step", ...STATE_KEYS].includes(k));
  if (extraKeys.length) throw new Error(`${op}: unknown field(s) ${extraKeys.join(", ")}; put additional data under "extra"`);
  const names = Object.keys(tensors);
  return serializeSafetensors(tensors, {
    format: FORMAT,
    format_version: VERSION,
    epoch: String(ckpt.epoch),
    step: String(ckpt.step),
    crc32c: checksum(names.map((n) => tensors[n]), names),
    state: JSON.stringify(state),
  });
}

/**
 * Load a checkpoint written by saveCheckpoint. Throws a one-line error naming the file when it is
 * missing, truncated, corrupt (checksum), not a Kestrel checkpoint, or of a newer format.
 */
export function loadCheckpoint(path: string): Checkpoint {
  return parseCheckpoint(readBytes("loadCheckpoint", path), path);
}

/** Parse checkpoint bytes (see loadCheckpoint). */
export function parseCheckpoint(bytes: Uint8Array, source = "<bytes>"): Checkpoint {
  const fail = (msg: string): Error => new Error(`loadCheckpoint: ${source}: ${msg}`);
  let contents;
  try {
    contents = decodeSafetensors(bytes, { source });
  } catch (e) {
    throw fail(`refused, the file is damaged: ${(e as Error).message.replace(/^safetensors: [^:]*: /, "")}`);
  }
  const meta = contents.metadata ?? {};
  if (meta.format !== FORMAT) {
    throw fail(`not a Kestrel checkpoint (its __metadata__ has no format "${FORMAT}"); to load plain weights use io.loadSafetensors`);
  }
  if (meta.format_version !== VERSION) throw fail(`checkpoint format version ${meta.format_version} is not supported by this Kestrel (it reads version ${VERSION}); upgrade Kestrel`);
  let state: Record<string, unknown>;
  try {
    state = JSON.parse(meta.state);
  } catch (e) {
    throw fail(`refused, its state JSON is corrupt (${(e as Error).message})`);
  }
  const names = Object.keys(contents.tensors).sort(compareNames);
  if (checksum(names.map((n) => contents.tensors[n]), names) !== meta.crc32c) {
    throw fail(`refused, the tensor data does not match its checksum (the file is corrupt)`);
  }
  const used = new Set<string>();
  const model: Record<string, Tensor> = {};
  const modelKeys = state.model;
  if (!Array.isArray(modelKeys)) throw fail(`refused, its state has no list of model keys`);
  for (const k of modelKeys as string[]) {
    const t = contents.tensors[`model.${k}`];
    if (!t) throw fail(`refused, model tensor "model.${k}" is missing`);
    model[k] = t;
    used.add(`model.${k}`);
  }
  const out: Checkpoint = { model, epoch: state.epoch as number, step: state.step as number };
  for (const k of STATE_KEYS) {
    if (state[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = decodeValue(state[k], contents.tensors, used, fail);
  }
  const stray = names.filter((n) => !used.has(n));
  if (stray.length) throw fail(`refused, tensors ${stray.slice(0, 3).join(", ")} are not referenced by its state`);
  return out;
}

/** Tensors become {"__tensor__": path}; numbers JSON cannot hold become {"__float__": ...}. */
function encodeValue(v: unknown, path: string, tensors: Record<string, Tensor>): unknown {
  if (v instanceof Tensor) {
    let name = path, i = 1;
    while (name in tensors) name = `${path}#${i++}`;
    tensors[name] = v;
    return { __tensor__: name };
  }
  if (typeof v === "number") {
    if (Number.isNaN(v)) return { __float__: "nan" };
    if (v === Infinity) return { __float__: "inf" };
    if (v === -Infinity) return { __float__: "-inf" };
    if (Object.is(v, -0)) return { __float__: "-0" };
    return v;
  }
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.map((x, i) => encodeValue(x, `${path}.${i}`, tensors));
  if (typeof v === "object" && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === "__tensor__" || k === "__float__") throw new Error(`saveCheckpoint: key "${k}" at ${path} is reserved by the checkpoint format`);
      if (x !== undefined) out[k] = encodeValue(x, `${path}.${k}`, tensors);
    }
    return out;
  }
  const what = ArrayBuffer.isView(v) ? "a typed array (wrap it with tensor())" : typeof v === "object" ? `a ${(v as object).constructor?.name ?? "non-plain"} object` : `a ${typeof v}`;
  throw new Error(`saveCheckpoint: ${path} is ${what}; checkpoints hold tensors, numbers, strings, booleans, null, arrays and plain objects`);
}

function decodeValue(v: unknown, tensors: Record<string, Tensor>, used: Set<string>, fail: (m: string) => Error): unknown {
  if (Array.isArray(v)) return v.map((x) => decodeValue(x, tensors, used, fail));
  if (v === null || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  if (typeof o.__tensor__ === "string") {
    const t = tensors[o.__tensor__];
    if (!t) throw fail(`refused, tensor "${o.__tensor__}" named in its state is missing`);
    used.add(o.__tensor__);
    return t;
  }
  if (typeof o.__float__ === "string") return ({ nan: NaN, inf: Infinity, "-inf": -Infinity, "-0": -0 } as Record<string, number>)[o.__float__];
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[k] = decodeValue(x, tensors, used, fail);
  return out;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** CRC-32C over every tensor's name and raw bytes, in name order (independent of the file layout). */
function checksum(ts: Tensor[], names: string[]): string {
  const order = names.map((_, i) => i).sort((i, j) => compareNames(names[i], names[j]));
  const enc = new TextEncoder();
  let c = 0;
  for (const i of order) {
    const d = ts[i].dataRowMajor();
    c = crc32c(enc.encode(names[i]), c);
    c = crc32c(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), c);
  }
  return c.toString(16).padStart(8, "0");
}
