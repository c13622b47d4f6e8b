// Whether ops record the graph. Off inside noGrad(fn) (PyTorch's torch.no_grad()).

import { bytesMark, noteInferenceScope } from "../tensor/pool.js";

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

export function setGradEnabled(value: boolean): boolean {
  const prev = enabled;
  enabled = value;
  return prev;
}

function withGradMode<T>(value: boolean, fn: () => T): T {
  const prev = setGradEnabled(value);
  try {
    const r = fn();
    if (r instanceof Promise) {
      throw new Error("noGrad/enableGrad: the function returned a Promise; grad mode is global, so pass a synchronous function (await outside it)");
    }
    return r;
  } finally {
    setGradEnabled(prev);
  }
}

/** Run fn without recording the graph (inference, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  if (!enabled) return withGradMode(false, fn);
  // An outermost scope is an inference iteration: the storage pool sizes itself by it.
  const mark = bytesMark();
  try {
    return withGradMode(false, fn);
  } finally {
    noteInferenceScope(mark);
  }
}

/** Run fn with graph recording on, even inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}
