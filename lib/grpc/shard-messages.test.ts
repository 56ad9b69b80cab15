import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeGroups, type ShardResponseKind } from './shard-messages.js';

const chunk = (bytes: number): ShardResponseKind => ({
  kind: 'chunk',
  chunk: { tensor: 0, offset: 0, data: Buffer.alloc(bytes) },
});
const header: ShardResponseKind = { kind: 'header', header: { outputs: [] } };
const trailer: ShardResponseKind = {
  kind: 'trailer',
  trailer: { receive_us: 0, compute_us: 0, instance_id: '' },
};

/** Each group as its messages' chunk bytes, 'h' and 't' for header and trailer. */
const shape = (messages: ShardResponseKind[], chunkBytes: number): (number | string)[][] =>
  [...writeGroups(messages, chunkBytes)].map((g) =>
    g.map((m) => (m.kind === 'chunk' ? m.chunk.data.length : m.kind[0]!)),
  );

void test('writeGroups: chunks share a write while their bytes fit one chunk; header and trailer ride along', () => {
  assert.deepEqual(shape([header, chunk(10), chunk(6), trailer], 16), [['h', 10, 6, 't']]);
  assert.deepEqual(shape([header, chunk(16), chunk(16), chunk(3), trailer], 16), [['h', 16], [16], [3, 't']]);
  assert.deepEqual(shape([header, chunk(10), chunk(7), chunk(6), trailer], 16), [
    ['h', 10],
    [7, 6, 't'],
  ]);
  assert.deepEqual(shape([header, trailer], 16), [['h', 't']], 'no output bytes at all');
  assert.deepEqual(
    shape([header, chunk(40), trailer], 16),
    [['h', 40, 't']],
    'a chunk larger than the size alone',
  );
  assert.deepEqual(shape([], 16), []);
});
