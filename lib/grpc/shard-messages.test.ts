import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tensor } from '../tensor/tensor.js';
import {
  callWrites,
  writeGroups,
  type ShardRequestKind,
  type ShardResponseKind,
  type WireInferHeader,
} from './shard-messages.js';

const wireHeader: WireInferHeader = {
  request_id: 'r',
  model: 'm',
  version: '1',
  stage: 's',
  partition: 0,
  inputs: [],
};

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

void test('callWrites: a call that fits one write is one header carrying its chunks and trailer; a larger one stays apart', () => {
  const tensor = (name: string, bytes: number): Tensor => ({
    name,
    datatype: 'UINT8',
    shape: [bytes],
    data: Buffer.alloc(bytes, name),
  });
  const outputs = [tensor('a', 6), tensor('b', 0), tensor('c', 4)];
  const head: Extract<ShardResponseKind, { kind: 'header' }> = { kind: 'header', header: { outputs: [] } };
  const ends = { receive_us: 1, compute_us: 2, instance_id: 'i' };

  assert.deepEqual(callWrites<ShardResponseKind>(head, outputs, 16, true, ends), [
    [
      {
        kind: 'header',
        header: {
          outputs: [],
          // Tensor 1 has no bytes, so no chunk, as chunkMessages makes none for it.
          chunks: [
            { tensor: 0, offset: 0, data: outputs[0]!.data },
            { tensor: 2, offset: 0, data: outputs[2]!.data },
          ],
          trailer: ends,
        },
      },
    ],
  ]);
  assert.deepEqual(
    callWrites<ShardResponseKind>(head, outputs, 16, false, ends),
    [
      [
        head,
        { kind: 'chunk', chunk: { tensor: 0, offset: 0, data: outputs[0]!.data } },
        { kind: 'chunk', chunk: { tensor: 2, offset: 0, data: outputs[2]!.data } },
        { kind: 'trailer', trailer: ends },
      ],
    ],
    'a receiver that does not take one message gets the kinds apart',
  );
  const request: Extract<ShardRequestKind, { kind: 'header' }> = { kind: 'header', header: wireHeader };
  assert.deepEqual(
    callWrites<ShardRequestKind>(request, [tensor('x', 4)], 16, true),
    [
      [
        {
          kind: 'header',
          header: { ...request.header, chunks: [{ tensor: 0, offset: 0, data: Buffer.from('xxxx') }] },
        },
      ],
    ],
    'a request has no trailer',
  );
  const big = callWrites<ShardResponseKind>(head, [tensor('a', 10), tensor('c', 10)], 16, true, ends);
  assert.deepEqual(
    big.map((g) => g.map((m) => (m.kind === 'chunk' ? m.chunk.data.length : m.kind[0]!))),
    [
      ['h', 10],
      [10, 't'],
    ],
    'more than one write: header, chunks and trailer apart',
  );
  assert.equal((big[0]![0] as { header: object }).header, head.header, 'the header is sent as given');
});
