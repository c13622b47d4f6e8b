// The image type shared by datasets and transforms: an HWC uint8 raster, like a PIL image or
// an ImageData without the forced alpha channel. Datasets return it when no transform is given
// (torchvision returns a PIL image there); ToTensor turns it into a CHW float32 tensor in [0, 1].

/** An image: `height × width × channels` bytes in row-major HWC order (channels 1 = gray, 3 = RGB, 4 = RGBA). */
export interface Image {
  data: Uint8Array;
  height: number;
  width: number;
  channels: number;
}

/** True when `x` looks like an {@link Image} (duck-typed, so plain objects from a worker count). */
export function isImage(x: unknown): x is Image {
  if (typeof x !== "object" || x === null) return false;
  const o = x as Partial<Image>;
  return o.data instanceof Uint8Array && Number.isInteger(o.height) && Number.isInteger(o.width) &&
    Number.isInteger(o.channels) && o.data.length === o.height! * o.width! * o.channels!;
}

/** Builds an Image, checking that the byte count matches the shape. */
export function makeImage(data: Uint8Array, height: number, width: number, channels: number): Image {
  if (data.length !== height * width * channels) {
    throw new Error(`makeImage: ${data.length} bytes do not fill ${height}×${width}×${channels} (expected ${height * width * channels})`);
  }
  return { data, height, width, channels };
}
