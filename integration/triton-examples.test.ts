import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { storeTlsFiles } from '../certs/store.js';
import { PACKAGE_ROOT } from '../cli/paths.js';
import { makeCertificates, prepareTestModels, startMesh, type Mesh } from './harness/mesh.js';
import { runTool, toolPath } from './harness/tools.js';

/**
 * The calls Triton's published Python examples make (tritonclient.grpc and tritonclient.grpc.aio:
 * simple_grpc_infer_client, grpc_explicit_int_content_client, simple_grpc_async_infer_client,
 * streaming, simple_grpc_custom_args_client, simple_grpc_keepalive_client,
 * simple_grpc_health_metadata and their aio twins), made the way they make them against our own
 * `simple` model, with only the address and TLS options added. The scripts in clients/ check what
 * the examples check and exit 1 where an example would fail; these tests then assert on values.
 *
 * And Triton's perf_analyzer against the router as a Triton user runs it: `-m simple`, no `--shape`
 * (the batch dim comes from max_batch_size, as `split` detects it) and no `-x` (perf_analyzer
 * finds the version whose `inference_stats.queue.count` grew during a window: the router counts
 * every successful request in each phase, model-statistics.ts), with only the address and TLS
 * flags added. perf_analyzer is installed by scripts/bootstrap.sh (scripts/tools/perf-analyzer.sh)
 * at .tools/bin/perf_analyzer.
 */

const SUM = [Array.from({ length: 16 }, (_, i) => i + 1)];
const DIFFERENCE = [Array.from({ length: 16 }, (_, i) => i - 1)];

