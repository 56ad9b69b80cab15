import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PartitionFileError } from '../../lib/plan/partition-file-error.js';
import { openPartition } from './open-partition.js';
import type { ServedPartition } from './partition-catalog.js';

/** A clear partition whose plan records its size and SHA-256 opens only when the file matches. */
void describe('openPartition with a recorded SHA-256', () => {
  let dir: string;
  let file: string;
  let bytes: Uint8Array;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'shardmesh-open-'));
    file = path.join(dir, 'p0.onnx');
    // Not ONNX: what ONNX Runtime makes of it shows whether the digest check let it through.
    bytes = Buffer.from('partition bytes, not a model');
    await writeFile(file, bytes);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const served = (digest: { bytes: number; sha256: string }): ServedPartition => ({
    model: 'simple',
    version: '1',
    stage: 'main',
    partition: 0,
    partitionCount: 1,
    file,
    weightBytes: 0,
    digest,
  });
  const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

  test('the file the plan records passes the check and goes to ONNX Runtime', async () => {
    await assert.rejects(
      openPartition(served({ bytes: bytes.length, sha256: sha(bytes) }), undefined, {}),
      (e: unknown) => !(e instanceof PartitionFileError) && /protobuf|model|onnx/i.test(String(e)),
    );
  });

  test('a file whose SHA-256 differs is refused as changed, naming the file and both digests', async () => {
    const other = sha(Buffer.from('another file'));
    await assert.rejects(
      openPartition(served({ bytes: bytes.length, sha256: other }), undefined, {}),
      (e: unknown) =>
        e instanceof PartitionFileError &&
        e.failure === 'changed' &&
        e.file === file &&
        e.message.includes(`differs from the plan's ${other}`),
    );
  });

  test('a file shorter than the record is refused as truncated', async () => {
    await assert.rejects(
      openPartition(served({ bytes: bytes.length + 1, sha256: sha(bytes) }), undefined, {}),
      (e: unknown) => e instanceof PartitionFileError && e.failure === 'truncated',
    );
  });
});
