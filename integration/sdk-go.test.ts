import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PACKAGE_ROOT } from '../cli/paths.js';
import type { PreparedRepository } from '../partition/models/demo-models.js';
import { relativeMaxError, runModel } from '../partition/verify/verify.js';
import { makeCertificates, prepareTestModels, startMesh, type Mesh } from './harness/mesh.js';
import { assertReadmeShowsExample, exampleInput, printedTensor } from './harness/sdk-example.js';
import { runTool, toolPath, type ToolResult } from './harness/tools.js';

const SDK = path.join(PACKAGE_ROOT, 'sdk', 'go');
/** The first build downloads and compiles grpc (about 2 minutes on 2 cores with empty Go caches). */
const GO_BUILD_TIMEOUT_MS = 600_000;

/** Runs `go` in sdk/go with the machine's Go toolchain, never a downloaded one. */
const go = (args: readonly string[], timeoutMs = GO_BUILD_TIMEOUT_MS): Promise<ToolResult> =>
  runTool('go', args, timeoutMs, { cwd: SDK, env: { ...process.env, GOTOOLCHAIN: 'local' } });

/**
 * sdk/go: `go vet` and `go test` clean, its committed generated code what proto/ generates, and
 * its README example run against a live mesh with mutual TLS, matching ONNX Runtime on the
 * unsplit demo model.
 */
describe('Go SDK (sdk/go)', () => {
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let work: string;
  let mesh: Mesh;
  let models: PreparedRepository;

  before(async () => {
    const version = await go(['version'], 30_000);
    if (version.code !== 0)
      throw new Error(
        `the Go toolchain is missing (\`go version\`: ${version.stderr.trim() || `exit ${version.code}, not on PATH?`}): install Go 1.26 or later (https://go.dev/dl/); the Go SDK's tests need it`,
      );
    models = await prepareTestModels();
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['shard', 'shard-0'],
      ['shard', 'shard-1'],
    ]);
    work = await mkdtemp(path.join(tmpdir(), 'shardmesh-sdk-go-'));
    mesh = await startMesh({
      registryUrl: `embedded:${path.join(work, 'registry')}`,
      certsDir: certs.dir,
      shards: [
        { name: 'shard-0', serve: ['*/*/*/0'] },
        { name: 'shard-1', serve: ['*/*/*/1'] },
      ],
      models: ['mlp'],
    });
  });

  after(async () => {
    await mesh?.stop();
    await certs?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('go vet ./... and go test ./... are clean', async () => {
    const vet = await go(['vet', './...']);
    assert.equal(vet.code, 0, vet.stderr);
    const unit = await go(['test', './...']);
    assert.equal(unit.code, 0, unit.stdout + unit.stderr);
  });

  test('the committed generated code is what generate.sh writes from proto/', async (t) => {
    const python = toolPath('venv/bin/python');
    const protoc = await runTool(python, ['-c', 'import grpc_tools.protoc']);
    if (protoc.code !== 0) {
      t.skip(`not checked: grpcio-tools is not installed in ${python} (scripts/bootstrap/requirements.txt)`);
      return;
    }
    const fresh = path.join(work, 'generated');
    const generate = await runTool('bash', [path.join(SDK, 'generate.sh'), fresh], GO_BUILD_TIMEOUT_MS, {
      env: { ...process.env, GOTOOLCHAIN: 'local' },
    });
    assert.equal(generate.code, 0, generate.stderr);
    const names = (await readdir(path.join(fresh, 'inference'))).sort();
    assert.deepEqual(names, (await readdir(path.join(SDK, 'inference'))).sort());
    const stale: string[] = [];
    for (const name of names) {
      const [now, committed] = await Promise.all(
        [fresh, SDK].map((dir) => readFile(path.join(dir, 'inference', name), 'utf8')),
      );
      if (now !== committed) stale.push(name);
    }
    assert.deepEqual(
      stale,
      [],
      'sdk/go/inference differs from proto/: run `bash sdk/go/generate.sh` and commit',
    );
  });

  test('the README example runs the demo model with mutual TLS and matches ONNX Runtime', async () => {
    const example = path.join(SDK, 'examples', 'infer', 'main.go');
    await assertReadmeShowsExample(path.join(SDK, 'README.md'), 'go', example);
    const binary = path.join(work, 'infer');
    const build = await go(['build', '-o', binary, './examples/infer']);
    assert.equal(build.code, 0, build.stderr);
    const run = await runTool(binary, ['-address', mesh.address, '-certs', certs.dir], 60_000);
    assert.equal(run.code, 0, run.stderr);
    const printed = /^y \[1 32\] \[([^\]]*)\]$/.exec(run.stdout.trim());
    assert.ok(printed, `unexpected output: ${run.stdout}`);
    const [expected] = await runModel(models.models.mlp.original, [exampleInput()]);
    const actual = printedTensor('y', [1, 32], printed[1]!.split(' ').map(Number));
    assert.ok(relativeMaxError(actual, expected!) <= 1e-5);
  });
});
