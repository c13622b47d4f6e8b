// Loads the committed tiny Fashion-MNIST (100 images, IDX gzip) for integration tests.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { tensor, type Tensor } from "../../src/index.js";

const dir = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "tiny-fashion-mnist");

/** Images as float32 [100, 784] scaled to [0, 1], labels as int32 [100]. */
export function loadTinyFashion(): { x: Tensor; y: Tensor } {
  const img = gunzipSync(readFileSync(join(dir, "train-images-idx3-ubyte.gz")));
  const lab = gunzipSync(readFileSync(join(dir, "train-labels-idx1-ubyte.gz")));
  const n = img.readUInt32BE(4);
  const px = new Float32Array(n * 784);
  for (let i = 0; i < px.length; i++) px[i] = img[16 + i] / 255;
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = lab[8 + i];
  return { x: tensor(px).reshape(n, 784), y: tensor(y) };
}
