import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PACKAGE_ROOT } from '../cli/paths.js';
import type { PreparedRepository } from '../partition/models/demo-models.js';
import { relativeMaxError, runModel } from '../partition/verify/verify.js';
import type { Mesh } from './harness/mesh.js';
import { startSdkMesh, type SdkMesh } from './harness/sdk-mesh.js';
import { assertReadmeShowsExample, exampleInput, printedTensor } from './harness/sdk-example.js';
import { runTool, toolPath, type ToolResult } from './harness/tools.js';

const SDK = path.join(PACKAGE_ROOT, 'sdk', 'go');
/** The first build downloads and compiles grpc (about 2 minutes on 2 cores with empty Go caches). */
const GO_BUILD_TIMEOUT_MS = 600_000;

/** Runs `go` in sdk/go with the machine's Go toolchain, never a downloaded one. */
const go = (args: readonly string[], timeoutMs = GO_BUILD_TIMEOUT_MS): Promise<ToolResult> =>
  runTool('go', args, timeoutMs, { cwd: SDK, env: { ...process.env, GOTOOLCHAIN: 'local' } });

/**
 * sdk/go: `go vet` and `go test` clean, its committed generated code what proto/ generates, its
 * client's calls against a live mesh (mutual TLS and a bearer token), and its README example run
 * against that mesh with mutual TLS, matching ONNX Runtime on the unsplit demo model.
 */
describe('Go SDK (sdk/go)', () => {
  let sdk: SdkMesh;
  let mesh: Mesh;
  let certs: { dir: string };
  let models: PreparedRepository;
  let token: string;
  let work: string;

  before(async () => {
    const version = await go(['version'], 30_000);
    if (version.code !== 0)
      throw new Error(
        `the Go toolchain is missing (\`go version\`: ${version.stderr.trim() || `exit ${version.code}, not on PATH?`}): install Go 1.26 or later (https://go.dev/dl/); the Go SDK's tests need it`,
      );
    sdk = await startSdkMesh('sdk-go');
    ({ mesh, models, token, work } = sdk);
    certs = { dir: sdk.certsDir };
  });

  after(async () => {
    await sdk?.stop();
  });

  test('go vet ./... and go test ./... are clean', async () => {
    const vet = await go(['vet', './...']);
    assert.equal(vet.code, 0, vet.stderr);
    const unit = await go(['test', './...']);
    assert.equal(unit.code, 0, unit.stdout + unit.stderr);
  });

  test('the client against the live mesh: health, metadata, mTLS and bearer-token inference, statuses', async () => {
    const live = await runTool(
      'go',
      ['test', '-count=1', '-run', '^TestLiveMesh$', '-v', './shardmesh'],
      GO_BUILD_TIMEOUT_MS,
      {
        cwd: SDK,
        env: {
          ...process.env,
          GOTOOLCHAIN: 'local',
          SHARDMESH_LIVE_ADDRESS: mesh.address,
          SHARDMESH_LIVE_CERTS: certs.dir,
          SHARDMESH_LIVE_TOKEN: token,
        },
      },
    );
    assert.equal(live.code, 0, live.stdout + live.stderr);
    assert.match(live.stdout, /--- PASS: TestLiveMesh/, 'the live test ran rather than skipped');
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
