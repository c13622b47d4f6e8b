// ONNX Runtime (onnxruntime-node, CPU execution provider, 2 intra-op threads) contender, for
// the inference benchmarks only. Models are built in memory by bench/onnx/.
import * as ort from "onnxruntime-node";
import { createRequire } from "node:module";
import { CONV_SHAPES } from "../specs.js";
import { matmulModel, convModel, resnet20Model } from "../onnx/models.js";
import { serve, type Instance } from "./protocol.js";

const opts: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: "all", executionMode: "sequential" };
const randF = (n: number) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);

async function make(bench: string): Promise<Instance> {
  let model: Uint8Array, feeds: Record<string, ort.Tensor>;
  const sg = /^sgemm(\d+)$/.exec(bench);
  const cv = /^(conv[AB])_fwd$/.exec(bench);
  const inf = /^resnet20_infer_b(\d+)$/.exec(bench);
  if (sg) {
    const n = Number(sg[1]);
    model = matmulModel(n);
    feeds = { A: new ort.Tensor("float32", randF(n * n), [n, n]), B: new ort.Tensor("float32", randF(n * n), [n, n]) };
  } else if (cv) {
    const s = CONV_SHAPES[cv[1]];
    model = convModel(s.N, s.C, s.OC, s.H, s.W);
    feeds = { X: new ort.Tensor("float32", randF(s.N * s.C * s.H * s.W), [s.N, s.C, s.H, s.W]) };
  } else if (inf) {
    const b = Number(inf[1]);
    model = resnet20Model(b);
    feeds = { X: new ort.Tensor("float32", randF(b * 3 * 32 * 32), [b, 3, 32, 32]) };
  } else throw new Error(`not an inference benchmark (ONNX Runtime runs inference only)`);
  const session = await ort.InferenceSession.create(model, opts);
  return { step: () => session.run(feeds), free: () => void session.release() };
}

const version = (createRequire(import.meta.url)("onnxruntime-node/package.json") as { version: string }).version;
await serve(() => ({ name: "onnxruntime", version, threads: 2, node: process.version }), make);
