// tfjs-core contender: TFJS_BACKEND=cpu (@tensorflow/tfjs-backend-cpu) or wasm
// (@tensorflow/tfjs-backend-wasm, its .wasm files loaded from node_modules). NHWC layout.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { CONV_SHAPES } from "../specs.js";
import { tfRefCnn, tfResnet20, tfTrainer } from "../models/tfjs_models.js";
import { serve, type Instance } from "./protocol.js";

// tfjs-core's Node bundle leaves out the gradient functions (the @tensorflow/tfjs umbrella
// package registers them from dist/register_all_gradients.js, whose extensionless ESM imports
// Node can't load). Bundle that file with esbuild (tsx's own dependency) into .tmp/ and import
// it: gradients register in tfjs's global registry, shared with the core instance above.
{
  const out = join(process.cwd(), ".tmp", "tfjs-register-all-gradients.mjs");
  if (!existsSync(out)) {
    const require = createRequire(import.meta.url);
    const esbuild = require(require.resolve("esbuild", { paths: [dirname(require.resolve("tsx/package.json"))] })) as typeof import("esbuild");
    esbuild.buildSync({
      entryPoints: [require.resolve("@tensorflow/tfjs-core/dist/register_all_gradients.js")],
      bundle: true, format: "esm", platform: "node", outfile: out, logLevel: "error",
    });
  }
  await import(pathToFileURL(out).href);
}

const name = process.env.TFJS_BACKEND ?? "cpu";
if (name === "wasm") {
  const require = createRequire(import.meta.url);
  setWasmPaths(join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + "/");
}
await tf.setBackend(name);
await tf.ready();

/** Run fn inside tidy, force completion, free everything it made. */
const sync = (fn: () => tf.Tensor | tf.Tensor[]) => () => {
  tf.tidy(() => { const r = fn(); for (const t of Array.isArray(r) ? r : [r]) t.dataSync(); });
};

function make(bench: string): Instance {
  const sg = /^sgemm(\d+)$/.exec(bench);
  if (sg) {
    const n = Number(sg[1]);
    const a = tf.randomNormal([n, n]), b = tf.randomNormal([n, n]);
    return { step: sync(() => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)), free: () => tf.dispose([a, b]) };
  }
  const cv = /^(conv[AB])_(fwd|bwd)$/.exec(bench);
  if (cv) {
    const s = CONV_SHAPES[cv[1]];
    const x = tf.randomNormal([s.N, s.H, s.W, s.C]) as tf.Tensor4D, w = tf.randomNormal([3, 3, s.C, s.OC], 0, 0.1) as tf.Tensor4D;
    const dy = tf.randomNormal([s.N, s.H, s.W, s.OC]) as tf.Tensor4D;
    const free = () => tf.dispose([x, w, dy]);
    if (cv[2] === "fwd") return { step: sync(() => tf.conv2d(x, w, 1, 1)), free };
    // The two kernels conv2d's gradient runs (tfjs-core's Conv2D grad config).
    const attrs = { strides: 1, pad: 1, dataFormat: "NHWC", dilations: 1, dimRoundingMode: undefined };
    const step = sync(() => [
      tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: w }, { ...attrs, inputShape: x.shape } as never) as tf.Tensor,
      tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, { ...attrs, filterShape: w.shape } as never) as tf.Tensor,
    ]);
    return { step, free };
  }
  const cnn = /^cnn(28|32)_train$/.exec(bench);
  if (cnn) {
    const [c, hw] = cnn[1] === "28" ? [1, 28] : [3, 32];
    const model = tfRefCnn(tf, c, hw);
    const x = tf.randomNormal([64, hw, hw, c]) as tf.Tensor4D;
    const y = tf.oneHot(tf.randomUniform([64], 0, 10, "int32") as tf.Tensor1D, 10) as tf.Tensor2D;
    return { step: tfTrainer(tf, model, x, y), free: () => tf.dispose([...model.vars, x, y]) };
  }
  if (bench === "resnet20_train_b128") {
    const model = tfResnet20(tf);
    const x = tf.randomNormal([128, 32, 32, 3]) as tf.Tensor4D;
    const y = tf.oneHot(tf.randomUniform([128], 0, 10, "int32") as tf.Tensor1D, 10) as tf.Tensor2D;
    return { step: tfTrainer(tf, model, x, y), free: () => tf.dispose([...model.vars, x, y]) };
  }
  const inf = /^resnet20_infer_b(\d+)$/.exec(bench);
  if (inf) {
    const model = tfResnet20(tf);
    const x = tf.randomNormal([Number(inf[1]), 32, 32, 3]) as tf.Tensor4D;
    return { step: sync(() => model.forward(x, false)), free: () => tf.dispose([...model.vars, x]) };
  }
  throw new Error(`unknown benchmark ${bench}`);
}

await serve(() => ({ name: `tfjs-${name}`, version: tf.version_core, threads: name === "wasm" ? 1 : 1, node: process.version }), make);
