import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { unwrapDataKey, wrapDataKey } from './data-key.js';
import { keyIdOf, type KeyEncryptionKey } from './key-file.js';
import { SealError, type SealFailure } from './seal-error.js';
import { sealPartition } from './seal-file.js';
import { unsealPartition } from './unseal.js';

/** The crypto core alone: sealing, unsealing and key wrapping over bytes in memory. */

const kekOf = (key: Buffer, file = '/keys/kek'): KeyEncryptionKey => ({ key, keyId: keyIdOf(key), file });

function refusal(run: () => unknown): SealError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof SealError, `expected a SealError, got ${String(error)}`);
    return error;
  }
  assert.fail('it was accepted');
}

function expectRefused(run: () => unknown, failure: SealFailure, message: RegExp): void {
  const error = refusal(run);
  assert.equal(error.failure, failure, error.message);
  assert.match(error.message, message);
}

void describe('sealing a partition file (AES-256-GCM under a data key)', () => {
  const dataKey = randomBytes(32);
  const plain = randomBytes(10_000);
  const name = 'stage-a-part-0.onnx.sealed';
  const shown = '/models/m/1/stage-a-part-0.onnx.sealed';

  test('round trip: the unsealed bytes are the clear bytes, and the sealed ones are not', () => {
    const { sealed, record } = sealPartition(plain, dataKey, name);
    assert.equal(sealed.length, plain.length);
    assert.equal(record.bytes, plain.length);
    assert.notDeepEqual(sealed, plain);
    assert.deepEqual(unsealPartition(sealed, record, dataKey, name, shown), plain);
  });

  test('every seal takes a fresh nonce: the same bytes seal differently', () => {
    const a = sealPartition(plain, dataKey, name);
    const b = sealPartition(plain, dataKey, name);
    assert.notEqual(a.record.nonce, b.record.nonce);
    assert.notDeepEqual(a.sealed, b.sealed);
  });

  test('one flipped byte is named as a changed file (SHA-256), with the path', () => {
    const { sealed, record } = sealPartition(plain, dataKey, name);
    sealed[1234]! ^= 0x01;
    expectRefused(
      () => unsealPartition(sealed, record, dataKey, name, shown),
      'changed',
      /^\/models\/m\/1\/stage-a-part-0\.onnx\.sealed: changed since it was sealed: SHA-256/,
    );
  });

  test('a truncated file is named as truncated, with both sizes', () => {
    const { sealed, record } = sealPartition(plain, dataKey, name);
    expectRefused(
      () => unsealPartition(sealed.subarray(0, 4096), record, dataKey, name, shown),
      'truncated',
      /truncated: 4096 bytes on disk, 10000 were sealed/,
    );
  });

  test('a file moved to another partition name fails authentication, even with its record', () => {
    const { sealed, record } = sealPartition(plain, dataKey, name);
    expectRefused(
      () => unsealPartition(sealed, record, dataKey, 'stage-a-part-1.onnx.sealed', shown),
      'unauthentic',
      /failed authentication \(AES-GCM tag\)/,
    );
  });

  test('a flipped byte whose SHA-256 was updated too still fails authentication', () => {
    const { sealed, record } = sealPartition(plain, dataKey, name);
    sealed[0]! ^= 0x80;
    expectRefused(
      () =>
        unsealPartition(
          sealed,
          { ...record, sha256: createHash('sha256').update(sealed).digest('hex') },
          dataKey,
          name,
          shown,
        ),
      'unauthentic',
      /failed authentication/,
    );
  });

  test('another data key fails authentication', () => {
    const { sealed, record } = sealPartition(plain, dataKey, name);
    expectRefused(
      () => unsealPartition(sealed, record, randomBytes(32), name, shown),
      'unauthentic',
      /failed authentication/,
    );
  });
});

void describe('wrapping the data key with the key-encryption key', () => {
  const kek = kekOf(randomBytes(32));
  const dataKey = randomBytes(32);

  test('unwraps to the same data key, recording the KEK id', () => {
    const sealing = wrapDataKey(dataKey, kek);
    assert.equal(sealing.keyId, kek.keyId);
    assert.match(sealing.keyId, /^[0-9a-f]{16}$/);
    assert.deepEqual(unwrapDataKey(sealing, kek, '/m/f'), dataKey);
    assert.ok(!JSON.stringify(sealing).includes(dataKey.toString('base64')), 'the data key is not stored');
  });

  test('a wrong KEK is named by both key ids', () => {
    const sealing = wrapDataKey(dataKey, kek);
    const other = kekOf(randomBytes(32), '/keys/other');
    expectRefused(
      () => unwrapDataKey(sealing, other, '/m/f'),
      'wrong-key',
      new RegExp(`^/m/f: sealed under key id ${kek.keyId}, this shard was given key id ${other.keyId}`),
    );
  });

  test('no KEK: refused, saying to start the shard with --key-file', () => {
    expectRefused(
      () => unwrapDataKey(wrapDataKey(dataKey, kek), undefined, '/m/f'),
      'no-key',
      /^\/m\/f: sealed; start the shard with --key-file$/,
    );
  });

  test('an altered wrapped key does not open', () => {
    const sealing = wrapDataKey(dataKey, kek);
    const bytes = Buffer.from(sealing.wrappedKey.ciphertext, 'base64');
    bytes[0]! ^= 1;
    const altered = {
      ...sealing,
      wrappedKey: { ...sealing.wrappedKey, ciphertext: bytes.toString('base64') },
    };
    expectRefused(() => unwrapDataKey(altered, kek, '/m/f'), 'wrong-key', /sealing record was altered/);
  });
});
