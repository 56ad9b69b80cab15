import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { memoryLog } from './memory-log.js';
import { PolicyFile } from './policy-file.js';
import { decide, PolicyError } from './policy.js';
import type { Principal } from './principal.js';

const bob: Principal = { kind: 'token', id: 'bob', claims: { sub: 'bob' } };
const ocr = { name: 'ocr', version: '' };
const allowing = (subject: string): string =>
  `version: 1\nrules:\n  - principals: [{ subject: ${subject} }]\n    verbs: [infer]\n    models: [ocr]\n`;

/** Resolves when `check` holds; the watch and the poller decide when, so no timing is asserted. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  assert.ok(check(), `timed out waiting for ${what}`);
}

void describe('PolicyFile: reload on change', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'shardmesh-policy-file-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('refuses to open an invalid file', async () => {
    const file = path.join(dir, 'invalid.yaml');
    await writeFile(file, 'version: 2\nrules: []\n');
    await assert.rejects(PolicyFile.open(file, memoryLog().log), PolicyError);
  });

  it('a valid change takes effect; an invalid one keeps the old policy and logs why', async () => {
    const file = path.join(dir, 'policy.yaml');
    await writeFile(file, allowing('alice'));
    const { log, next } = memoryLog();
    const policyFile = await PolicyFile.open(file, log, { pollIntervalMs: 50 });
    try {
      const first = policyFile.current;
      assert.equal(decide(first, bob, 'infer', ocr).allowed, false);

      // Replaced by rename, as editors and ConfigMaps do.
      await writeFile(`${file}.tmp`, allowing('bob'));
      await rename(`${file}.tmp`, file);
      await until(() => policyFile.current !== first, 'the new policy');
      const second = policyFile.current;
      assert.equal(decide(second, bob, 'infer', ocr).allowed, true);
      // The old object is untouched: a call that read it finishes under it.
      assert.equal(decide(first, bob, 'infer', ocr).allowed, false);

      const rejected = next('new policy rejected; keeping the old one');
      await writeFile(file, allowing('bob').replace('infer', 'write'));
      const line = await rejected;
      assert.match(String(line['reason']), /policy\.yaml: rules\[0\]\.verbs\[0\]: /);
      assert.equal(policyFile.current, second);
      assert.equal(await policyFile.reload(), false, 'an unchanged invalid file is not re-read');

      // A later valid file still takes effect after a rejected one.
      await writeFile(file, allowing('carol'));
      await until(() => policyFile.current !== second, 'the policy after the rejected one');
      assert.equal(decide(policyFile.current, bob, 'infer', ocr).allowed, false);
    } finally {
      policyFile.close();
    }
  });
});