describe("Triton's Python example clients and perf_analyzer against `simple`", () => {
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let work: string;
  let mesh: Mesh;

  before(async () => {
    await prepareTestModels();
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['shard', 'shard-0'],
    ]);
    work = await mkdtemp(path.join(tmpdir(), 'shardmesh-triton-'));
    mesh = await startMesh({
      registryUrl: `embedded:${path.join(work, 'registry')}`,
      certsDir: certs.dir,
      shards: [{ name: 'shard-0', serve: ['simple/*/*/*'] }],
      models: ['simple'],
    });
  });

  after(async () => {
    await mesh?.stop();
    await certs?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** Runs one case of a script in clients/ and returns what it printed, failing on its FAILED line. */
  async function example<T>(script: string, name: string): Promise<T> {
    const result = await runTool(
      toolPath('venv/bin/python'),
      // -B: the aio script imports triton_examples, and no __pycache__ belongs in the checkout.
      ['-B', path.join(PACKAGE_ROOT, 'integration', 'clients', script), mesh.address, certs.dir, name],
      120_000,
    );
    assert.equal(result.code, 0, `${script} ${name}: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }

  interface SumDifference {
    OUTPUT0: number[][];
    OUTPUT1: number[][];
    dtype: string;
  }
  const assertSumDifference = (said: SumDifference): void => {
    assert.deepEqual([said.OUTPUT0, said.OUTPUT1, said.dtype], [SUM, DIFFERENCE, 'int32']);
  };

  for (const script of ['triton_examples.py', 'triton_aio_examples.py']) {
    const client = script === 'triton_examples.py' ? 'tritonclient.grpc' : 'tritonclient.grpc.aio';

    test(`${client}: infer with and without requested outputs, and one model's statistics`, async () => {
      const said = await example<{ with_outputs: SumDifference; no_outputs: SumDifference }>(script, 'infer');
      assertSumDifference(said.with_outputs);
      assertSumDifference(said.no_outputs);
    });

    test(`${client}: channel_args as the custom-args example sets them, request parameters, client timeout`, async () => {
      const said = await example<
        | SumDifference
        | { channel_args: SumDifference; parameters: SumDifference; expired: { status: string } }
      >(script, 'custom_args');
      if ('channel_args' in said) {
        assertSumDifference(said.channel_args);
        assertSumDifference(said.parameters);
        assert.equal(said.expired.status, 'StatusCode.DEADLINE_EXCEEDED');
      } else assertSumDifference(said);
    });

    test(`${client}: keepalive options`, async () => {
      assertSumDifference(await example<SumDifference>(script, 'keepalive'));
    });
  }

  test('tritonclient.grpc: explicit int_contents through the raw stubs, answered in raw_output_contents', async () => {
    const said = await example<{
      names: string[];
      typed_contents: boolean[];
      OUTPUT0: number[][];
      OUTPUT1: number[][];
      mixed_refusal: { code: string; details: string };
    }>('triton_examples.py', 'explicit_int');
    assert.deepEqual(said.names, ['OUTPUT0', 'OUTPUT1']);
    assert.deepEqual(said.typed_contents, [false, false]);
    assert.deepEqual([said.OUTPUT0, said.OUTPUT1], [SUM, DIFFERENCE]);
    assert.equal(said.mixed_refusal.code, 'INVALID_ARGUMENT');
    // Triton's own wording, which its example matches on.
    assert.match(
      said.mixed_refusal.details,
      /^contents field must not be specified when using raw_input_contents for "INPUT0" for model "simple"/,
    );
  });

  test('max_batch_size 8: a batch of 8 runs, a batch of 9 is INVALID_ARGUMENT naming the limit', async () => {
    const said = await example<{ rows: number; nine: { status: string; message: string } }>(
      'triton_examples.py',
      'batch_limit',
    );
    assert.equal(said.rows, 8);
    assert.equal(said.nine.status, 'StatusCode.INVALID_ARGUMENT');
    assert.match(said.nine.message, /batch 9 exceeds the model's max_batch_size 8/);
  });

  test('tritonclient.grpc: async_infer with a callback', async () => {
    assertSumDifference(await example<SumDifference>('triton_examples.py', 'async_infer'));
  });

  test('tritonclient.grpc: start_stream / async_stream_infer, a bad request answered on the stream', async () => {
    const said = await example<{ ids: string[]; shapes: number[]; errors: string[] }>(
      'triton_examples.py',
      'stream',
    );
    assert.deepEqual(said.ids, ['0', '1', '2']);
    assert.deepEqual(said.shapes, [1, 2, 3]);
    assert.equal(said.errors.length, 1);
    assert.match(said.errors[0]!, /INVALID_ARGUMENT: input "INPUT0": shape \[1,15\]/);
  });

  test('tritonclient.grpc.aio: stream_infer over an async generator', async () => {
    const said = await example<{ ids: string[] }>('triton_aio_examples.py', 'stream');
    assert.deepEqual(said.ids, ['0', '1', '2']);
  });

  test('tritonclient.grpc: health and metadata as Triton reports them', async () => {
    const said = await example<{
      server: { name: string; extensions: string[] };
      model_metadata: {
        name: string;
        platform: string;
        inputs: { name: string; datatype: string; shape: string[] }[];
        outputs: { name: string; datatype: string; shape: string[] }[];
      };
      model_config: {
        name: string;
        platform: string;
        backend: string;
        max_batch_size: number;
        input: { name: string; data_type: string; dims: string[] }[];
        output: { name: string; data_type: string; dims: string[] }[];
      };
      unknown: { status: string; message: string };
    }>('triton_examples.py', 'health_metadata');
    assert.equal(said.server.name, 'shardmesh');
    assert.deepEqual(said.server.extensions, ['model_configuration', 'model_repository', 'statistics']);
    const metadata = said.model_metadata;
    assert.equal(metadata.platform, 'onnxruntime_onnx');
    // ModelMetadata keeps the batch dim as -1; ModelConfig leaves it out, as Triton does.
    const shapes = [...metadata.inputs, ...metadata.outputs].map((t) => [t.name, t.datatype, t.shape]);
    assert.deepEqual(shapes, [
      ['INPUT0', 'INT32', ['-1', '16']],
      ['INPUT1', 'INT32', ['-1', '16']],
      ['OUTPUT0', 'INT32', ['-1', '16']],
      ['OUTPUT1', 'INT32', ['-1', '16']],
    ]);
    const config = said.model_config;
    assert.deepEqual(
      [config.name, config.platform, config.backend, config.max_batch_size],
      ['simple', 'onnxruntime_onnx', 'onnxruntime', 8],
    );
    const dims = [...config.input, ...config.output].map((t) => [t.name, t.data_type, t.dims]);
    assert.deepEqual(dims, [
      ['INPUT0', 'TYPE_INT32', ['16']],
      ['INPUT1', 'TYPE_INT32', ['16']],
      ['OUTPUT0', 'TYPE_INT32', ['16']],
      ['OUTPUT1', 'TYPE_INT32', ['16']],
    ]);
    assert.equal(said.unknown.status, 'StatusCode.NOT_FOUND');
    assert.match(said.unknown.message, /^Request for unknown model: 'wrong_model_name' is not found/);
  });

  test('tritonclient.grpc.aio: health and metadata', async () => {
    const said = await example<{
      server_name: string;
      platform: string;
      max_batch_size: number;
      unknown: string;
    }>('triton_aio_examples.py', 'health_metadata');
    assert.deepEqual(
      [said.server_name, said.platform, said.max_batch_size],
      ['shardmesh', 'onnxruntime_onnx', 8],
    );
    assert.match(said.unknown, /^Request for unknown model: 'wrong_model_name' is not found/);
  });

  // perf_analyzer as a Triton user runs it: see the comment above the describe.
  test('perf_analyzer -m simple runs with no --shape and no -x, and reads the server-side statistics', async () => {
    const tls = storeTlsFiles(certs.dir, 'client');
    const result = await runTool(
      toolPath('bin/perf_analyzer'),
      [
        ...['-m', 'simple', '-i', 'grpc', '-u', mesh.address],
        ...['--ssl-grpc-use-ssl', 'true', '--ssl-grpc-root-certifications-file', tls.caFile],
        ...['--ssl-grpc-private-key-file', tls.keyFile, '--ssl-grpc-certificate-chain-file', tls.certFile],
        // Short windows and no real stability bound: this checks that it runs, not how fast. With
        // -s 100 one stalled window on a loaded machine failed the test ("Failed to obtain stable
        // measurement", exit 2); 1000 % accepts any windows, as the bench's rerun does.
        ...['--concurrency-range', '1:1', '-p', '500', '-s', '1000', '-r', '3'],
      ],
      120_000,
    );
    const output = `${result.stdout}\n${result.stderr}`;
    assert.equal(result.code, 0, output);
    assert.doesNotMatch(output, /dynamic shape/);
    const requests = Number(/Request count: (\d+)/.exec(result.stdout)?.[1]);
    assert.ok(requests > 0, output);
    assert.match(result.stdout, /Throughput: [\d.]+ infer\/sec/);
    // The server's own counts, which perf_analyzer reads from ModelStatistics for the version.
    const served = Number(/Server:\s+Inference count: (\d+)/.exec(result.stdout)?.[1]);
    assert.ok(served > 0, output);
    // Its server-side breakdown comes from ModelStatistics' phases: the shards' run is in it.
    const computeInfer = Number(/compute infer (\d+) usec/.exec(result.stdout)?.[1]);
    assert.ok(computeInfer > 0, output);
    // Queue: from the end of the input checks to the execution's start (simple has no dynamic
    // batching, so a few microseconds: measured, not a flat 0).
    const queue = Number(/queue (\d+) usec/.exec(result.stdout)?.[1]);
    assert.ok(queue > 0, output);
  });
});
