/**
 * BYTES tensors on the wire: each element is a 4-byte little-endian length followed by that many
 * bytes, elements back to back in row-major order (the Open Inference Protocol's and Triton's
 * layout). Strings are written as UTF-8.
 */

const LENGTH_BYTES = 4;

/** The raw contents of a BYTES tensor holding `elements`. */
export function encodeBytesElements(elements: readonly (string | Uint8Array)[]): Buffer {
  const parts = elements.map((e) => (typeof e === 'string' ? Buffer.from(e, 'utf8') : e));
  const out = Buffer.allocUnsafe(parts.reduce((n, p) => n + LENGTH_BYTES + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.writeUInt32LE(part.byteLength, at);
    out.set(part, at + LENGTH_BYTES);
    at += LENGTH_BYTES + part.byteLength;
  }
  return out;
}

/**
 * The elements of a BYTES tensor's raw contents, as views into `raw` (no copy). Throws a
 * RangeError naming the element when a length runs past the end, or when the contents do not
 * hold exactly `count` elements (when given).
 */
export function decodeBytesElements(raw: Uint8Array, count?: number): Uint8Array[] {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: Uint8Array[] = [];
  for (let at = 0; at < raw.byteLength;) {
    if (at + LENGTH_BYTES > raw.byteLength)
      throw new RangeError(`BYTES element ${out.length}: its 4-byte length is cut off at byte ${at}`);
    const length = view.getUint32(at, true);
    const start = at + LENGTH_BYTES;
    if (start + length > raw.byteLength)
      throw new RangeError(
        `BYTES element ${out.length}: length ${length} runs past the end of ${raw.byteLength} bytes`,
      );
    out.push(raw.subarray(start, start + length));
    at = start + length;
  }
  if (count !== undefined && out.length !== count)
    throw new RangeError(`BYTES tensor holds ${out.length} elements where its shape says ${count}`);
  return out;
}

/** BYTES elements read as UTF-8 text, e.g. a decoded output's `data`. */
export function bytesToStrings(elements: readonly Uint8Array[]): string[] {
  const decoder = new TextDecoder();
  return elements.map((e) => decoder.decode(e));
}
