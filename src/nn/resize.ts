// Resizing layers: Upsample (and its nearest/bilinear shorthands) and the 2-d padding layers.

import type { Tensor } from "../tensor/tensor.js";
import { interpolate, pad, type InterpolateMode } from "../ops/resize.js";
import { Module } from "./module.js";
import { pyFloat, pyTuple } from "./repr.js";

export interface UpsampleOptions {
  /** Output spatial size (one int, or one per spatial dim). Give this or scaleFactor. */
  size?: number | readonly number[] | null;
  /** Spatial multiplier (one, or one per dim). */
  scaleFactor?: number | readonly number[] | null;
  /** "nearest" (default), "linear", "bilinear", "trilinear", "nearest-exact", "area". */
  mode?: InterpolateMode;
  /** Linear modes: align the corner pixels' centres (default false). */
  alignCorners?: boolean | null;
  recomputeScaleFactor?: boolean | null;
}

/**
 * Upsamples spatial data to a size or by a factor (torch.nn.Upsample; F.interpolate as a layer).
 *
 * Args: options.size or options.scaleFactor, options.mode ("nearest"), options.alignCorners.
 * Shape: [N, C, W] / [N, C, H, W] / [N, C, D, H, W] → the same with scaled spatial dims.
 *
 * Example:
 *   new nn.Upsample({ scaleFactor: 2, mode: "bilinear" }).forward(randn([1, 1, 2, 2])).shape; // [1, 1, 4, 4]
 */
export class Upsample extends Module {
  readonly size: number | readonly number[] | null;
  readonly scaleFactor: number | readonly number[] | null;
  readonly mode: InterpolateMode;
  readonly alignCorners: boolean | null;
  readonly recomputeScaleFactor: boolean | null;

  constructor(options: UpsampleOptions = {}) {
    super();
    if (typeof options !== "object" || options === null) {
      throw new Error(`${new.target.name}: expected an options object { size } or { scaleFactor }, got ${JSON.stringify(options)}`);
    }
    this.size = options.size ?? null;
    this.scaleFactor = options.scaleFactor ?? null;
    if (this.size === null && this.scaleFactor === null) throw new Error(`${new.target.name}: either size or scaleFactor should be defined`);
    this.mode = options.mode ?? "nearest";
    this.alignCorners = options.alignCorners ?? null;
    this.recomputeScaleFactor = options.recomputeScaleFactor ?? null;
  }

  override forward(x: Tensor): Tensor {
    return interpolate(x, {
      size: this.size ?? undefined, scaleFactor: this.scaleFactor ?? undefined, mode: this.mode,
      alignCorners: this.alignCorners, recomputeScaleFactor: this.recomputeScaleFactor,
    });
  }

  override extraRepr(): string {
    const sf = this.scaleFactor;
    const info = sf !== null
      ? `scale_factor=${typeof sf === "number" ? pyFloat(sf) : `(${sf.map(pyFloat).join(", ")}${sf.length === 1 ? "," : ""})`}`
      : `size=${pyTuple(this.size)}`;
    return `${info}, mode=${this.mode}`; // PyTorch 1.13 (our reference) prints the mode unquoted; 2.x quotes it
  }
}

/** Nearest-neighbour upsampling (torch.nn.UpsamplingNearest2d): Upsample with mode "nearest". */
export class UpsamplingNearest2d extends Upsample {
  constructor(options: { size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null } = {}) {
    super({ ...options, mode: "nearest" });
  }
}

/** Bilinear upsampling with alignCorners true (torch.nn.UpsamplingBilinear2d). */
export class UpsamplingBilinear2d extends Upsample {
  constructor(options: { size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null } = {}) {
    super({ ...options, mode: "bilinear", alignCorners: true });
  }
}

function quad(layer: string, p: number | readonly number[]): [number, number, number, number] {
  const q = typeof p === "number" ? [p, p, p, p] : p;
  if (!Array.isArray(q) || q.length !== 4 || !q.every((v) => Number.isInteger(v))) {
    throw new Error(`${layer}: padding must be an int or [left, right, top, bottom], got ${JSON.stringify(p)}`);
  }
  return [q[0], q[1], q[2], q[3]];
}

/** Shared body of the 2-d padding layers: padding is [left, right, top, bottom]. */
abstract class Pad2d extends Module {
  readonly padding: [number, number, number, number];

  constructor(padding: number | readonly number[]) {
    super();
    this.padding = quad(new.target.name, padding);
  }

  override extraRepr(): string {
    return pyTuple(this.padding);
  }
}

/**
 * Pads with a constant (torch.nn.ConstantPad2d).
 * Args: padding (an int, or [left, right, top, bottom]), value.
 * Shape: [N, C, H, W] or [C, H, W] → H + top + bottom, W + left + right.
 * Example: new nn.ConstantPad2d(1, 3.5).forward(randn([1, 2, 2])).shape; // [1, 4, 4]
 */
export class ConstantPad2d extends Pad2d {
  readonly value: number;

  constructor(padding: number | readonly number[], value: number) {
    super(padding);
    this.value = value;
  }

  override forward(x: Tensor): Tensor {
    return pad(x, this.padding, { mode: "constant", value: this.value });
  }

  override extraRepr(): string {
    return `padding=${pyTuple(this.padding)}, value=${pyFloat(this.value)}`;
  }
}

/** Pads with zeros (torch.nn.ZeroPad2d). Args: padding. Example: new nn.ZeroPad2d([1, 1, 2, 0]). */
export class ZeroPad2d extends Pad2d {
  override forward(x: Tensor): Tensor {
    return pad(x, this.padding, { mode: "constant", value: 0 });
  }
}

/** Pads with the reflection of the border, edge excluded (torch.nn.ReflectionPad2d). Args: padding. */
export class ReflectionPad2d extends Pad2d {
  override forward(x: Tensor): Tensor {
    return pad(x, this.padding, { mode: "reflect" });
  }
}

/** Pads by repeating the edge (torch.nn.ReplicationPad2d). Args: padding. */
export class ReplicationPad2d extends Pad2d {
  override forward(x: Tensor): Tensor {
    return pad(x, this.padding, { mode: "replicate" });
  }
}
