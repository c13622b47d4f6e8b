// The reference CNN and ResNet-20 written directly with tfjs-core ops (NHWC, tfjs's native
// layout; same shapes and FLOPs as the NCHW Kestrel/PyTorch models). Training uses
// tf.train.adam via optimizer.minimize; tidy() frees intermediates (tfjs requires disposal).
// BatchNorm in training uses batch statistics from tf.moments; running statistics are not
// updated (a few C-element ops per layer, negligible next to the convolutions).
import type * as TF from "@tensorflow/tfjs-core";

type Tf = typeof TF;
type V = TF.Variable;

function heNormal(tf: Tf, shape: number[], fanIn: number): V {
  return tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn)));
}

interface Bn { gamma: V; beta: V; mean: V; variance: V }
function bnParams(tf: Tf, c: number): Bn {
  return {
    gamma: tf.variable(tf.ones([c])), beta: tf.variable(tf.zeros([c])),
    mean: tf.variable(tf.zeros([c]), false), variance: tf.variable(tf.ones([c]), false),
  };
}
function bn(tf: Tf, h: TF.Tensor4D, p: Bn, training: boolean): TF.Tensor4D {
  if (!training) return tf.batchNorm4d(h, p.mean as TF.Tensor1D, p.variance as TF.Tensor1D, p.beta as TF.Tensor1D, p.gamma as TF.Tensor1D, 1e-5);
  const { mean, variance } = tf.moments(h, [0, 1, 2]);
  return tf.batchNorm4d(h, mean as TF.Tensor1D, variance as TF.Tensor1D, p.beta as TF.Tensor1D, p.gamma as TF.Tensor1D, 1e-5);
}

export interface TfModel {
  forward(x: TF.Tensor4D, training: boolean): TF.Tensor2D;
  vars: V[];
}

/** The reference CNN for `inC`×`hw`×`hw` images. */
export function tfRefCnn(tf: Tf, inC: number, hw: number): TfModel {
  const flat = 64 * Math.floor(Math.floor(hw / 2) / 2) ** 2;
  const w1 = heNormal(tf, [3, 3, inC, 32], 9 * inC), b1 = tf.variable(tf.zeros([32])), bn1 = bnParams(tf, 32);
  const w2 = heNormal(tf, [3, 3, 32, 64], 9 * 32), b2 = tf.variable(tf.zeros([64])), bn2 = bnParams(tf, 64);
  const f1 = heNormal(tf, [flat, 128], flat), fb1 = tf.variable(tf.zeros([128]));
  const f2 = heNormal(tf, [128, 10], 128), fb2 = tf.variable(tf.zeros([10]));
  return {
    vars: [w1, b1, bn1.gamma, bn1.beta, w2, b2, bn2.gamma, bn2.beta, f1, fb1, f2, fb2],
    forward(x, training) {
      let h = tf.maxPool(tf.relu(bn(tf, tf.add(tf.conv2d(x, w1 as TF.Tensor4D, 1, 1), b1), bn1, training)), 2, 2, "valid");
      h = tf.maxPool(tf.relu(bn(tf, tf.add(tf.conv2d(h, w2 as TF.Tensor4D, 1, 1), b2), bn2, training)), 2, 2, "valid");
      let z = tf.relu(tf.add(tf.matMul(tf.reshape(h, [x.shape[0], flat]) as TF.Tensor2D, f1 as TF.Tensor2D), fb1)) as TF.Tensor2D;
      if (training) z = tf.dropout(z, 0.25) as TF.Tensor2D;
      return tf.add(tf.matMul(z, f2 as TF.Tensor2D), fb2) as TF.Tensor2D;
    },
  };
}

/** ResNet-20 (CIFAR; 1×1-conv + BN shortcuts where the shape changes), like bench/models/resnet20.ts. */
export function tfResnet20(tf: Tf): TfModel {
  const vars: V[] = [];
  const conv = (k: number, i: number, o: number) => { const w = heNormal(tf, [k, k, i, o], k * k * i); vars.push(w); return w as TF.Tensor4D; };
  const norm = (c: number) => { const p = bnParams(tf, c); vars.push(p.gamma, p.beta); return p; };
  const stem = { w: conv(3, 3, 16), bn: norm(16) };
  const blocks: { w1: TF.Tensor4D; bn1: Bn; w2: TF.Tensor4D; bn2: Bn; stride: 1 | 2; sc: { w: TF.Tensor4D; bn: Bn } | null }[] = [];
  let inC = 16;
  for (const [outC, s] of [[16, 1], [32, 2], [64, 2]] as const) {
    for (let i = 0; i < 3; i++) {
      const stride = (i === 0 ? s : 1) as 1 | 2;
      blocks.push({
        w1: conv(3, inC, outC), bn1: norm(outC), w2: conv(3, outC, outC), bn2: norm(outC), stride,
        sc: stride !== 1 || inC !== outC ? { w: conv(1, inC, outC), bn: norm(outC) } : null,
      });
      inC = outC;
    }
  }
  const fc = heNormal(tf, [64, 10], 64), fcb = tf.variable(tf.zeros([10]));
  vars.push(fc, fcb);
  return {
    vars,
    forward(x, training) {
      let h = tf.relu(bn(tf, tf.conv2d(x, stem.w, 1, 1), stem.bn, training));
      for (const b of blocks) {
        const o = bn(tf, tf.conv2d(tf.relu(bn(tf, tf.conv2d(h, b.w1, b.stride, 1), b.bn1, training)), b.w2, 1, 1), b.bn2, training);
        const sc = b.sc ? bn(tf, tf.conv2d(h, b.sc.w, b.stride, 0), b.sc.bn, training) : h;
        h = tf.relu(tf.add(o, sc)) as TF.Tensor4D;
      }
      return tf.add(tf.matMul(tf.mean(h, [1, 2]) as TF.Tensor2D, fc as TF.Tensor2D), fcb) as TF.Tensor2D;
    },
  };
}

/** A training step function: softmax cross-entropy + Adam (lr 1e-3), inputs fixed. */
export function tfTrainer(tf: Tf, model: TfModel, x: TF.Tensor4D, labels: TF.Tensor2D): () => void {
  const opt = tf.train.adam(1e-3);
  return () => {
    const cost = opt.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.forward(x, true)) as TF.Scalar, true, model.vars);
    cost!.dataSync();
    cost!.dispose();
  };
}
