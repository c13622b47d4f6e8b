// FractalNet (Larsson et al. 2017): ultra-deep networks without residuals. A fractal block with
// C columns is defined by f_1(z) = conv(z), f_{C+1}(z) = join(f_C(f_C(z)), conv(z)), so column c
// (0 = shallowest) holds 2^c conv layers and the deepest 2^(C−1). A join averages (element-wise
// mean) the columns that meet there. Drop-path regularises it: in "local" mini-batches each
// join drops each input with probability p, keeping at least one; in "global" mini-batches a
// single column is chosen for the whole network and only its path is used. The paper mixes the
// two 50/50 per mini-batch. B blocks, each followed by a 2×2 max-pool; CIFAR widths
// 64-128-256-512-512, conv = 3×3 conv + BN + ReLU, with the paper's per-block dropout schedule
// optional. At test time every column is used (joins average all their inputs).

import { Module } from "../nn/module.js";
import { ModuleList } from "../nn/containers.js";
import { Conv2d } from "../nn/conv.js";
import { BatchNorm2d, batchNormReLU } from "../nn/norm.js";
import { ReLU } from "../nn/activation.js";
import { MaxPool2d, AdaptiveAvgPool2d } from "../nn/pool.js";
import { Linear } from "../nn/linear.js";
import { Dropout } from "../nn/dropout.js";
import { defaultGenerator } from "../tensor/random.js";
import { stack } from "../ops/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ModelOptions, buildModel, intOption, probOption } from "./util.js";

/** conv3×3 + BN + ReLU (+ dropout): FractalNet's convolutional unit. */
export class FractalConv extends Module {
  conv: Conv2d;
  bn: BatchNorm2d;
  relu = new ReLU();
  dropout: Dropout | null;
  constructor(inChannels: number, outChannels: number, dropout: number) {
    super();
    this.conv = new Conv2d(inChannels, outChannels, 3, { padding: 1, bias: false });
    this.bn = new BatchNorm2d(outChannels);
    this.dropout = dropout > 0 ? new Dropout(dropout) : null;
  }
  override forward(x: Tensor): Tensor {
    const y = batchNormReLU(this.bn, this.relu, this.conv.forward(x));
    return this.dropout ? this.dropout.forward(y) : y;
  }
}

/** How the current forward pass drops paths (set by FractalNet per mini-batch). */
export interface DropPlan {
  /** "none" (eval), "local" or "global". */
  kind: "none" | "local" | "global";
  /** The column kept everywhere in global mode. */
  column: number;
  /** Local drop probability per join input. */
  p: number;
}

/** One fractal block: columns[c] is a ModuleList of 2^c FractalConv (keys columns.c.i.conv.weight). */
export class FractalBlock extends Module {
  columns: ModuleList;
  readonly numColumns: number;
  constructor(inChannels: number, outChannels: number, numColumns: number, dropout: number) {
    super();
    this.numColumns = numColumns;
    const cols: ModuleList[] = [];
    for (let c = 0; c < numColumns; c++) {
      const convs: FractalConv[] = [];
      for (let i = 0; i < 2 ** c; i++) convs.push(new FractalConv(i === 0 ? inChannels : outChannels, outChannels, dropout));
      cols.push(new ModuleList(convs));
    }
    this.columns = new ModuleList(cols);
  }

  /** Join by mean, applying the drop plan: which inputs (by column) survive. */
  private join(outs: Tensor[], cols: number[], plan: DropPlan): Tensor {
    let keep = outs.map((_, i) => i);
    if (plan.kind === "global") {
      const at = cols.indexOf(plan.column);
      if (at >= 0) keep = [at]; // joins without the chosen column feed only unused paths
    } else if (plan.kind === "local" && outs.length > 1) {
      keep = keep.filter(() => defaultGenerator.random() >= plan.p);
      if (keep.length === 0) keep = [Math.floor(defaultGenerator.random() * outs.length)];
    }
    if (keep.length === 1) return outs[keep[0]];
    return stack(keep.map((i) => outs[i]), 0).mean(0);
  }

  forwardWithPlan(x: Tensor, plan: DropPlan): Tensor {
    const C = this.numColumns;
    const depth = 2 ** (C - 1);
    const state: Tensor[] = new Array(C).fill(x);
    const cols = this.columns.children() as ModuleList[];
    for (let d = 1; d <= depth; d++) {
      // Column c has a conv ending at depth d when d is a multiple of its span 2^(C−1−c).
      const active: number[] = [];
      for (let c = 0; c < C; c++) if (d % 2 ** (C - 1 - c) === 0) active.push(c);
      // In global mode, columns other than the chosen one need not be computed at all.
      const run = plan.kind === "global" ? active.filter((c) => c === plan.column) : active;
      if (run.length === 0) continue;
      // Column c's conv ending at depth d is its (d / span − 1)-th.
      const outs = run.map((c) => cols[c].at(d / 2 ** (C - 1 - c) - 1).forward(state[c]));
      const j = this.join(outs, run, plan);
      for (const c of active) state[c] = j;
    }
    return state[0];
  }

