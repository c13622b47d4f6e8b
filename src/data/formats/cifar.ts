// The CIFAR-10 / CIFAR-100 "binary version" batches (https://www.cs.toronto.edu/~kriz/cifar.html).
// CIFAR-10 records: 1 label byte + 3072 pixel bytes; CIFAR-100 records: 1 coarse label byte,
// 1 fine label byte + 3072 pixel bytes. Pixels are 32×32, channel-major: 1024 red, 1024 green,
// 1024 blue, each row-major.

export const CIFAR_PIXELS = 3 * 32 * 32;

/** Parsed records: pixels CHW per image (N × 3072 bytes, a fresh copy) and one array per label byte. */
export interface CifarRecords {
  count: number;
  pixels: Uint8Array;
  labels: Uint8Array[];
}

/**
 * Parses a CIFAR binary batch. `labelBytes` is 1 (CIFAR-10) or 2 (CIFAR-100: coarse then fine),
 * `numClasses` the label range for each label byte. Throws (naming the file and byte offset)
 * on a size that is not a whole number of records or on an out-of-range label.
 */
export function parseCifar(bytes: Uint8Array, file: string, labelBytes: 1 | 2, numClasses: readonly number[]): CifarRecords {
  const rec = labelBytes + CIFAR_PIXELS;
  const kind = labelBytes === 1 ? "CIFAR-10" : "CIFAR-100";
  const layout = labelBytes === 1 ? "1 label byte + 3072 pixel bytes" : "coarse and fine label bytes + 3072 pixel bytes";
  if (bytes.length === 0) throw new Error(`${file}: empty file at byte 0: expected ${kind} records of ${rec} bytes (${layout})`);
  if (bytes.length % rec !== 0) {
    const count = Math.floor(bytes.length / rec);
    throw new Error(`${file}: bad ${kind} record size: the file has ${bytes.length} bytes, not a multiple of the ${rec}-byte record (${layout}); ` +
      `record ${count} starts at byte ${count * rec} and is truncated (${bytes.length - count * rec} of ${rec} bytes)`);
  }
  const count = bytes.length / rec;
  const pixels = new Uint8Array(count * CIFAR_PIXELS);
  const labels = Array.from({ length: labelBytes }, () => new Uint8Array(count));
  for (let i = 0; i < count; i++) {
    const at = i * rec;
    for (let k = 0; k < labelBytes; k++) {
      const y = bytes[at + k];
      if (y >= numClasses[k]) {
        throw new Error(`${file}: bad label at byte ${at + k} (record ${i}): expected a class index in 0..${numClasses[k] - 1}, got ${y}`);
      }
      labels[k][i] = y;
    }
    pixels.set(bytes.subarray(at + labelBytes, at + rec), i * CIFAR_PIXELS);
  }
  return { count, pixels, labels };
}

/** Encodes CIFAR records (used by the fixture script, the bench and tests). */
export function encodeCifar(pixels: Uint8Array, labels: Uint8Array[]): Uint8Array {
  const count = pixels.length / CIFAR_PIXELS;
  const rec = labels.length + CIFAR_PIXELS;
  const out = new Uint8Array(count * rec);
  for (let i = 0; i < count; i++) {
    labels.forEach((l, k) => { out[i * rec + k] = l[i]; });
    out.set(pixels.subarray(i * CIFAR_PIXELS, (i + 1) * CIFAR_PIXELS), i * rec + labels.length);
  }
  return out;
}
