// Tensor printing. (Minimal for now; see test/tensor/format.test.ts for the PyTorch-matching rules.)

import type { Tensor } from "./tensor.js";

export function formatTensor(t: Tensor): string {
  const body = JSON.stringify(t.tolist());
  const extras: string[] = [];
  if (t.dtype !== "float32") extras.push(`dtype=torch.${t.dtype}`);
  if (t.gradFn) extras.push(`grad_fn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) extras.push("requires_grad=True");
  return `tensor(${body}${extras.map((e) => ", " + e).join("")})`;
}
