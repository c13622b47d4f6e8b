// Just enough Protocol Buffers for TensorBoard's Event/Summary messages, written by hand: a
// writer for the wire format (varint, 64-bit, length-delimited, 32-bit) and a reader that splits
// a message into its fields. Field numbers live in summary.ts next to the messages.

const WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_I32 = 5;

/** Builds one protobuf message. */
export class ProtoWriter {
  private buf = new Uint8Array(64);
  private len = 0;
  private scratch = new DataView(new ArrayBuffer(8));

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  /** A raw varint: non-negative safe integers directly, negatives as 64-bit two's complement (10 bytes). */
  private varint(v: number): void {
    if (v < 0) {
      let b = BigInt.asUintN(64, BigInt(v));
      while (b >= 0x80n) { this.byte(Number(b & 0x7fn) | 0x80); b >>= 7n; }
      this.byte(Number(b));
      return;
    }
    while (v >= 0x80) { this.byte((v % 0x80) | 0x80); v = Math.floor(v / 0x80); }
    this.byte(v);
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** int32/int64/uint64/enum field. */
  int(field: number, v: number): this {
    if (!Number.isSafeInteger(v)) throw new Error(`protobuf: integer field ${field} needs a safe integer, got ${v}`);
    this.tag(field, WIRE_VARINT);
    this.varint(v);
    return this;
  }

  double(field: number, v: number): this {
    this.tag(field, WIRE_I64);
    this.scratch.setFloat64(0, v, true);
    this.raw(new Uint8Array(this.scratch.buffer, 0, 8));
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, WIRE_I32);
    this.scratch.setFloat32(0, v, true);
    this.raw(new Uint8Array(this.scratch.buffer, 0, 4));
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.varint(b.length);
    this.raw(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  /** A `repeated double` field, packed (proto3's default encoding). */
  packedDoubles(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(values.length * 8);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) dv.setFloat64(8 * i, values[i], true);
    return this.bytes(field, b);
  }

  private raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** One decoded field: varints as numbers (bigint past 2^53), fixed-size and length-delimited fields as bytes. */
export interface ProtoField {
  field: number;
  wire: number;
  value: number | bigint | Uint8Array;
}

/** Split a message into its fields; throws on truncated or malformed input. */
export function readFields(b: Uint8Array, what = "message"): ProtoField[] {
  const out: ProtoField[] = [];
  let p = 0;
  const varint = (): bigint => {
    let r = 0n, shift = 0n;
    for (;;) {
      if (p >= b.length) throw new Error(`protobuf: truncated varint in ${what}`);
      const x = b[p++];
      r |= BigInt(x & 0x7f) << shift;
      if (!(x & 0x80)) return r;
      shift += 7n;
      if (shift > 63n) throw new Error(`protobuf: varint too long in ${what}`);
    }
  };
  const take = (n: number): Uint8Array => {
    if (p + n > b.length) throw new Error(`protobuf: field runs past the end of ${what}`);
    const s = b.subarray(p, p + n);
    p += n;
    return s;
  };
  while (p < b.length) {
    const key = varint();
    const field = Number(key >> 3n), wire = Number(key & 7n);
    if (field === 0) throw new Error(`protobuf: field number 0 in ${what}`);
    let value: number | bigint | Uint8Array;
    if (wire === WIRE_VARINT) {
      const v = BigInt.asIntN(64, varint());
      value = v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    } else if (wire === WIRE_I64) value = take(8);
    else if (wire === WIRE_LEN) value = take(Number(varint()));
    else if (wire === WIRE_I32) value = take(4);
    else throw new Error(`protobuf: unsupported wire type ${wire} (field ${field}) in ${what}`);
    out.push({ field, wire, value });
  }
  return out;
}

/** A little-endian double from an 8-byte field. */
export function asDouble(v: ProtoField["value"]): number {
  const b = v as Uint8Array;
  return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);
}

/** A little-endian float from a 4-byte field. */
export function asFloat(v: ProtoField["value"]): number {
  const b = v as Uint8Array;
  return new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
}

/** The doubles of a packed `repeated double` field. */
export function asPackedDoubles(v: ProtoField["value"]): number[] {
  const b = v as Uint8Array;
  if (b.length % 8) throw new Error(`protobuf: packed doubles of ${b.length} bytes (not a multiple of 8)`);
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  return Array.from({ length: b.length / 8 }, (_, i) => dv.getFloat64(8 * i, true));
}
