// The benchmark catalogue: ids, shapes and work per iteration, shared by the harness and the
// JS workers (bench/torch_bench.py mirrors the same ids and shapes).

export type Metric = "gflops" | "imgs";

export interface BenchSpec {
  id: string;
  group: "sgemm" | "conv" | "cnn" | "resnet";
  title: string;
  metric: Metric;
  /** FLOPs per iteration (gflops metric) or images per iteration (imgs metric). */
  work: number;
  /** Whether ONNX Runtime (inference only) takes part. */
  ort: boolean;
}

export interface ConvShape { N: number; C: number; OC: number; H: number; W: number }
export const CONV_SHAPES: Record<string, ConvShape> = {
  convA: { N: 64, C: 3, OC: 32, H: 32, W: 32 },
  convB: { N: 64, C: 64, OC: 64, H: 16, W: 16 },
};
const convFlops = (s: ConvShape) => 2 * s.N * s.OC * s.H * s.W * s.C * 9; // 3×3, pad 1, stride 1

export const SPECS: BenchSpec[] = [
  { id: "sgemm512", group: "sgemm", title: "SGEMM 512³", metric: "gflops", work: 2 * 512 ** 3, ort: true },
  { id: "sgemm1024", group: "sgemm", title: "SGEMM 1024³", metric: "gflops", work: 2 * 1024 ** 3, ort: true },
  { id: "convA_fwd", group: "conv", title: "conv2d fwd b64 3→32 32×32", metric: "gflops", work: convFlops(CONV_SHAPES.convA), ort: true },
  { id: "convA_bwd", group: "conv", title: "conv2d bwd (in+w) b64 3→32 32×32", metric: "gflops", work: 2 * convFlops(CONV_SHAPES.convA), ort: false },
  { id: "convB_fwd", group: "conv", title: "conv2d fwd b64 64→64 16×16", metric: "gflops", work: convFlops(CONV_SHAPES.convB), ort: true },
  { id: "convB_bwd", group: "conv", title: "conv2d bwd (in+w) b64 64→64 16×16", metric: "gflops", work: 2 * convFlops(CONV_SHAPES.convB), ort: false },
  { id: "cnn28_train", group: "cnn", title: "ref CNN train b64 1×28×28", metric: "imgs", work: 64, ort: false },
  { id: "cnn32_train", group: "cnn", title: "ref CNN train b64 3×32×32", metric: "imgs", work: 64, ort: false },
  { id: "resnet20_infer_b1", group: "resnet", title: "ResNet-20 infer b1", metric: "imgs", work: 1, ort: true },
  { id: "resnet20_infer_b64", group: "resnet", title: "ResNet-20 infer b64", metric: "imgs", work: 64, ort: true },
  { id: "resnet20_train_b128", group: "resnet", title: "ResNet-20 train b128", metric: "imgs", work: 128, ort: false },
];

export function specById(id: string): BenchSpec {
  const s = SPECS.find((x) => x.id === id);
  if (!s) throw new Error(`bench: unknown benchmark "${id}"; known: ${SPECS.map((x) => x.id).join(", ")}`);
  return s;
}
