import { Metadata, type ClientDuplexStream } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mlp, randomTensor } from '../partition/models/synthetic.js';
import { writePartitionedModel } from '../partition/onnx/write.js';
import { splitPipeline } from '../partition/strategies/pipeline/pipeline.js';
import { openRegistry } from '../registry/open-registry.js';
import type { Registration, ShardInstance } from '../registry/registry.js';
import { rawInferRequest, type InferResponse } from './harness/compare.js';
import { startJaeger, type Jaeger } from './harness/jaeger.js';
import {
  childrenOf,
  parentId,
  processTag,
  serviceOf,
  spansNamed,
  spanTree,
  tag,
  type JaegerSpan,
  type JaegerTrace,
} from './harness/jaeger-trace.js';
import { LogLines } from './harness/log-lines.js';
import { makeCertificates, startMesh, type Mesh } from './harness/mesh.js';

/**
 * One request followed through real processes into a real Jaeger: a two-stage pipeline (an MLP
 * cut in two, one partition a stage) with stage 1 on shard-a and stage 2 on shard-b, every
 * process exporting over OTLP/HTTP. The trace holds the router's request, validation, stage,
 * partition-call and merge spans and each shard's receive / ONNX Runtime run / send spans, the
 * run a child of the router's partition call (its traceparent travels in the call's header).
 */
