// The classic classifiers on the full Fashion-MNIST (pixels / 255), side by side with
// bench/classic_sklearn.py (scikit-learn 1.2 on the same files).
//   node --import tsx bench/classic.ts [--data DIR] [--cv-per-class 1000] [--ks 1,3,5,7,10]
//        [--train-n N] [--test-n N] [--skip-knn] [--skip-linear] [--json out.json]
// kNN: k chosen by 5-fold cross-validation (one distance pass per fold for all k, via
// predictMany) on a stratified subset of the training set (--cv-per-class images per class;
// 0 = the whole training set), then fit on all training images and time the test prediction.
// LinearSVM / SoftmaxClassifier: minibatch SGD with the settings below, test accuracy.
import { readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { tensor, backendInfo, classic, type Tensor } from "../src/index.js";

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const flag = (name: string): boolean => args.includes(`--${name}`);
const dir = opt("data", "/work/shared/data/fashion-mnist");

/** An IDX file (gzip or raw): images → float32 [N, rows·cols] / 255, labels → int32 [N]. */
function readIdx(file: string, limit: number): Tensor {
  let buf = readFileSync(join(dir, file));
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  const magic = buf.readUInt32BE(0);
  if (magic !== 0x801 && magic !== 0x803) throw new Error(`${file}: bad IDX magic 0x${magic.toString(16)} at offset 0, expected 0x801 or 0x803`);
  const n = Math.min(buf.readUInt32BE(4), limit);
  if (magic === 0x801) return tensor(Int32Array.from(buf.subarray(8, 8 + n)));
  const d = buf.readUInt32BE(8) * buf.readUInt32BE(12);
  const px = new Float32Array(n * d);
  for (let i = 0; i < px.length; i++) px[i] = buf[16 + i] / 255;
  return tensor(px).reshape(n, d);
}

const trainN = Number(opt("train-n", "60000")), testN = Number(opt("test-n", "10000"));
const Xtr = readIdx("train-images-idx3-ubyte.gz", trainN), ytr = readIdx("train-labels-idx1-ubyte.gz", trainN);
const Xte = readIdx("t10k-images-idx3-ubyte.gz", testN), yte = readIdx("t10k-labels-idx1-ubyte.gz", testN);
const info = backendInfo();
const results: Record<string, unknown> = { backend: info.name, backendDescription: info.description, train: Xtr.shape[0], test: Xte.shape[0] };
console.log(`backend: ${info.name} (${info.description}; ${info.reason}); train ${Xtr.shape[0]}, test ${Xte.shape[0]}`);
const secs = (t0: number): number => (performance.now() - t0) / 1000;

if (!flag("skip-knn")) {
  const ks = opt("ks", "1,3,5,7,10").split(",").map(Number);
  const perClass = Number(opt("cv-per-class", "1000"));
  const sub = perClass > 0 ? tensor(classic.stratifiedSubset(ytr, perClass, { seed: 0 })) : null;
  const Xcv = sub ? Xtr.indexSelect(0, sub) : Xtr, ycv = sub ? ytr.indexSelect(0, sub) : ytr;
  // Contiguous folds over a shuffled order (the subset is in index order).
  const folds = classic.kFold(Xcv.shape[0], { folds: 5, shuffle: true, seed: 0 });
  const acc = ks.map(() => [] as number[]);
  let t0 = performance.now();
  for (const { train, val } of folds) {
    const ti = tensor(train), vi = tensor(val);
    const knn = new classic.KNearestNeighbor().fit(Xcv.indexSelect(0, ti), ycv.indexSelect(0, ti));
    const yv = ycv.indexSelect(0, vi).toArray();
    knn.predictMany(Xcv.indexSelect(0, vi), ks).forEach((p, i) => {
      const pa = p.toArray();
      let ok = 0;
      for (let j = 0; j < pa.length; j++) if (pa[j] === yv[j]) ok++;
      acc[i].push(ok / pa.length);
    });
  }
  const cvTime = secs(t0);
  const means = acc.map((a) => a.reduce((s, v) => s + v, 0) / a.length);
  let best = 0;
  for (let i = 1; i < ks.length; i++) if (means[i] > means[best]) best = i;
  const k = ks[best];
  console.log(`kNN 5-fold CV on ${Xcv.shape[0]} training images (${cvTime.toFixed(1)} s): ` + ks.map((kk, i) => `k=${kk}: ${(100 * means[i]).toFixed(2)}%`).join(", ") + ` → k = ${k}`);
  const knn = new classic.KNearestNeighbor({ k }).fit(Xtr, ytr);
  t0 = performance.now();
  const pred = knn.predict(Xte);
  const predTime = secs(t0);
  const p = pred.toArray(), y = yte.toArray();
  let ok = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === y[i]) ok++;
  console.log(`kNN k=${k} L2: test accuracy ${(100 * ok / p.length).toFixed(2)}%, test prediction ${predTime.toFixed(2)} s`);
  results.knn = { cvSubset: Xcv.shape[0], ks, cvMeans: means, cvTime, k, testAccuracy: ok / p.length, predictSeconds: predTime };
}

if (!flag("skip-linear")) {
  const common = { batchSize: 200, seed: 0 };
  const models: [string, () => classic.LinearClassifier][] = [
    ["LinearSVM", () => new classic.LinearSVM({ ...common, ...JSON.parse(opt("svm", '{"lr":0.02,"reg":1e-4,"epochs":30,"lrDecay":0.9,"momentum":0.9}')) })],
    ["SoftmaxClassifier", () => new classic.SoftmaxClassifier({ ...common, ...JSON.parse(opt("softmax", '{"lr":0.05,"reg":1e-4,"epochs":30,"lrDecay":0.9,"momentum":0.9}')) })],
  ];
  for (const [name, make] of models) {
    const m = make();
    const t0 = performance.now();
    m.fit(Xtr, ytr);
    const fitTime = secs(t0);
    const testAcc = m.score(Xte, yte), trainAcc = m.score(Xtr, ytr);
    console.log(`${name}: test accuracy ${(100 * testAcc).toFixed(2)}% (train ${(100 * trainAcc).toFixed(2)}%), fit ${fitTime.toFixed(1)} s; options ${JSON.stringify({ ...m.options, onEpoch: undefined })}`);
    results[name] = { testAccuracy: testAcc, trainAccuracy: trainAcc, fitSeconds: fitTime, options: m.options };
  }
}

const out = opt("json", "");
if (out) writeFileSync(out, JSON.stringify(results, null, 2));