  override forward(x: Tensor): Tensor {
    return this.forwardWithPlan(x, { kind: "none", column: 0, p: 0 });
  }
}

export interface FractalNetOptions extends ModelOptions {
  /** Number of blocks B (default 5 for inputs ≥ 32, 4 below). */
  numBlocks?: number;
  /** Columns C per block (default 3). */
  numColumns?: number;
  /** Block widths (default [64, 128, 256, 512, 512] cut to B). */
  channels?: readonly number[];
  /** Local drop-path probability per join input (default 0.15). */
  dropPath?: number;
  /** Fraction of mini-batches using global drop-path (default 0.5). */
  globalRatio?: number;
  /** Per-block dropout (default none; the paper: [0, 0.1, 0.2, 0.3, 0.4]). */
  dropout?: readonly number[];
  /** Input height = width (default 32), used to pick numBlocks. */
  inputSize?: number;
}

/** FractalNet: blocks (each followed by a 2×2 max-pool), global average pool, fc. */
export class FractalNet extends Module {
  blocks: ModuleList;
  pool = new MaxPool2d(2);
  avgpool = new AdaptiveAvgPool2d([1, 1]);
  fc: Linear;
  readonly dropPath: number;
  readonly globalRatio: number;
  readonly numColumns: number;
  constructor(options: FractalNetOptions = {}) {
    super();
    const inC = intOption("fractalnet", "inChannels", options.inChannels ?? 3);
    const nc = intOption("fractalnet", "numClasses", options.numClasses ?? 10);
    const size = intOption("fractalnet", "inputSize", options.inputSize ?? 32, 2);
    const B = intOption("fractalnet", "numBlocks", options.numBlocks ?? Math.min(5, Math.floor(Math.log2(size))));
    this.numColumns = intOption("fractalnet", "numColumns", options.numColumns ?? 3);
    const ch = options.channels ?? [64, 128, 256, 512, 512, 512, 512].slice(0, B);
    if (ch.length !== B) throw new Error(`fractalnet: channels must list ${B} widths (one per block), got ${ch.length}`);
    const drops = options.dropout ?? new Array(B).fill(0);
    if (drops.length !== B) throw new Error(`fractalnet: dropout must list ${B} rates (one per block), got ${drops.length}`);
    this.dropPath = probOption("fractalnet", "dropPath", options.dropPath ?? 0.15);
    this.globalRatio = probOption("fractalnet", "globalRatio", options.globalRatio ?? 0.5);
    const blocks: FractalBlock[] = [];
    let c = inC;
    for (let b = 0; b < B; b++) {
      blocks.push(new FractalBlock(c, ch[b], this.numColumns, probOption("fractalnet", "dropout", drops[b])));
      c = ch[b];
    }
    this.blocks = new ModuleList(blocks);
    this.fc = new Linear(c, nc);
  }

  /** Draw this mini-batch's drop plan: global with probability globalRatio, else local. */
  samplePlan(): DropPlan {
    if (!this.training || (this.dropPath === 0 && this.globalRatio === 0)) return { kind: "none", column: 0, p: 0 };
    if (defaultGenerator.random() < this.globalRatio) {
      return { kind: "global", column: Math.floor(defaultGenerator.random() * this.numColumns), p: 0 };
    }
    return { kind: "local", column: 0, p: this.dropPath };
  }

  /** Forward with an explicit plan, e.g. `{ kind: "global", column: 2 }` to evaluate one column alone. */
  forwardWithPlan(x: Tensor, plan: DropPlan): Tensor {
    for (const b of this.blocks.children() as FractalBlock[]) x = this.pool.forward(b.forwardWithPlan(x, plan));
    return this.fc.forward(this.avgpool.forward(x).flatten(1));
  }

  override forward(x: Tensor): Tensor {
    return this.forwardWithPlan(x, this.samplePlan());
  }

  headName(): string {
    return "fc";
  }
}

/** FractalNet (default: CIFAR, B = 5, C = 3, local drop-path 0.15, 50% global). */
export function fractalnet(options: FractalNetOptions = {}): FractalNet {
  return buildModel(() => new FractalNet(options), options);
}
