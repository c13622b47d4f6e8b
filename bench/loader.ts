// DataLoader throughput: random crop (32, padding 4) + horizontal flip + ToTensor on synthetic
// CIFAR-like 3×32×32 data (written as CIFAR-10 binary batches), batch 128, for numWorkers 0, 1, 2.
//   npx tsx bench/loader.ts [images=20000]
// Reports images/s of the loader alone (no model) for a warm epoch (workers already started,
// persistentWorkers) and for a cold one (including worker start-up).
import { isMainThread } from "node:worker_threads";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { data, Generator } from "../src/index.js";

/** The dataset, built the same way in the loop's thread and in each worker (workerSource). */
export function makeDataset(root: string) {
  const T = data.transforms;
  return data.datasets.CIFAR10({
    root, train: true,
    transform: T.Compose([T.RandomCrop(32, { padding: 4 }), T.RandomHorizontalFlip(), T.ToTensor()]),
  });
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 20000);
  const root = mkdtempSync(join(tmpdir(), "kestrel-bench-cifar-"));
  mkdirSync(join(root, "cifar-10-batches-bin"));
  const g = new Generator(0);
  const per = Math.ceil(n / 5);
  for (let b = 1; b <= 5; b++) {
    const px = new Uint8Array(per * 3072);
    for (let i = 0; i < px.length; i++) px[i] = g.nextUint32() & 255;
    const labels = new Uint8Array(per).map(() => g.int(0, 10));
    writeFileSync(join(root, "cifar-10-batches-bin", `data_batch_${b}.bin`), data.encodeCifar(px, [labels]));
  }
  const ds = makeDataset(root);
  console.log(`loader bench: ${ds.length} synthetic 3×32×32 images, RandomCrop(32, padding 4) + RandomHorizontalFlip + ToTensor, batch 128, shuffle`);
  for (const numWorkers of [0, 1, 2]) {
    const loader = new data.DataLoader(ds, {
      batchSize: 128, shuffle: true, seed: 0, numWorkers, persistentWorkers: numWorkers > 0,
      workerSource: { module: import.meta.url, exportName: "makeDataset", args: [root] },
    });
    const rates: number[] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      const t0 = performance.now();
      let count = 0;
      for await (const [x] of loader) count += (x as { shape: number[] }).shape[0];
      rates.push(count / ((performance.now() - t0) / 1000));
    }
    const warm = Math.max(rates[1], rates[2]);
    console.log(`numWorkers ${numWorkers}: warm ${Math.round(warm)} images/s (cold first epoch, incl. worker start: ${Math.round(rates[0])} images/s)`);
  }
}

if (isMainThread && process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) await main();
