// The contents of the Kestrel-written files committed in test/fixtures/io/ (kept in step with
// COMMITTED_VALUES in test/fixtures/check_io.py).
import { io, tensor, type Tensor } from "../../src/index.js";

export const COMMITTED_META = { writer: "kestrel", note: "committed round-trip file" };

export function committedTensors(): Record<string, Tensor> {
  return {
    weight: tensor(Array.from({ length: 12 }, (_, i) => (i - 5) / 8), { dtype: "float32" }).reshape(3, 4),
    bias: tensor([0.1, -0, 1e300, -2.5e-310], { dtype: "float64" }),
    steps: tensor([-2147483648, -1, 0, 2147483647], { dtype: "int32" }).reshape(2, 2),
    scalar: tensor(3.5, { dtype: "float32" }),
  };
}

/** An event file with fixed wall times: version, three scalars and one at a negative step, a histogram, a 2×3 RGB image. */
export function committedEvents(): Uint8Array {
  const t0 = 1700000000;
  const evs: io.Event[] = [{ wallTime: t0, step: 0, fileVersion: "brain.Event:2" }];
  [[1, 2.25], [2, 1.5], [3, 0.75], [-4, 0]].forEach(([step, v], i) => evs.push({ wallTime: t0 + i + 1, step, summary: { value: [{ tag: "loss/train", simpleValue: v }] } }));
  evs.push({ wallTime: t0 + 10, step: 5, summary: { value: [{ tag: "w", histo: io.histogram([-1, 0, 0.5, 2]) }] } });
  // Float CHW in [0, 1]: red, green, blue / black, 0.5 grey (→ 127), white.
  const img = tensor([[[1, 0, 0], [0, 0.5, 1]], [[0, 1, 0], [0, 0.5, 1]], [[0, 0, 1], [0, 0.5, 1]]]);
  const im = io.tensorToImage(img);
  evs.push({ wallTime: t0 + 11, step: 6, summary: { value: [{ tag: "img", image: { height: 2, width: 3, colorspace: 3, encodedImageString: io.encodePng(im) } }] } });
  const recs = evs.map((e) => io.encodeRecord(io.encodeEvent(e)));
  const out = new Uint8Array(recs.reduce((a, r) => a + r.length, 0));
  let o = 0;
  for (const r of recs) { out.set(r, o); o += r.length; }
  return out;
}
