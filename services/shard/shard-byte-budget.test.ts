import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { credentials, Server, ServerCredentials, status as Status, type Client } from '@grpc/grpc-js';
import { ByteBudget } from '../../lib/byte-budget.js';
import type { ShardRequestKind } from '../../lib/grpc/shard-messages.js';
import { shardServiceDefinition, ShardServiceClient } from '../../lib/grpc/shard-service.js';
import { createLogger } from '../../lib/log.js';
import { byteSize, type Tensor, type TensorSpec } from '../../lib/tensor/tensor.js';
import type { ModelRunner } from './model-runner.js';
import { ShardStream, type InferStream } from './shard-stream.js';
import { TestShardStream } from './shard-test-stream.js';

/** y = x, declaring its output as big as its input, as ONNX Runtime's metadata would. */
class EchoRunner implements ModelRunner {
  readonly inputs: readonly TensorSpec[] = [{ name: 'x', datatype: 'FP32', shape: [-1] }];
  readonly outputNames = ['y'];
  readonly weightBytes = 0;

  outputBytes(specs: readonly TensorSpec[]): number {
    return byteSize(specs[0]!);
  }

  run(inputs: readonly Tensor[]): Promise<Tensor[]> {
    return Promise.resolve([{ ...inputs[0]!, name: 'y' }]);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const header = (elements: number): ShardRequestKind => ({
  kind: 'header',
  header: {
    request_id: 'r',
    model: 'm',
    version: '1',
    stage: 'main',
    partition: 0,
    inputs: [{ name: 'x', datatype: 'FP32', shape: [elements] }],
  },
});
const chunk = (elements: number): ShardRequestKind => ({
  kind: 'chunk',
  chunk: { tensor: 0, offset: 0, data: Buffer.alloc(elements * 4) },
});

void describe("the shard's in-flight byte budget (shard.proto's RESOURCE_EXHAUSTED)", () => {
  // 1000 bytes: a call of n FP32 elements holds 8n (input and declared output).
  const budget = new ByteBudget(1000, 'shard');
  let server: Server;
  let client: Client;

  before(async () => {
    server = new Server();
    server.addService(shardServiceDefinition, {
      Infer: (call: InferStream) =>
        new ShardStream(call, {
          runner: () => new EchoRunner(),
          chunkBytes: 1 << 20,
          instanceId: 'test',
          log: createLogger('test', 'silent'),
          budget,
          refuseNewCalls: () => undefined,
        }),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    client = new ShardServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  after(() => {
    client.close();
    server.forceShutdown();
  });

  /** Runs `body` on a fresh stream, cancelled whatever happens, so a failed check never hangs. */
  async function onStream(body: (stream: TestShardStream) => Promise<void>): Promise<void> {
    const stream = new TestShardStream(client, { deadline: new Date(Date.now() + 10_000) });
    try {
      await body(stream);
    } finally {
      stream.stream.cancel();
    }
  }

  test('a call holds its bytes from its header: one that does not fit beside it is refused in-band, the stream serves on', () =>
    onStream(async (stream) => {
      // Call 1 sends its header only: 800 bytes held while its input is awaited.
      const first = stream.call(1, [header(100)]);
      const refused = await stream.call(2, [header(50), chunk(50)]);
      assert.equal(Status[refused.error?.code ?? 0], 'RESOURCE_EXHAUSTED');
      assert.match(refused.error!.details, /shard's in-flight byte budget is full/);
      assert.equal(budget.inUseBytes, 800);
      // A call that fits beside it runs.
      const small = await stream.call(3, [header(25), chunk(25)]);
      assert.equal(small.error, undefined);
      assert.equal(small.messages.at(-1)?.kind, 'trailer');
      stream.write(1, chunk(100));
      const done = await first;
      assert.equal(done.error, undefined);
      stream.end();
      await stream.status;
      assert.equal(budget.inUseBytes, 0, 'every call gave its bytes back');
    }));

  test('a call larger than the whole budget is refused at its header, saying so', () =>
    onStream(async (stream) => {
      const outcome = await stream.call(1, [header(200)]);
      assert.equal(Status[outcome.error?.code ?? 0], 'RESOURCE_EXHAUSTED');
      assert.match(outcome.error!.details, /smaller than this request, which needs 1600 bytes/);
      stream.end();
      await stream.status;
      assert.equal(budget.inUseBytes, 0);
    }));

  test('a call whose stream goes away gives its bytes back', async () => {
    const stream = new TestShardStream(client);
    const pending = stream.call(1, [header(100)]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(budget.inUseBytes, 800);
    stream.stream.cancel();
    await pending;
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(budget.inUseBytes, 0);
  });
});
