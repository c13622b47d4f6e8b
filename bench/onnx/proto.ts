// A tiny protobuf encoder for the subset of onnx.proto (ModelProto) the benchmarks need:
// graphs of nodes with int/ints/float attributes, float32 initializers, fixed-shape float
// inputs and outputs. Field numbers are from onnx/onnx.proto (IR version 8, opset 13).

class W {
  parts: number[] = [];
  varint(v: number): this { // non-negative, < 2^53
    while (v >= 0x80) { this.parts.push((v % 0x80) | 0x80); v = Math.floor(v / 0x80); }
    this.parts.push(v);
    return this;
  }
  tag(field: number, wire: number): this { return this.varint(field * 8 + wire); }
  int(field: number, v: number): this { return this.tag(field, 0).varint(v); }
  bytes(field: number, b: Uint8Array): this { this.tag(field, 2).varint(b.length); for (const x of b) this.parts.push(x); return this; }
  str(field: number, s: string): this { return this.bytes(field, new TextEncoder().encode(s)); }
  msg(field: number, m: W): this { return this.bytes(field, m.done()); }
  f32(field: number, v: number): this { const b = new Uint8Array(new Float32Array([v]).buffer); this.tag(field, 5); for (const x of b) this.parts.push(x); return this; }
  done(): Uint8Array { return Uint8Array.from(this.parts); }
}

export type Attr = number | number[] | { f: number };
export interface Node { op: string; inputs: string[]; outputs: string[]; attrs?: Record<string, Attr> }
export interface Init { name: string; dims: number[]; data: Float32Array }
export interface IO { name: string; dims: number[] }

function attribute(name: string, a: Attr): W {
  const w = new W().str(1, name);
  if (typeof a === "number") w.int(3, a >= 0 ? a : 2 ** 64 + a).int(20, 2); // INT (negatives unsupported here)
  else if (Array.isArray(a)) { for (const v of a) w.int(8, v); w.int(20, 7); } // INTS
  else w.f32(2, a.f).int(20, 1); // FLOAT
  return w;
}

function valueInfo(io: IO): W {
  const shape = new W();
  for (const d of io.dims) shape.msg(1, new W().int(1, d));
  const tensorType = new W().int(1, 1 /* FLOAT */).msg(2, shape);
  return new W().str(1, io.name).msg(2, new W().msg(1, tensorType));
}

/** Serialize a model (float32 everywhere) to ONNX bytes. */
export function encodeModel(g: { nodes: Node[]; inits: Init[]; inputs: IO[]; outputs: IO[] }): Uint8Array {
  const graph = new W();
  g.nodes.forEach((n, i) => {
    const node = new W();
    for (const x of n.inputs) node.str(1, x);
    for (const y of n.outputs) node.str(2, y);
    node.str(3, `n${i}`).str(4, n.op);
    for (const [k, v] of Object.entries(n.attrs ?? {})) node.msg(5, attribute(k, v));
    graph.msg(1, node);
  });
  graph.str(2, "kestrel_bench");
  for (const t of g.inits) {
    const tp = new W();
    for (const d of t.dims) tp.int(1, d);
    tp.int(2, 1).str(8, t.name).bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    graph.msg(5, tp);
  }
  for (const io of g.inputs) graph.msg(11, valueInfo(io));
  for (const io of g.outputs) graph.msg(12, valueInfo(io));
  return new W().int(1, 8).str(2, "kestrel-bench").msg(7, graph).msg(8, new W().str(1, "").int(2, 13)).done();
}
