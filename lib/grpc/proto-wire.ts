/**
 * Protocol Buffers wire format primitives for the hand-written shard codec: varints, lengths,
 * strings and bytes, with a size pass first so each message is written into one exact buffer.
 * Only what `shard.proto` uses; unknown fields are skipped on reading, as protobuf requires.
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/** Bytes a non-negative integer (up to 2^53) takes as a varint; a negative one takes 10. */
export function varintSize(n: number): number {
  if (n < 0) return 10;
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  let size = 4;
  for (let v = Math.floor(n / 0x10000000); v > 0; v = Math.floor(v / 0x80)) size++;
  return size;
}

/** Bytes a length-delimited field of `length` bytes takes with its one-byte tag. */
export const lenFieldSize = (length: number): number => 1 + varintSize(length) + length;

/** Writes into a buffer sized by the caller's size pass. */
export class ProtoWriter {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
  ) {
    this.pos = start;
  }

  varint(n: number): void {
    const buf = this.buf;
    if (n < 0) {
      // int64 two's complement: 10 bytes.
      let v = BigInt.asUintN(64, BigInt(n));
      for (let i = 0; i < 9; i++) {
        buf[this.pos++] = Number(v & 0x7fn) | 0x80;
        v >>= 7n;
      }
      buf[this.pos++] = Number(v);
      return;
    }
    while (n >= 0x80) {
      buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    buf[this.pos++] = n;
  }

  /** A tag of a field numbered below 16: one byte. */
  tag(field: number, wire: number): void {
    this.buf[this.pos++] = (field << 3) | wire;
  }

  uintField(field: number, n: number): void {
    if (n === 0) return;
    this.tag(field, WIRE_VARINT);
    this.varint(n);
  }

  stringField(field: number, s: string, byteLength: number): void {
    if (byteLength === 0) return;
    this.tag(field, WIRE_LEN);
    this.varint(byteLength);
    this.pos += this.buf.write(s, this.pos, byteLength, 'utf8');
  }

  bytesField(field: number, data: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** Starts a length-delimited sub-message of `length` bytes. */
  begin(field: number, length: number): void {
    this.tag(field, WIRE_LEN);
    this.varint(length);
  }
}

/** Reads a message in place: bytes fields come back as views of the input, not copies. */
export class ProtoReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint as a number: exact up to 2^53; int64 negatives (10 bytes) come back negative. */
  varint(): number {
    const buf = this.buf;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError('truncated varint');
      const b = buf[this.pos++]!;
      if (i >= 7) return this.#longVarint(i, b);
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 0x80;
    }
    throw new RangeError('varint longer than 10 bytes');
  }

  /** The rare varint of 8 bytes or more, re-read with BigInt so int64 negatives are exact. */
  #longVarint(i: number, last: number): number {
    let start = this.pos - i - 1;
    let v = 0n;
    let shift = 0n;
    for (; start < this.pos - 1; start++, shift += 7n) v |= BigInt(this.buf[start]! & 0x7f) << shift;
    v |= BigInt(last & 0x7f) << shift;
    while (last & 0x80) {
      if (this.pos >= this.end) throw new RangeError('truncated varint');
      last = this.buf[this.pos++]!;
      shift += 7n;
      v |= BigInt(last & 0x7f) << shift;
    }
    return Number(BigInt.asIntN(64, v));
  }

  /** The next field's tag as [field number, wire type]. */
  tag(): [number, number] {
    const t = this.varint();
    return [Math.floor(t / 8), t & 7];
  }

  /** A length-delimited field as [start, end] of its bytes in `buf`. */
  len(): [number, number] {
    const length = this.varint();
    const start = this.pos;
    if (length < 0 || start + length > this.end)
      throw new RangeError('length-delimited field has a negative length or runs past its message');
    this.pos = start + length;
    return [start, this.pos];
  }

  bytes(): Buffer {
    const [start, end] = this.len();
    return this.buf.subarray(start, end);
  }

  string(): string {
    const [start, end] = this.len();
    return this.buf.toString('utf8', start, end);
  }

  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_LEN) this.len();
    else if (wire === WIRE_I64) this.pos += 8;
    else if (wire === WIRE_I32) this.pos += 4;
    else throw new RangeError(`unsupported wire type ${wire}`);
    if (this.pos > this.end) throw new RangeError('field runs past its message');
  }
}
