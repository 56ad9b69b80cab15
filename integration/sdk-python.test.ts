import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PACKAGE_ROOT } from '../cli/paths.js';
import type { PreparedRepository } from '../partition/models/demo-models.js';
import { randomTensor } from '../partition/models/synthetic.js';
import { relativeMaxError, runModel } from '../partition/verify/verify.js';
import type { Mesh } from './harness/mesh.js';
import { startSdkMesh, type SdkMesh } from './harness/sdk-mesh.js';
import { assertReadmeShowsExample, exampleInput, printedTensor } from './harness/sdk-example.js';
import { runTool, toolPath } from './harness/tools.js';

const SDK = path.join(PACKAGE_ROOT, 'sdk', 'python');

/**
 * sdk/python against a live mesh with mutual TLS: its README example, installed with pip as a
 * user would, and the client beside tritonclient.grpc in one process, both matching ONNX Runtime
 * on the unsplit demo model. Also its unit tests, and that its committed stubs are what proto/
 * generates.
 */
describe('Python SDK (sdk/python)', () => {
  let sdk: SdkMesh;
  let mesh: Mesh;
  let certs: { dir: string };
  let models: PreparedRepository;
  let token: string;
  let work: string;
  const python = () => toolPath('venv/bin/python');

  before(async () => {
    sdk = await startSdkMesh('sdk-python');
    ({ mesh, models, token, work } = sdk);
    certs = { dir: sdk.certsDir };
  });

  after(async () => {
    await sdk?.stop();
  });

  test('the committed stubs are what generate.py writes from proto/', async (t) => {
    const result = await runTool(python(), [path.join(SDK, 'generate.py'), '--check'], 120_000);
    if (result.code === 3) {
      t.skip(`not checked: ${result.stderr.trim()}`);
      return;
    }
    assert.equal(result.code, 0, result.stderr);
  });

  test('its unit tests pass', async () => {
    const result = await runTool(python(), ['-m', 'unittest', 'discover', '-s', 'tests'], 180_000, {
      cwd: SDK,
    });
    assert.equal(result.code, 0, result.stderr);
  });

  test('the README example, installed with pip, runs the demo model with mutual TLS and matches ONNX Runtime', async () => {
    const example = path.join(SDK, 'examples', 'infer.py');
    await assertReadmeShowsExample(path.join(SDK, 'README.md'), 'python', example);
    // A copy, so that building the package leaves nothing in the checkout.
    const source = path.join(work, 'source');
    await cp(SDK, source, { recursive: true, filter: (f) => !/(__pycache__|\.egg-info|\/build)$/.test(f) });
    const site = path.join(work, 'site');
    const install = await runTool(
      python(),
      ['-m', 'pip', 'install', '--quiet', '--no-deps', '--no-build-isolation', '--target', site, source],
      180_000,
    );
    assert.equal(install.code, 0, install.stderr);
    const run = await runTool(python(), [example], 60_000, {
      cwd: work, // not sdk/python: the installed package is the one imported
      env: { ...process.env, PYTHONPATH: site, SHARDMESH_ADDRESS: mesh.address, SHARDMESH_CERTS: certs.dir },
    });
    assert.equal(run.code, 0, run.stderr);
    const printed = /^\((\d+), (\d+)\) (\[\[.*\]\])$/.exec(run.stdout.trim());
    assert.ok(printed, `unexpected output: ${run.stdout}`);
    assert.deepEqual([Number(printed[1]), Number(printed[2])], [1, 32]);
    const [expected] = await runModel(models.models.mlp.original, [exampleInput()]);
    const actual = printedTensor('y', [1, 32], (JSON.parse(printed[3]!) as number[][]).flat());
    assert.ok(relativeMaxError(actual, expected!) <= 1e-5);
  });

  test('shardmesh_client and tritonclient.grpc in one process both infer, and match ONNX Runtime', async () => {
    const x = randomTensor('x', [3, 8], 11);
    const files = ['x', 'ours', 'triton'].map((n) => path.join(work, `${n}.raw`));
    await writeFile(files[0]!, x.data);
    const script = path.join(PACKAGE_ROOT, 'integration', 'clients', 'sdk_python_check.py');
    const result = await runTool(python(), [script, mesh.address, certs.dir, token, ...files], 120_000, {
      env: { ...process.env, PYTHONPATH: SDK },
    });
    assert.equal(result.code, 0, result.stderr);
    const said = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual(said, {
      live: true,
      ready: true,
      model_ready: true,
      serving: true,
      metadata_inputs: [['x', 'FP32', [-1, 8]]],
      shape: [3, 32],
      dtype: 'float32',
      unknown_model: 'NOT_FOUND',
      token_equal: true,
    });
    const [expected] = await runModel(models.models.mlp.original, [x]);
    for (const file of files.slice(1)) {
      const actual = { ...expected!, data: await readFile(file) };
      assert.ok(relativeMaxError(actual, expected!) <= 1e-5, file);
    }
  });
});
