import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ocrRecognitionModelPath } from '../partition/models/demo-models.js';
import { cancellingMlp, mlp } from '../partition/models/synthetic.js';
import { encodeModel } from '../partition/onnx/graph.js';
import { runSplitCommand } from '../partition/split.js';
import { formatSplitReport, reportSplit, SPLIT_CRASH_EXIT_CODE } from './split-report.js';

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

void describe('shardmesh split: what it prints and exits with', () => {
  let root: string;
  let mlpFile: string;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'shardmesh-split-cli-'));
    mlpFile = path.join(root, 'mlp.onnx');
    await writeFile(mlpFile, encodeModel(mlp({ inputDim: 16, hiddenDim: 64, outputDim: 8, seed: 2 })));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  void it('names a top-k head output by its gather, the indices merged with their values', async () => {
    const out = path.join(root, 'models', 'ocr-topk', '1');
    const result = await runSplitCommand({
      model: ocrRecognitionModelPath(),
      out,
      strategy: 'head',
      partitions: 3,
      topk: 5,
    });
    assert.equal(result.exitCode, 0, result.error);
    assert.match(formatSplitReport(result), /p2o\.Add\.277_topk_indices \(topk 5 indices\)/);
  });

  void it('reports a refusal as one line with the reason', async () => {
    assert.equal(formatSplitReport({ exitCode: 2, error: 'h: no', stepMs: {} }), 'split refused: h: no');
    const out = path.join(root, 'models', 'refused', '1');
    const output = await reportSplit(
      runSplitCommand({ model: ocrRecognitionModelPath(), out, strategy: 'tensor', partitions: 2 }),
    );
    assert.equal(output.exitCode, 2);
    assert.equal(output.stdout, undefined);
    assert.match(output.stderr!, /^shardmesh split: p2o\.\w+\.\d+ \(\w+\): [^\n]+$/);
  });

  void it('reports a TypeError or RangeError in a strategy as a crash with its stack, not a refusal', async () => {
    for (const bug of [
      new TypeError("Cannot read properties of undefined (reading 'dims')"),
      new RangeError('Invalid typed array length: -4'),
    ]) {
      const out = path.join(root, 'models', 'crash', '1');
      const output = await reportSplit(
        runSplitCommand({
          model: mlpFile,
          out,
          strategy: 'tensor',
          partitions: 2,
          splitters: { tensor: () => Promise.reject(bug) },
        }),
      );
      assert.equal(output.exitCode, SPLIT_CRASH_EXIT_CODE);
      assert.notEqual(output.exitCode, 2);
      assert.equal(output.stdout, undefined);
      const [first, second, ...rest] = output.stderr!.split('\n');
      assert.equal(
        first,
        'shardmesh split: crashed, a bug in shardmesh rather than a problem with the model:',
      );
      assert.equal(second, `${bug.name}: ${bug.message}`);
      assert.match(rest[0]!, /^ {4}at /, 'the stack follows');
      assert.doesNotMatch(output.stderr!, /refused/);
      assert.equal(await exists(path.join(root, 'models', 'crash')), false);
    }
  });

  void it('runs from the built CLI: a table on stdout, exit code 0', async () => {
    const cli = fileURLToPath(new URL('./main.js', import.meta.url));
    const out = path.join(root, 'models', 'cli', '2');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [cli, 'split', mlpFile, '--out', out, '--partitions', '2', '--strategy', 'pipeline', '--verify'],
      { encoding: 'utf8' },
    );
    const lines = stdout.split('\n');
    assert.equal(lines[0], 'cli/2: pipeline split, 2 stage(s)');
    assert.match(lines[1]!, /^partition\s+stage\s+weight bytes\s+inputs\s+outputs$/);
    const [, cut] = /^0\s+0\s+[\d,]+ \(.+\)\s+x\s+(\S+)$/.exec(lines[2]!) ?? [];
    assert.ok(cut, lines[2]);
    assert.match(lines[3]!, new RegExp(`^0\\s+1\\s+[\\d,]+ \\(.+\\)\\s+${cut}\\s+y$`));
    assert.match(stdout, /y\s+\[1, 8\]\s+0\.000e\+0\s+0\.000e\+0\s+yes\s+ok/);
    assert.ok(
      lines.includes(
        'batch dimension detected on dim 0; max_batch_size 8; override with --max-batch-size N, 0 to turn off',
      ),
      stdout,
    );
    const refused = await promisify(execFile)(process.execPath, [
      cli,
      'split',
      mlpFile,
      '--out',
      path.join(root, 'models', 'cli-bad', '1'),
      '--strategy',
      'pipeline',
      '--cut',
      'nope',
    ]).then(
      () => assert.fail('a refused split exits non-zero'),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    assert.equal(refused.code, 2);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /^shardmesh split: nope: is not computed by any node/);
    assert.equal(await exists(path.join(root, 'models', 'cli-bad')), false);
  });

  void it('from the built CLI, --verify exits 1 when the partitions differ beyond --tolerance', async () => {
    const cli = fileURLToPath(new URL('./main.js', import.meta.url));
    const model = path.join(root, 'cancelling.onnx');
    await writeFile(model, encodeModel(cancellingMlp()));
    const split = (name: string, ...flags: string[]) =>
      promisify(execFile)(process.execPath, [
        cli,
        'split',
        model,
        '--out',
        path.join(root, 'models', name, '1'),
        '--strategy',
        'tensor',
        '--partitions',
        '2',
        '--verify',
        ...flags,
      ]).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
    const strict = await split('cli-strict');
    assert.equal(strict.code, 1, strict.stdout);
    assert.match(strict.stdout, /tolerance 1e-5 max relative/);
    assert.match(strict.stdout, /^y\s+\[1, 1\]\s+1\.000e\+0\s+1\.000e\+0\s+no\s+FAIL$/m);
    const loose = await split('cli-loose', '--tolerance', '1');
    assert.equal(loose.code, 0, loose.stdout);
    assert.match(loose.stdout, /tolerance 1e\+0 max relative/);
    assert.match(loose.stdout, /^y\s+\[1, 1\]\s+1\.000e\+0\s+1\.000e\+0\s+no\s+ok$/m);
  });
});
