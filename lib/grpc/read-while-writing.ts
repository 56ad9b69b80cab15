// The router's connections to its shards, `shardmesh infer`'s to the router and the bench's relay
// floors read their sockets while they write, as the TypeScript SDK's client does: why, and the
// one implementation, are in the SDK (published on its own, it may import nothing from here).
export { ReadWhileWriting, readingWhileWriting } from '../../sdk/typescript/src/read-while-writing.js';
