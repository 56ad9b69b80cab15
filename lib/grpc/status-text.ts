/**
 * Bounds on what a status message may carry. A status travels in the `grpc-message` trailer, an
 * HTTP/2 header percent-encoded by grpc-js, so up to 3 bytes on the wire per byte here; peers
 * refuse header blocks past their limit (grpc-js: 16 KiB), and a refused one leaves the client
 * with no status at all and stalls the connection. So any string a client sent is quoted at most
 * MAX_QUOTED_BYTES long, and a whole message at most MAX_STATUS_DETAILS_BYTES, both in UTF-8.
 */
export const MAX_QUOTED_BYTES = 256;
export const MAX_STATUS_DETAILS_BYTES = 1024;

const ELLIPSIS = '…';
const ELLIPSIS_BYTES = Buffer.byteLength(ELLIPSIS);
// With the u flag a surrogate pair is one code point, so only lone surrogates match.
const LONE_SURROGATE = /\p{Cs}/gu;

/**
 * `text` cut to at most `maxBytes` bytes of UTF-8, ending in "…" when it was cut, never in the
 * middle of a character. Lone surrogates become U+FFFD, since grpc-js's encodeURI throws on them.
 */
export function clip(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text.replace(LONE_SURROGATE, '\uFFFD');
  // Buffer.from writes a lone surrogate as U+FFFD's bytes already.
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return bytes.toString('utf8');
  let end = Math.max(0, maxBytes - ELLIPSIS_BYTES);
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.toString('utf8', 0, end) + ELLIPSIS;
}

/** A client's string for a status message: in double quotes, at most MAX_QUOTED_BYTES inside. */
export const quote = (text: string): string => `"${clip(String(text), MAX_QUOTED_BYTES)}"`;

/** A client's list (a shape, say) for a status message: `[1,2,3]`, cut like a quoted string. */
export const list = (items: readonly unknown[]): string =>
  `[${clip(items.slice(0, MAX_QUOTED_BYTES).join(','), MAX_QUOTED_BYTES)}]`;

/** A whole status message, cut to MAX_STATUS_DETAILS_BYTES. */
export const boundDetails = (details: string): string => clip(details, MAX_STATUS_DETAILS_BYTES);
