// PNG encode/decode (pngjs) and the conversion of image tensors to 8-bit rasters, shared by
// SummaryWriter.addImage and the plotting module.

import { PNG } from "pngjs";
import { Tensor } from "../tensor/tensor.js";
import { type Image, isImage } from "../data/image.js";
import { writeFileAtomic } from "./atomic.js";

/** Layout of an image tensor: channels first (PyTorch's default), channels last, or no channel axis. */
export type DataFormats = "CHW" | "HWC" | "HW";

const COLOR_TYPE: Record<number, number> = { 1: 0, 2: 4, 3: 2, 4: 6 };

/** Encode an Image (1 = gray, 2 = gray+alpha, 3 = RGB, 4 = RGBA channels) as PNG bytes. */
export function encodePng(img: Image): Uint8Array {
  if (!isImage(img)) throw new Error(`encodePng: expected an Image { data: Uint8Array, height, width, channels } with data.length = height·width·channels`);
  const ct = COLOR_TYPE[img.channels];
  if (ct === undefined) throw new Error(`encodePng: images have 1, 2, 3 or 4 channels; got ${img.channels}`);
  if (img.width < 1 || img.height < 1) throw new Error(`encodePng: image is ${img.width}×${img.height}; PNG needs at least 1×1`);
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  const hasAlpha = img.channels === 2 || img.channels === 4;
  return PNG.sync.write(png, { colorType: ct, inputColorType: ct, inputHasAlpha: hasAlpha, deflateLevel: 6 } as never);
}

/** Decode PNG bytes into an RGBA Image (4 channels, whatever the file's colour type). */
export function decodePng(bytes: Uint8Array): Image {
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new Error(`decodePng: not a valid PNG (${(e as Error).message})`);
  }
  return { data: new Uint8Array(png.data), height: png.height, width: png.width, channels: 4 };
}

/** Write an Image as a PNG file, atomically. */
export function writePng(path: string, img: Image): void {
  writeFileAtomic(path, encodePng(img));
}

/**
 * An image tensor → 8-bit Image, as torch.utils.tensorboard does: float values are taken to lie in
 * [0, 1] and multiplied by 255 (clamped, then truncated); int32 values are taken as 0..255 (clamped).
 * `dataformats` says the layout ("CHW" default, "HWC", "HW"); 1, 3 or 4 channels.
 */
export function tensorToImage(x: Tensor | Image, dataformats: DataFormats = "CHW", op = "tensorToImage"): Image {
  if (isImage(x)) return x;
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor or an Image, got ${x === null ? "null" : typeof x}`);
  const want = dataformats.length;
  if (x.ndim !== want) throw new Error(`${op}: dataformats "${dataformats}" needs a ${want}-d tensor; got shape [${x.shape.join(", ")}]`);
  let C = 1, H: number, W: number, cStride: number, hStride: number, wStride: number;
  if (dataformats === "HW") {
    [H, W] = x.shape;
    cStride = 0; hStride = W; wStride = 1;
  } else if (dataformats === "CHW") {
    [C, H, W] = x.shape;
    cStride = H * W; hStride = W; wStride = 1;
  } else if (dataformats === "HWC") {
    [H, W, C] = x.shape;
    cStride = 1; hStride = W * C; wStride = C;
  } else {
    throw new Error(`${op}: dataformats must be "CHW", "HWC" or "HW"; got ${JSON.stringify(dataformats)}`);
  }
  if (C !== 1 && C !== 3 && C !== 4) throw new Error(`${op}: images have 1, 3 or 4 channels; got ${C} (shape [${x.shape.join(", ")}], dataformats "${dataformats}")`);
  const src = x.dataRowMajor();
  const scale = x.dtype === "int32" ? 1 : 255;
  const out = new Uint8Array(H * W * C);
  let o = 0;
  for (let h = 0; h < H; h++) {
    for (let w = 0; w < W; w++) {
      for (let c = 0; c < C; c++) {
        const v = src[c * cStride + h * hStride + w * wStride] * scale;
        out[o++] = v >= 255 ? 255 : v > 0 ? Math.trunc(v) : 0; // NaN → 0
      }
    }
  }
  return { data: out, height: H, width: W, channels: C };
}
