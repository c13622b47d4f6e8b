// Backends: named kernel sets over typed arrays. `js` is the reference (every kernel, every
// dtype, exact); a faster backend supplies only its hot kernels and falls back to the
// reference for the rest, so every backend is complete from day one.
//
// Selection: the fastest available backend (native > wasm > js) is chosen when the library
// loads; the KESTREL_BACKEND environment variable or setBackend(name) overrides it.

import { jsKernels } from "./js/index.js";

export type Kernels = typeof jsKernels;

export interface Backend {
  readonly name: string;
  readonly kernels: Partial<Kernels>;
  /** Higher wins the automatic choice (js 0, wasm 10, native 20). */
  readonly priority: number;
  /** One line on what it is (e.g. "C++ addon, AVX-512, 2 threads"). */
  readonly description: string;
}

const backends = new Map<string, Backend>([
  ["js", { name: "js", kernels: jsKernels, priority: 0, description: "reference TypeScript kernels" }],
]);
/** Why a backend could not be registered (e.g. "addon not built: g++ missing"), for backendInfo(). */
const unavailable = new Map<string, string>();
let active: Backend = backends.get("js")!;
let merged: Kernels = jsKernels;
let reason = "default";

export function registerBackend(b: Backend): void {
  backends.set(b.name, b);
  unavailable.delete(b.name);
}

/** Record that a backend could not load, and why (shown by backendInfo()). */
export function markUnavailable(name: string, why: string): void {
  if (!backends.has(name)) unavailable.set(name, why);
}

function activate(b: Backend, why: string): void {
  active = b;
  merged = { ...jsKernels, ...b.kernels } as Kernels;
  reason = why;
}

/** Select a backend by name ("js", "wasm", "native"); kernels it lacks come from the reference backend. */
export function setBackend(name: string): void {
  const b = backends.get(name);
  if (!b) {
    const why = unavailable.get(name);
    throw new Error(
      `setBackend: backend "${name}" is not available${why ? ` (${why})` : ""}; available: ${[...backends.keys()].join(", ")}`,
    );
  }
  activate(b, "setBackend()");
}

/** Pick the default: KESTREL_BACKEND if set, else the registered backend with the highest priority. */
export function selectDefaultBackend(): void {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.KESTREL_BACKEND;
  if (env) {
    setBackend(env);
    reason = "KESTREL_BACKEND environment variable";
    return;
  }
  const best = [...backends.values()].sort((a, b) => b.priority - a.priority)[0];
  const skipped = [...unavailable.entries()].map(([n, w]) => `${n}: ${w}`);
  activate(best, skipped.length ? `fastest available (${skipped.join("; ")})` : "fastest available");
}

/** The name of the active backend. */
export function backend(): string {
  return active.name;
}

/** The active backend, why it was chosen, and every backend's availability. */
export function backendInfo(): { name: string; description: string; reason: string; available: string[]; unavailable: Record<string, string> } {
  return {
    name: active.name,
    description: active.description,
    reason,
    available: [...backends.keys()],
    unavailable: Object.fromEntries(unavailable),
  };
}

/** The active kernel set (ops call this; never cache the result across calls). */
export function kernels(): Kernels {
  return merged;
}
