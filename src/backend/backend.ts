// Backends: named kernel sets over typed arrays. `js` is the reference (every kernel, every
// dtype, exact); a faster backend supplies only its hot kernels and falls back to the
// reference for the rest, so every backend is complete from day one.

import { jsKernels } from "./js/index.js";

export type Kernels = typeof jsKernels;

export interface Backend {
  readonly name: string;
  readonly kernels: Partial<Kernels>;
}

const backends = new Map<string, Backend>([["js", { name: "js", kernels: jsKernels }]]);
let active: Backend = backends.get("js")!;
let merged: Kernels = jsKernels;

export function registerBackend(b: Backend): void {
  backends.set(b.name, b);
}

/** Select a backend by name ("js", ...); kernels it lacks come from the reference backend. */
export function setBackend(name: string): void {
  const b = backends.get(name);
  if (!b) throw new Error(`setBackend: unknown backend "${name}"; available: ${[...backends.keys()].join(", ")}`);
  active = b;
  merged = { ...jsKernels, ...b.kernels } as Kernels;
}

/** The name of the active backend. */
export function backend(): string {
  return active.name;
}

/** The active kernel set (ops call this; never cache the result across calls). */
export function kernels(): Kernels {
  return merged;
}
