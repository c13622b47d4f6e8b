// Transfer-learning helpers (lecture 9's recipe): freeze a pretrained backbone by layer-name
// prefix, replace the classification head, give layers different learning rates through
// optimizer param groups, and read intermediate activations (feature extraction).

import { Module } from "../nn/module.js";
import { Linear } from "../nn/linear.js";
import { Conv2d } from "../nn/conv.js";
import type { Parameter } from "../nn/parameter.js";
import * as init from "../nn/init.js";
import { noGrad } from "../autograd/grad_mode.js";
import type { Tensor } from "../tensor/tensor.js";

/** Whether a dotted parameter name lies under a prefix ("layer1" matches layer1.0.conv1.weight, not layer10.*). */
export function underPrefix(name: string, prefix: string): boolean {
  if (prefix === "") return true;
  if (prefix.endsWith(".")) return name.startsWith(prefix);
  return name === prefix || name.startsWith(prefix + ".");
}

function checkPrefixes(fn: string, model: Module, prefixes: readonly string[] | undefined): string[] {
  if (!(model instanceof Module)) throw new Error(`${fn}: expected a Module, got ${typeof model}`);
  if (prefixes === undefined) return [""];
  if (!Array.isArray(prefixes) || prefixes.some((p) => typeof p !== "string")) {
    throw new Error(`${fn}: prefixes must be an array of strings, got ${JSON.stringify(prefixes)}`);
  }
  const names = model.namedParameters().map(([n]) => n);
  for (const p of prefixes) {
    if (!names.some((n) => underPrefix(n, p))) {
      const tops = [...new Set(names.map((n) => n.split(".")[0]))];
      throw new Error(`${fn}: no parameter is under "${p}"; top-level names are ${tops.join(", ")}`);
    }
  }
  return prefixes;
}

function setRequiresGrad(fn: string, model: Module, prefixes: readonly string[] | undefined, value: boolean): string[] {
  const ps = checkPrefixes(fn, model, prefixes);
  const changed: string[] = [];
  for (const [n, p] of model.namedParameters()) {
    if (ps.some((pre) => underPrefix(n, pre))) {
      p.requiresGrad_(value);
      changed.push(n);
    }
  }
  return changed;
}

/**
 * Freeze (requiresGrad = false) every parameter under one of the prefixes (all parameters when
 * omitted); returns the frozen names. BatchNorm running statistics still update in training
 * mode: call `.eval()` on frozen parts (or the whole model) to keep them too.
 *
 * Example: `freeze(model); unfreeze(model, ["fc"])` trains the head only.
 */
export function freeze(model: Module, prefixes?: readonly string[]): string[] {
  return setRequiresGrad("freeze", model, prefixes, false);
}

/** Unfreeze parameters under the prefixes (all when omitted); returns their names. */
export function unfreeze(model: Module, prefixes?: readonly string[]): string[] {
  return setRequiresGrad("unfreeze", model, prefixes, true);
}

/** The dotted name of a model's classification layer: its headName(), else the last Linear. */
export function headName(model: Module): string {
  const m = model as Module & { headName?: () => string };
  if (typeof m.headName === "function") return m.headName();
  const linears = model.namedModules().filter(([, x]) => x instanceof Linear);
  if (linears.length === 0) throw new Error(`replaceHead: ${model.getName()} has no Linear layer and no headName(); replace the head by hand`);
  return linears[linears.length - 1][0];
}

function setSubmodule(model: Module, path: string, m: Module): void {
  const parts = path.split(".");
  const parent = model.getSubmodule(parts.slice(0, -1).join("."));
  parent.registerModule(parts[parts.length - 1], m);
}

/**
 * Replace the classification head with a fresh, trainable one for `numClasses` outputs, keeping
 * its input width and kind: fc (ResNet, GoogLeNet, CIFAR ResNets), classifier.6 (VGG, AlexNet),
 * classifier (DenseNet), classifier.1 (SqueezeNet's 1×1 conv, N(0, 0.01) init as torchvision).
 * GoogLeNet's auxiliary heads (aux1.fc2, aux2.fc2) are replaced too. Returns the new head.
 */
export function replaceHead(model: Module, numClasses: number): Module {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`replaceHead: numClasses must be an integer ≥ 1, got ${numClasses}`);
  const name = headName(model);
  const old = model.getSubmodule(name);
  let head: Module;
  if (old instanceof Linear) {
    head = new Linear(old.inFeatures, numClasses, { bias: old.bias !== null, dtype: old.weight.dtype });
  } else if (old instanceof Conv2d) {
    const c = new Conv2d(old.inChannels, numClasses, old.kernelSize, { bias: old.bias !== null, dtype: old.weight.dtype });
    noGrad(() => {
      init.normal_(c.weight, 0, 0.01);
      if (c.bias) init.zeros_(c.bias);
    });
    head = c;
  } else {
    throw new Error(`replaceHead: the head "${name}" is a ${old.getName()}, expected Linear or Conv2d`);
  }
  setSubmodule(model, name, head);
  for (const aux of ["aux1.fc2", "aux2.fc2"]) {
    try {
      const a = model.getSubmodule(aux);
      if (a instanceof Linear) setSubmodule(model, aux, new Linear(a.inFeatures, numClasses, { dtype: a.weight.dtype }));
    } catch { /* no aux heads */ }
  }
  return head;
}

