// Per-sample seeding: each sample's random transforms draw from the global generator re-seeded
// from (base seed, epoch, dataset index), so a sample's augmentation is the same with 0, 1 or 8
// workers, and the global stream is left as it was (only the loader's base-seed draw advances it).

import { defaultGenerator } from "../tensor/random.js";

function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The seed of sample `index` in epoch `epoch` of a loader whose epoch base seed is `baseSeed`. */
export function sampleSeed(baseSeed: number, epoch: number, index: number): number {
  const a = mix32((baseSeed >>> 0) ^ 0x9e3779b9);
  const b = mix32((a + Math.imul(epoch + 1, 0x632be5ab)) >>> 0);
  const c = mix32((b ^ Math.imul(index + 1, 0x7f4a7c15)) >>> 0);
  // Two 32-bit halves → a 52-bit seed (Generator.manualSeed folds doubles down to 32 bits anyway).
  return c * 1048576 + (b & 0xfffff);
}

/**
 * Runs `fn` with the global generator seeded to `seed`, then restores its previous state (after
 * the Promise settles when `fn` is async). Transforms that use the global generator (all of
 * data.transforms unless given their own `generator`) thus become per-sample deterministic.
 */
export function withSeed<T>(seed: number, fn: () => T | Promise<T>): T | Promise<T> {
  // The generator's state is five plain fields; copying them directly (instead of getState /
  // setState, which allocate and validate) keeps this at well under a microsecond per sample.
  const g = defaultGenerator as unknown as GenFields;
  const s0 = g.s0, s1 = g.s1, s2 = g.s2, s3 = g.s3, spare = g.spare;
  const restore = (): void => { g.s0 = s0; g.s1 = s1; g.s2 = s2; g.s3 = s3; g.spare = spare; };
  defaultGenerator.manualSeed(seed);
  let r: T | Promise<T>;
  try {
    r = fn();
  } catch (e) {
    restore();
    throw e;
  }
  if (r instanceof Promise) return r.finally(restore);
  restore();
  return r;
}

interface GenFields { s0: number; s1: number; s2: number; s3: number; spare: number | null }
