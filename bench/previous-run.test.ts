import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findPreviousRun } from './previous-run.js';

let dir: string;

const run = (runId: string, quick: boolean, profile?: boolean, suites: object = { overhead: {} }): string =>
  JSON.stringify({ runId, quick, ...(profile === undefined ? {} : { profile }), suites });

describe('the previous run', () => {
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bench-previous-'));
    const files: Record<string, string> = {
      '20260101T000000-quick.json': run('20260101T000000-quick', true),
      '20260102T000000-quick.json': run('20260102T000000-quick', true),
      // Newer, but it ran the large-tensor suite alone.
      '20260102T120000-quick.json': run('20260102T120000-quick', true, undefined, { largeTensors: {} }),
      '20260103T000000.json': run('20260103T000000', false),
      '20260104T000000-quick-profile.json': run('20260104T000000-quick-profile', true, true),
      // Newest of all quick runs, but it does not parse: passed over.
      '20260105T000000-quick.json': '{"runId": "20260105T000000-quick", ',
      '20260105T120000-quick.json': '{"not": "a run"}',
      'notes.json': run('notes', true),
      // After the current run: never "previous".
      '20260301T000000-quick.json': run('20260301T000000-quick', true),
    };
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('is the newest run of the same mode that started before this one', async () => {
    const quick = await findPreviousRun(dir, '20260201T000000-quick', { quick: true, profile: false });
    assert.equal(quick?.runId, '20260102T120000-quick');
    const full = await findPreviousRun(dir, '20260201T000000', { quick: false, profile: false });
    assert.equal(full?.runId, '20260103T000000');
    const profiled = await findPreviousRun(dir, '20260201T000000-quick-profile', {
      quick: true,
      profile: true,
    });
    assert.equal(profiled?.runId, '20260104T000000-quick-profile');
  });

  test('ran every suite this run runs: a one-suite run is passed over by a whole run, and found by its own suite', async () => {
    const mode = { quick: true, profile: false };
    const whole = await findPreviousRun(dir, '20260201T000000-quick', mode, ['overhead', 'largeTensors']);
    assert.equal(whole, undefined);
    const overhead = await findPreviousRun(dir, '20260201T000000-quick', mode, ['overhead']);
    assert.equal(overhead?.runId, '20260102T000000-quick');
    const large = await findPreviousRun(dir, '20260201T000000-quick', mode, ['largeTensors']);
    assert.equal(large?.runId, '20260102T120000-quick');
  });

  test('is nothing for the first run of a mode or a folder that does not exist', async () => {
    assert.equal(
      await findPreviousRun(dir, '20260101T000000-quick', { quick: true, profile: false }),
      undefined,
    );
    assert.equal(await findPreviousRun(dir, '20260201T000000', { quick: false, profile: true }), undefined);
    assert.equal(
      await findPreviousRun(path.join(dir, 'missing'), '20260201T000000', { quick: false, profile: false }),
      undefined,
    );
  });
});
