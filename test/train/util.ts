// Shared bits of the train tests: the built-in Fashion-MNIST subset as tensors, tiny models.
import { data, nn, Tensor } from "../../src/index.js";

let cache: { images: Tensor; labels: Tensor } | null = null;

/** The built-in training subset, images float32 [N, 1, 28, 28] in [0, 1], labels int32 [N]. */
export function fashion(): { images: Tensor; labels: Tensor } {
  cache ??= data.datasets.FashionMNIST({ builtin: true, train: true }).toTensors();
  return cache;
}

/** A loader over samples [start, start + n) of the built-in subset. */
export function fashionLoader(start: number, n: number, opts: data.DataLoaderOptions = {}): data.DataLoader {
  const { images, labels } = fashion();
  return new data.DataLoader(new data.TensorDataset(images.narrow(0, start, n), labels.narrow(0, start, n)), { batchSize: 32, ...opts });
}

/** Flatten → Linear(784, hidden) → ReLU → Linear(hidden, 10). */
export function mlp(hidden = 32): nn.Sequential {
  return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, hidden), new nn.ReLU(), new nn.Linear(hidden, 10));
}