describe('tracing across the mesh, in Jaeger', () => {
  let work: string;
  let jaeger: Jaeger;
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let mesh: Mesh;
  let registryUrl: string;
  let stages: string[];
  let routerLog: LogLines;
  const request = (id: string): object => ({
    ...rawInferRequest('pipe', [randomTensor('x', [2, 8], 4)]),
    id,
  });

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'shardmesh-tracing-'));
    const split = await splitPipeline(mlp({ inputDim: 8, hiddenDim: 32, outputDim: 4, seed: 7, blocks: 2 }), {
      name: 'pipe',
      partitions: 2,
    });
    stages = split.plan.stages.map((s) => s.name);
    assert.equal(stages.length, 2);
    await writePartitionedModel(path.join(work, 'models', 'pipe', '1'), split.plan, split.models);
    jaeger = await startJaeger();
    certs = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
      ['shard', 'shard-a'],
      ['shard', 'shard-b'],
    ]);
    registryUrl = `embedded:${path.join(work, 'registry')}`;
    // The children inherit this process's environment: every one of them exports to Jaeger, and
    // soon (the batch delay is 5 s by default).
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = jaeger.otlpEndpoint;
    process.env['OTEL_BSP_SCHEDULE_DELAY'] = '100';
    mesh = await startMesh({
      registryUrl,
      certsDir: certs.dir,
      modelsDir: path.join(work, 'models'),
      shards: [
        { name: 'shard-a', serve: [`pipe/1/${stages[0]}/0`] },
        { name: 'shard-b', serve: [`pipe/1/${stages[1]}/0`] },
      ],
      models: ['pipe'],
      logs: 'pipe',
    });
    routerLog = new LogLines(mesh.router.process.stderr!);
    // Read, so a full pipe never blocks them.
    for (const shard of mesh.shards.values()) new LogLines(shard.process.stderr!);
  });

  after(async () => {
    delete process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    delete process.env['OTEL_BSP_SCHEDULE_DELAY'];
    await mesh?.stop();
    await jaeger?.stop();
    await certs?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** A client span's traceparent, as an OpenTelemetry-instrumented client sends it. */
  const clientContext = (): { traceId: string; spanId: string; metadata: Metadata } => {
    const traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    const metadata = new Metadata();
    metadata.set('traceparent', `00-${traceId}-${spanId}-01`);
    return { traceId, spanId, metadata };
  };
  const runs = (t: JaegerTrace): JaegerSpan[] => spansNamed(t, 'onnxruntime run');
  /** Diagnostics are one line each in TAP: the tree goes out line by line. */
  const show = (t: { diagnostic(line: string): void }, trace: JaegerTrace): void => {
    for (const line of spanTree(trace).split('\n')) t.diagnostic(line);
  };

  test("one ModelInfer is one trace with the client's trace id, spans from the router and both shards", async (t) => {
    const client = clientContext();
    const response = await mesh.client.call<InferResponse>(
      'ModelInfer',
      request('traced'),
      30_000,
      client.metadata,
    );
    assert.equal(response.outputs[0]?.name, 'y');
    // Each process exports on its own; wait until the last shard's send span is in.
    const trace = await jaeger.waitForTrace(
      client.traceId,
      (tr) =>
        runs(tr).length === 2 &&
        spansNamed(tr, 'shard send').length === 2 &&
        spansNamed(tr, 'merge').length === 2,
    );
    show(t, trace);
    assert.equal(trace.traceID, client.traceId);

    const [root] = spansNamed(trace, 'inference.GRPCInferenceService/ModelInfer');
    assert.ok(root, 'the request span');
    assert.equal(serviceOf(trace, root), 'shardmesh-router');
    assert.equal(parentId(root), client.spanId, "the request span is a child of the client's span");
    assert.equal(tag(root, 'shardmesh.request_id'), 'traced');
    assert.deepEqual(
      childrenOf(trace, root)
        .map((s) => [s.operationName, tag(s, 'shardmesh.stage')])
        .sort(byNameThenStage),
      [
        ['stage', stages[0]],
        ['stage', stages[1]],
        ['validate', undefined],
      ],
    );

    // Three processes: the router's and two shards' (two pids under shardmesh-shard).
    const shardPids = new Set(
      trace.spans
        .filter((s) => serviceOf(trace, s) === 'shardmesh-shard')
        .map((s) => processTag(trace, s, 'process.pid')),
    );
    assert.equal(shardPids.size, 2, 'spans from both shard processes');

    for (const [i, stage] of stages.entries()) {
      const stageSpan = childrenOf(trace, root).find((s) => tag(s, 'shardmesh.stage') === stage)!;
      const under = childrenOf(trace, stageSpan);
      assert.deepEqual(names(under), ['merge', 'partition call'], stage);
      const call = under.find((s) => s.operationName === 'partition call');
      assert.equal(tag(call!, 'shardmesh.attempt'), 1);
      assert.equal(tag(call!, 'shardmesh.partition'), 0);
      assert.ok((tag(call!, 'shardmesh.bytes_sent') as number) > 0, 'bytes sent');
      assert.ok((tag(call!, 'shardmesh.bytes_received') as number) > 0, 'bytes received');
      // The shard's spans for the call hang directly under the router's partition call.
      const shardSpans = childrenOf(trace, call!);
      assert.deepEqual(names(shardSpans), ['onnxruntime run', 'shard receive', 'shard send']);
      for (const s of shardSpans) assert.equal(serviceOf(trace, s), 'shardmesh-shard');
      const receive = shardSpans.find((s) => s.operationName === 'shard receive')!;
      assert.equal(tag(receive, 'shardmesh.partition_key'), `pipe/1/${stage}/0`);
      // The registry's id of a replica is the shard instance's, followed by its partition.
      assert.ok(
        String(tag(call!, 'shardmesh.replica')).startsWith(`${String(tag(receive, 'shardmesh.instance'))}-`),
        'the partition call names the replica whose shard made the spans',
      );
      t.diagnostic(`stage ${i + 1} ran on ${String(tag(call!, 'shardmesh.replica'))}`);
    }
  });

  test("each ModelStreamInfer message is a request span in the trace of the stream's traceparent", async () => {
    const client = clientContext();
    const stream = (
      mesh.client.raw as unknown as {
        ModelStreamInfer(metadata: Metadata): ClientDuplexStream<object, object>;
      }
    ).ModelStreamInfer(client.metadata);
    const answers: object[] = [];
    stream.on('data', (m: object) => answers.push(m));
    const ended = once(stream, 'end');
    stream.write(request('stream-0'));
    stream.write(request('stream-1'));
    stream.end();
    await ended;
    assert.equal(answers.length, 2);
    const trace = await jaeger.waitForTrace(
      client.traceId,
      (tr) => spansNamed(tr, 'shard send').length === 4,
    );
    const requests = spansNamed(trace, 'inference.GRPCInferenceService/ModelStreamInfer');
    assert.deepEqual(requests.map((s) => tag(s, 'shardmesh.request_id')).sort(), ['stream-0', 'stream-1']);
    for (const r of requests) assert.equal(parentId(r), client.spanId);
    assert.equal(runs(trace).length, 4, 'two stages for each message');
  });

  test('a request without traceparent starts a trace of its own at the router', async () => {
    await mesh.client.call('ModelInfer', request('untraced-client'));
    const deadline = Date.now() + 20_000;
    let found: JaegerTrace | undefined;
    while (!found && Date.now() < deadline) {
      found = (await jaeger.traces('shardmesh-router')).find((tr) =>
        tr.spans.some((s) => tag(s, 'shardmesh.request_id') === 'untraced-client' && runs(tr).length === 2),
      );
      if (!found) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(found, 'a trace for the request');
    const [root] = spansNamed(found, 'inference.GRPCInferenceService/ModelInfer');
    assert.equal(parentId(root!), undefined, 'the request span is the root');
  });

  test('a retried partition shows both attempts, each its own span; only the one that reached a shard has shard spans', async (t) => {
    // A second replica of stage 2 whose address refuses connections: a call there fails at once
    // with UNAVAILABLE, and the router retries it on shard-b. Replicas with equal load take turns.
    const real = await instanceOf(registryUrl, stages[1]!);
    const dead: Registration = await openRegistry(registryUrl).register({
      ...real,
      id: 'dead-replica',
      port: await closedPort(),
    });
    try {
      let retried: JaegerTrace | undefined;
      for (let i = 0; i < 6 && !retried; i++) {
        const client = clientContext();
        await mesh.client.call('ModelInfer', request(`retry-${i}`), 30_000, client.metadata);
        const trace = await jaeger.waitForTrace(
          client.traceId,
          (tr) => spansNamed(tr, 'shard send').length === 2,
        );
        if (spansNamed(trace, 'partition call').length === 3) retried = trace;
        // Until the router's table holds the dead replica, every call goes to shard-b.
        else await new Promise((resolve) => setTimeout(resolve, 500));
      }
      assert.ok(retried, 'within six requests one was sent to the dead replica first');
      show(t, retried);
      const attempts = spansNamed(retried, 'partition call')
        .filter((s) => tag(s, 'shardmesh.stage') === stages[1])
        .sort((a, b) => (tag(a, 'shardmesh.attempt') as number) - (tag(b, 'shardmesh.attempt') as number));
      assert.deepEqual(
        attempts.map((s) => [
          tag(s, 'shardmesh.attempt'),
          tag(s, 'shardmesh.replica'),
          tag(s, 'rpc.grpc.status_code'),
        ]),
        [
          [1, 'dead-replica', 14],
          [2, real.id, undefined],
        ],
      );
      assert.equal(tag(attempts[0]!, 'otel.status_code'), 'ERROR');
      assert.equal(
        parentId(attempts[0]!),
        parentId(attempts[1]!),
        'both attempts are children of the stage span',
      );
      assert.equal(childrenOf(retried, attempts[0]!).length, 0, 'the dead replica made no spans');
      assert.deepEqual(names(childrenOf(retried, attempts[1]!)), [
        'onnxruntime run',
        'shard receive',
        'shard send',
      ]);
      // The router's log line about the failed attempt leads to the trace and the request's span.
      const [root] = spansNamed(retried, 'inference.GRPCInferenceService/ModelInfer');
      const line = await routerLog.waitFor(
        (l) => l.msg === 'partition attempt failed; retrying' && l['trace_id'] === retried.traceID,
      );
      assert.equal(line['span_id'], root!.spanID);
      assert.equal(line['replica'], 'dead-replica');
    } finally {
      await dead.deregister();
    }
  });
});

/**
 * Span names in alphabetical order. Jaeger's start times of sibling spans are not enough to
 * order them: the SDK takes a span's start from Date.now(), to the millisecond, and these spans
 * often take less.
 */
const names = (spans: readonly JaegerSpan[]): string[] => spans.map((s) => s.operationName).sort();
const byNameThenStage = (a: unknown[], b: unknown[]): number =>
  String(a[0]).localeCompare(String(b[0])) || String(a[1]).localeCompare(String(b[1]));

/** The registered instance serving `stage` of `pipe`. */
function instanceOf(url: string, stage: string): Promise<ShardInstance> {
  return new Promise((resolve) => {
    const watch = openRegistry(url).watch((instances) => {
      const found = instances.find((i) => i.model === 'pipe' && i.stage === stage);
      if (!found) return;
      watch.close();
      resolve(found);
    });
  });
}

/** A loopback port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}
