// ONNX graphs for the inference benchmarks (ONNX Runtime): MatMul, Conv, and ResNet-20 in
// eval mode (BatchNormalization nodes with running statistics; 1×1-conv shortcuts, as in
// bench/models/resnet20.ts). Weights are random: only speed is measured.
import { encodeModel, type Node, type Init } from "./proto.js";

const rnd = (n: number, scale: number) => Float32Array.from({ length: n }, () => (Math.random() * 2 - 1) * scale);

export function matmulModel(n: number): Uint8Array {
  return encodeModel({
    nodes: [{ op: "MatMul", inputs: ["A", "B"], outputs: ["C"] }], inits: [],
    inputs: [{ name: "A", dims: [n, n] }, { name: "B", dims: [n, n] }], outputs: [{ name: "C", dims: [n, n] }],
  });
}

export function convModel(N: number, C: number, OC: number, H: number, W: number): Uint8Array {
  return encodeModel({
    nodes: [{ op: "Conv", inputs: ["X", "W"], outputs: ["Y"], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }],
    inits: [{ name: "W", dims: [OC, C, 3, 3], data: rnd(OC * C * 9, 0.1) }],
    inputs: [{ name: "X", dims: [N, C, H, W] }], outputs: [{ name: "Y", dims: [N, OC, H, W] }],
  });
}

export function resnet20Model(batch: number): Uint8Array {
  const nodes: Node[] = [], inits: Init[] = [];
  let k = 0;
  const conv = (x: string, i: number, o: number, ks: number, stride: number): string => {
    const w = `w${k}`, y = `c${k++}`;
    inits.push({ name: w, dims: [o, i, ks, ks], data: rnd(o * i * ks * ks, Math.sqrt(6 / (i * ks * ks))) });
    const p = (ks - 1) / 2;
    nodes.push({ op: "Conv", inputs: [x, w], outputs: [y], attrs: { kernel_shape: [ks, ks], pads: [p, p, p, p], strides: [stride, stride] } });
    return y;
  };
  const bn = (x: string, c: number): string => {
    const names = ["g", "b", "m", "v"].map((s) => `${s}${k}`), y = `bn${k++}`;
    inits.push({ name: names[0], dims: [c], data: new Float32Array(c).fill(1) }, { name: names[1], dims: [c], data: new Float32Array(c) },
      { name: names[2], dims: [c], data: new Float32Array(c) }, { name: names[3], dims: [c], data: new Float32Array(c).fill(1) });
    nodes.push({ op: "BatchNormalization", inputs: [x, ...names], outputs: [y], attrs: { epsilon: { f: 1e-5 } } });
    return y;
  };
  const relu = (x: string): string => { const y = `r${k++}`; nodes.push({ op: "Relu", inputs: [x], outputs: [y] }); return y; };
  let h = relu(bn(conv("X", 3, 16, 3, 1), 16));
  let inC = 16;
  for (const [outC, s] of [[16, 1], [32, 2], [64, 2]]) {
    for (let i = 0; i < 3; i++) {
      const stride = i === 0 ? s : 1;
      const o = bn(conv(relu(bn(conv(h, inC, outC, 3, stride), outC)), outC, outC, 3, 1), outC);
      const sc = stride !== 1 || inC !== outC ? bn(conv(h, inC, outC, 1, stride), outC) : h;
      const sum = `a${k++}`;
      nodes.push({ op: "Add", inputs: [o, sc], outputs: [sum] });
      h = relu(sum);
      inC = outC;
    }
  }
  nodes.push({ op: "GlobalAveragePool", inputs: [h], outputs: ["gap"] }, { op: "Flatten", inputs: ["gap"], outputs: ["flat"] });
  inits.push({ name: "fcw", dims: [10, 64], data: rnd(640, 0.1) }, { name: "fcb", dims: [10], data: new Float32Array(10) });
  nodes.push({ op: "Gemm", inputs: ["flat", "fcw", "fcb"], outputs: ["Y"], attrs: { transB: 1 } });
  return encodeModel({ nodes, inits, inputs: [{ name: "X", dims: [batch, 3, 32, 32] }], outputs: [{ name: "Y", dims: [batch, 10] }] });
}
