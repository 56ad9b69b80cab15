import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateKeyFile, KeyFileError, keyIdOf, readKeyFile } from './key-file.js';

void describe('key-encryption key files', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'shardmesh-kek-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('a generated key is 32 random bytes as base64, mode 0600, and reads back with its id', async () => {
    const file = path.join(dir, 'kek');
    const made = generateKeyFile(file);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64').length, 32);
    const read = readKeyFile(file);
    assert.deepEqual(read.key, made.key);
    assert.equal(read.keyId, keyIdOf(made.key));
    assert.notEqual(generateKeyFile(path.join(dir, 'kek2')).keyId, made.keyId);
  });

  test('an existing key file is never overwritten', () => {
    const file = path.join(dir, 'kept');
    const first = generateKeyFile(file);
    assert.throws(
      () => generateKeyFile(file),
      (error: unknown) => {
        assert.ok(error instanceof KeyFileError);
        assert.match(error.message, /exists; a key file is never overwritten/);
        return true;
      },
    );
    assert.deepEqual(readKeyFile(file).key, first.key);
  });

  for (const mode of [0o640, 0o604, 0o620]) {
    test(`a key file with mode ${mode.toString(8)} is refused, saying chmod 600`, async () => {
      const file = path.join(dir, `loose-${mode.toString(8)}`);
      generateKeyFile(file);
      await chmod(file, mode);
      assert.throws(
        () => readKeyFile(file),
        new RegExp(
          `key file ${file} has mode 0${mode.toString(8)}: group and others must have no access; run chmod 600`,
        ),
      );
    });
  }

  for (const [what, text, found] of [
    ['16 bytes', Buffer.alloc(16, 1).toString('base64'), '16 bytes'],
    ['33 bytes', Buffer.alloc(33, 1).toString('base64'), '33 bytes'],
    ['hex, not base64', 'ab'.repeat(32) + '!', 'not base64'],
  ] as const) {
    test(`a key file of ${what} is refused, naming the length`, async () => {
      const file = path.join(dir, `bad-${what.replace(/\W/g, '')}`);
      await writeFile(file, `${text}\n`, { mode: 0o600 });
      assert.throws(() => readKeyFile(file), new RegExp(`must hold 32 bytes as base64 \\(${found}\\)`));
    });
  }

  test('a missing key file is named', () => {
    assert.throws(() => readKeyFile(path.join(dir, 'absent')), /cannot read key file .*absent: ENOENT/);
  });
});