/** One param-group rule: parameters under `prefix` get these optimizer options (lr, weightDecay, ...). */
export type PrefixGroup = { prefix: string; lr?: number } & Record<string, unknown>;

/**
 * Param groups for discriminative learning rates: each parameter goes to the first rule whose
 * prefix it lies under; the rest form a last group with the optimizer's defaults (unless
 * `rest: false`). Frozen parameters are left out unless `includeFrozen`. Empty groups are dropped.
 *
 * Example:
 *   new optim.SGD(paramGroupsByPrefix(model, [{ prefix: "fc", lr: 1e-2 }, { prefix: "layer4", lr: 1e-3 }]), { lr: 1e-4, momentum: 0.9 })
 */
export function paramGroupsByPrefix(model: Module, rules: readonly PrefixGroup[], options: { rest?: boolean; includeFrozen?: boolean } = {}): ({ params: Parameter[] } & Record<string, unknown>)[] {
  if (!Array.isArray(rules)) throw new Error(`paramGroupsByPrefix: rules must be an array of { prefix, lr, ... }, got ${typeof rules}`);
  checkPrefixes("paramGroupsByPrefix", model, rules.map((r) => r.prefix));
  const groups = rules.map(({ prefix: _p, ...opts }) => ({ ...opts, params: [] as Parameter[] }));
  const rest: Parameter[] = [];
  for (const [n, p] of model.namedParameters()) {
    if (!p.requiresGrad && !options.includeFrozen) continue;
    const i = rules.findIndex((r) => underPrefix(n, r.prefix));
    if (i >= 0) groups[i].params.push(p);
    else rest.push(p);
  }
  const out: ({ params: Parameter[] } & Record<string, unknown>)[] = groups.filter((g) => g.params.length > 0);
  if ((options.rest ?? true) && rest.length > 0) out.push({ params: rest });
  return out;
}

/** Thrown by a hook to stop a forward pass once the wanted activations are in hand. */
class StopForward {
  constructor(readonly output: unknown) {}
}

function moduleAt(model: Module, name: string, fn: string): Module {
  try {
    return model.getSubmodule(name);
  } catch {
    const names = model.namedModules().map(([n]) => n).filter((n) => n && !n.includes("."));
    throw new Error(`${fn}: ${model.getName()} has no layer "${name}"; top-level layers are ${names.join(", ")}`);
  }
}

/**
 * A module that runs `model` up to and including the layer `layerName` (a dotted module name,
 * e.g. "layer3" or "features.16") and returns that layer's output; the rest of the network is
 * not computed. If the layer runs several times, its first call is returned.
 */
export function truncateAt(model: Module, layerName: string): Module {
  const target = moduleAt(model, layerName, "truncateAt");
  return new Truncated(model, target, layerName);
}

class Truncated extends Module {
  private declare readonly target: Module;
  constructor(readonly model: Module, target: Module, readonly layerName: string) {
    super();
    // Not enumerable: the target is already a submodule of model (keys stay model.*).
    Object.defineProperty(this, "target", { value: target, enumerable: false });
  }
  override forward(...args: unknown[]): Tensor {
    const h = this.target.registerForwardHook((_m, _i, out) => {
      throw new StopForward(out);
    });
    try {
      this.model.forward(...args);
    } catch (e) {
      if (e instanceof StopForward) return e.output as Tensor;
      throw e;
    } finally {
      h.remove();
    }
    throw new Error(`truncateAt: layer "${this.layerName}" was not called during forward`);
  }
}

/**
 * A module whose forward returns `{ [layerName]: activation }` for the named layers (like
 * torchvision's create_feature_extractor); computation stops after the last one is reached.
 * The wrapped model's parameters are shared (they are its parameters).
 */
export function featureExtractor(model: Module, layerNames: readonly string[]): Module & { forward(...args: unknown[]): Record<string, Tensor> } {
  if (!Array.isArray(layerNames) || layerNames.length === 0) throw new Error("featureExtractor: layerNames must be a non-empty array of layer names");
  const targets = layerNames.map((n) => moduleAt(model, n, "featureExtractor"));
  return new Extractor(model, layerNames, targets);
}

class Extractor extends Module {
  constructor(readonly model: Module, readonly layerNames: readonly string[], private readonly targets: Module[]) {
    super();
  }
  override forward(...args: unknown[]): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    const handles = this.targets.map((t, i) => t.registerForwardHook((_m, _in, o) => {
      if (!(this.layerNames[i] in out)) out[this.layerNames[i]] = o as Tensor;
      if (Object.keys(out).length === this.layerNames.length) throw new StopForward(null);
    }));
    try {
      this.model.forward(...args);
    } catch (e) {
      if (!(e instanceof StopForward)) throw e;
    } finally {
      for (const h of handles) h.remove();
    }
    const missing = this.layerNames.filter((n) => !(n in out));
    if (missing.length) throw new Error(`featureExtractor: layer(s) ${missing.join(", ")} were not called during forward`);
    return out;
  }
}
