// Decoding PNG and JPEG files into Images in Node, with the well-kept pure-JS decoders pngjs and
// jpeg-js. A browser passes its own decoder to ImageFolder instead (see `ImageDecoder`).

import { PNG } from "pngjs";
import jpeg from "jpeg-js";
import type { Image } from "../image.js";

/**
 * Turns a file's bytes into an Image. `path` is for error messages. May be async (a browser
 * decoder built on createImageBitmap + OffscreenCanvas is).
 */
export type ImageDecoder = (bytes: Uint8Array, path: string) => Image | Promise<Image>;

/**
 * Node's default decoder: PNG via pngjs, JPEG via jpeg-js, chosen by the file's magic bytes.
 * Output is RGB (3 channels) like torchvision's default loader (`PIL.Image.convert("RGB")`):
 * gray is replicated, alpha dropped.
 */
export function decodeImage(bytes: Uint8Array, path: string): Image {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let rgba: Uint8Array, width: number, height: number;
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    try {
      const png = PNG.sync.read(buf);
      rgba = png.data; width = png.width; height = png.height;
    } catch (e) {
      throw new Error(`${path}: corrupt PNG (byte 0 onwards): ${(e as Error).message}; expected a valid PNG file`);
    }
  } else if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    try {
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
      rgba = img.data; width = img.width; height = img.height;
    } catch (e) {
      throw new Error(`${path}: corrupt JPEG (byte 0 onwards): ${(e as Error).message}; expected a valid JPEG file`);
    }
  } else {
    const got = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new Error(`${path}: unknown image format at byte 0: expected PNG (89 50 4e 47) or JPEG (ff d8), got ${got || "an empty file"}`);
  }
  const n = width * height;
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    data[3 * i] = rgba[4 * i];
    data[3 * i + 1] = rgba[4 * i + 1];
    data[3 * i + 2] = rgba[4 * i + 2];
  }
  return { data, height, width, channels: 3 };
}
