// A user-side dataset factory for the worker tests: the DataLoader's workers import this module
// (workerSource) and call makeAugmented(train) to build their own copy.
import { data } from "../../src/index.js";

const T = data.transforms;

/** The first n images of the built-in Fashion-MNIST with random crop (padding 4) + flip + ToTensor. */
export function makeAugmented(train: boolean, n: number) {
  const ds = data.datasets.FashionMNIST({
    builtin: true, train,
    transform: T.Compose([T.RandomCrop(28, { padding: 4 }), T.RandomHorizontalFlip(), T.ToTensor()]),
  });
  return new data.Subset(ds, Array.from({ length: n }, (_, i) => i));
}

/** A user class whose instances describe themselves for workers. */
export class Squares implements data.Dataset<[number, number]> {
  constructor(readonly n: number) {}
  get length(): number { return this.n; }
  get(i: number): [number, number] { return [i * i, i % 3]; }
  workerSource() { return { module: import.meta.url, exportName: "Squares", args: [this.n] }; }
}

/** A dataset whose get throws for index 5 (error propagation from a worker). */
export class Broken extends Squares {
  override get(i: number): [number, number] {
    if (i === 5) throw new Error("broken sample 5: expected something else");
    return super.get(i);
  }
  override workerSource() { return { module: import.meta.url, exportName: "Broken", args: [this.n] }; }
}
