// summary(model, inputShape): one row per layer call (name, type, output shape, parameters,
// multiply-adds, activation memory), like torchinfo. Multiply-adds are counted as the papers
// count them: a conv costs outH·outW·Cout·(Cin/groups)·kH·kW, a linear layer in·out (per
// sample row); other layers (BN, ReLU, pooling) count 0. `kestrel summary` prints it.

import { Module } from "../nn/module.js";
import { Conv2d, ConvTranspose2d } from "../nn/conv.js";
import { Linear } from "../nn/linear.js";
import { noGrad } from "../autograd/grad_mode.js";
import { zeros } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import type { DType } from "../tensor/dtype.js";

export interface SummaryRow {
  /** Dotted module name ("layer1.0.conv1"). */
  name: string;
  /** Class name ("Conv2d"). */
  type: string;
  /** Output shape, batch included. */
  outputShape: number[];
  /** Parameters owned by this layer (counted on its first call only, so the column sums to the total). */
  params: number;
  /** Multiply-accumulates of this call. */
  macs: number;
  /** Bytes of the output activation. */
  activationBytes: number;
  /** Nesting depth (0 = a direct child of the model). */
  depth: number;
}

export interface Summary {
  rows: SummaryRow[];
  inputShape: number[];
  outputShape: number[];
  totalParams: number;
  trainableParams: number;
  totalMacs: number;
  /** Sum of every layer's output bytes (what a training step keeps for backward, roughly). */
  activationBytes: number;
  /** Bytes of the parameters. */
  paramBytes: number;
}

function firstTensor(v: unknown): Tensor | null {
  if (v instanceof Tensor) return v;
  if (Array.isArray(v)) return v.length ? firstTensor(v[0]) : null;
  if (v && typeof v === "object") for (const x of Object.values(v)) { const t = firstTensor(x); if (t) return t; }
  return null;
}

/** Multiply-adds of one layer call. */
export function layerMacs(m: Module, input: unknown, output: Tensor): number {
  const x = firstTensor(input);
  if (m instanceof Conv2d) {
    const [kh, kw] = m.kernelSize;
    return output.numel() * (m.inChannels / m.groups) * kh * kw;
  }
  if (m instanceof ConvTranspose2d && x) {
    const [kh, kw] = m.kernelSize;
    return x.numel() * (m.outChannels / m.groups) * kh * kw;
  }
  if (m instanceof Linear) return output.numel() * m.inFeatures;
  return 0;
}

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4 };

/**
 * Run one forward pass (eval mode, no grad, zero input of `inputShape`: [C, H, W] for one image
 * or [N, C, H, W]) and record each leaf layer's call. The model's training mode is restored.
 *
 * Example:
 *   const s = models.summary(models.resnet18(), [3, 224, 224]);
 *   s.totalParams; // 11_689_512
 *   s.totalMacs;   // 1_814_073_344 (1.8 GMACs, the paper's "1.8 × 10⁹ FLOPs")
 */
export function summary(model: Module, inputShape: readonly number[], options: { dtype?: DType } = {}): Summary {
  if (!(model instanceof Module)) throw new Error(`summary: expected a Module, got ${typeof model}`);
  if (!Array.isArray(inputShape) || inputShape.length < 1 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`summary: inputShape must be positive integers like [3, 224, 224], got ${JSON.stringify(inputShape)}`);
  }
  const shape = inputShape.length === 3 ? [1, ...inputShape] : [...inputShape];
  const dtype = options.dtype ?? "float32";
  const rows: SummaryRow[] = [];
  const counted = new Set<Module>();
  const handles = [];
  for (const [name, m] of model.namedModules()) {
    if (m === model || m.children().length > 0) continue;
    const depth = name.split(".").length - 1;
    handles.push(m.registerForwardHook((mod, inputs, out) => {
      const t = firstTensor(out);
      const own = counted.has(mod) ? 0 : mod.parameters(false).reduce((a, p) => a + p.numel(), 0);
      counted.add(mod);
      rows.push({
        name, type: mod.getName(), outputShape: t ? [...t.shape] : [], params: own,
        macs: t ? layerMacs(mod, inputs[0], t) : 0, activationBytes: t ? t.numel() * BYTES[t.dtype] : 0, depth,
      });
    }));
  }
  const wasTraining = model.training;
  let out: unknown;
  try {
    model.eval();
    out = noGrad(() => model.forward(zeros(shape, { dtype })));
  } finally {
    for (const h of handles) h.remove();
    model.train(wasTraining);
  }
  const ot = firstTensor(out);
  const params = model.parameters();
  return {
    rows,
    inputShape: shape,
    outputShape: ot ? [...ot.shape] : [],
    totalParams: params.reduce((a, p) => a + p.numel(), 0),
    trainableParams: params.filter((p) => p.requiresGrad).reduce((a, p) => a + p.numel(), 0),
    totalMacs: rows.reduce((a, r) => a + r.macs, 0),
    activationBytes: rows.reduce((a, r) => a + r.activationBytes, 0),
    paramBytes: params.reduce((a, p) => a + p.numel() * BYTES[p.dtype], 0),
  };
}

function fmtCount(n: number): string {
  return n.toLocaleString("en-US");
}

function fmtBytes(b: number): string {
  if (b >= 2 ** 30) return `${(b / 2 ** 30).toFixed(2)} GiB`;
  if (b >= 2 ** 20) return `${(b / 2 ** 20).toFixed(2)} MiB`;
  if (b >= 2 ** 10) return `${(b / 2 ** 10).toFixed(1)} KiB`;
  return `${b} B`;
}

/** The summary as a fixed-width table with totals (what `kestrel summary` prints). */
export function formatSummary(s: Summary): string {
  const head = ["Layer", "Type", "Output shape", "Params", "Mult-adds", "Activations"];
  const body = s.rows.map((r) => [
    "  ".repeat(r.depth) + r.name, r.type, `[${r.outputShape.join(", ")}]`, r.params ? fmtCount(r.params) : "-",
    r.macs ? fmtCount(r.macs) : "-", fmtBytes(r.activationBytes),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
  const rule = "-".repeat(widths.reduce((a, w) => a + w + 2, -2));
  return [
    line(head), rule, ...body.map(line), rule,
    `Input shape: [${s.inputShape.join(", ")}]   Output shape: [${s.outputShape.join(", ")}]`,
    `Total params: ${fmtCount(s.totalParams)}   Trainable: ${fmtCount(s.trainableParams)}   Non-trainable: ${fmtCount(s.totalParams - s.trainableParams)}`,
    `Total mult-adds: ${fmtCount(s.totalMacs)} (${(s.totalMacs / 1e9).toFixed(2)} G)`,
    `Activations: ${fmtBytes(s.activationBytes)}   Params: ${fmtBytes(s.paramBytes)}`,
  ].join("\n");
}
