// The router's connections to its shards, `shardmesh infer`'s to the router and the bench's relay
// floors read their sockets while they write, as the TypeScript SDK's client does: why, and the
// one implementation, are in the SDK (published on its own, it may import nothing from here).
import { ReadWhileWriting } from '../../sdk/typescript/src/read-while-writing.js';

export { ReadWhileWriting, readingWhileWriting } from '../../sdk/typescript/src/read-while-writing.js';

/**
 * The bytes HTTP/2 sessions wrote through a ReadWhileWriting while `run` ran: how a test tells that
 * a client's connection goes through it (none do, if 0). A session's writes reach `_write`, or
 * `_writev` when several buffers go at once.
 */
export async function bytesWrittenThrough(run: () => Promise<void>): Promise<number> {
  const proto = ReadWhileWriting.prototype;
  const [write, writev] = [proto._write, proto._writev];
  let written = 0;
  proto._write = function (chunk: Buffer, encoding, done) {
    written += chunk.length;
    write.call(this, chunk, encoding, done);
  };
  proto._writev = function (chunks, done) {
    for (const { chunk } of chunks) written += (chunk as Buffer).length;
    writev.call(this, chunks, done);
  };
  try {
    await run();
  } finally {
    [proto._write, proto._writev] = [write, writev];
  }
  return written;
}
