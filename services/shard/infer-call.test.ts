import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { credentials, Server, ServerCredentials, status as Status, type Client } from '@grpc/grpc-js';
import type {
  ShardRequestKind,
  ShardResponseMessage,
  WireInferHeader,
} from '../../lib/grpc/shard-messages.js';
import { deserializeShardResponse } from '../../lib/grpc/shard-codec.js';
import { writtenMessages } from '../../lib/grpc/grpc-frame.js';
import { shardServiceDefinition, ShardServiceClient } from '../../lib/grpc/shard-service.js';
import { pino } from 'pino';
import { createLogger, type Logger } from '../../lib/log.js';
import type { Tensor, TensorSpec } from '../../lib/tensor/tensor.js';
import type { ModelRunner } from './model-runner.js';
import { ShardStream, type InferStream } from './shard-stream.js';
import { inferOnce, TestShardStream, type CallOutcome } from './shard-test-stream.js';

type RequestMessage = ShardRequestKind;

/** y = 2 * x in plain JavaScript, plus n = the element count as INT64: a real runner, no ONNX. */
class DoublingRunner implements ModelRunner {
  readonly inputs: readonly TensorSpec[] = [{ name: 'x', datatype: 'FP32', shape: [-1, 10] }];
  readonly outputNames = ['y', 'n'];
  readonly weightBytes = 0;
  readonly seen: Tensor[][] = [];
  failWith: Error | undefined;

  run(inputs: readonly Tensor[]): Promise<Tensor[]> {
    this.seen.push([...inputs]);
    if (this.failWith) return Promise.reject(this.failWith);
    const x = inputs[0]!;
    const values = new Float32Array(x.data.length / 4);
    for (let i = 0; i < values.length; i++) values[i] = 2 * x.data.readFloatLE(i * 4);
    const n = Buffer.alloc(8);
    n.writeBigInt64LE(BigInt(values.length));
    return Promise.resolve([
      { name: 'y', datatype: 'FP32', shape: [...x.shape], data: Buffer.from(values.buffer) },
      { name: 'n', datatype: 'INT64', shape: [1], data: n },
    ]);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

type Outcome = CallOutcome;

const header = (overrides: Partial<WireInferHeader> = {}, shape = [5, 10]): RequestMessage => ({
  kind: 'header',
  header: {
    request_id: 'r1',
    model: 'm',
    version: '1',
    stage: 'main',
    partition: 0,
    inputs: [{ name: 'x', datatype: 'FP32', shape }],
    ...overrides,
  },
});

function inputBytes(count: number): Buffer {
  const data = Buffer.alloc(count * 4);
  for (let i = 0; i < count; i++) data.writeFloatLE(i * 0.5 - 3, i * 4);
  return data;
}

/** Cuts `data` into chunks of `bytes` (not element-aligned), last one first. */
function chunksOf(data: Buffer, bytes: number): RequestMessage[] {
  const out: RequestMessage[] = [];
  for (let at = 0; at < data.length; at += bytes) {
    out.push({ kind: 'chunk', chunk: { tensor: 0, offset: at, data: data.subarray(at, at + bytes) } });
  }
  return out.reverse();
}

/** A plaintext grpc-js server whose `Infer` streams are ShardStreams over `runner`. */
async function startTestServer(
  runner: (key: string) => ModelRunner | undefined,
  log: Logger,
  /** Hears the kinds of the messages in each write to a stream. */
  onWrite?: (kinds: string[]) => void,
): Promise<{ server: Server; client: Client }> {
  const server = new Server();
  server.addService(shardServiceDefinition, {
    Infer: (call: InferStream) => {
      if (onWrite) {
        const write = call.write.bind(call) as (m: unknown) => boolean;
        call.write = ((m: ShardResponseMessage | Buffer) => {
          onWrite(
            Buffer.isBuffer(m) ? writtenMessages(m).map((b) => deserializeShardResponse(b).kind) : [m.kind],
          );
          return write(m);
        }) as typeof call.write;
      }
      new ShardStream(call, {
        runner,
        chunkBytes: 64,
        instanceId: 'test',
        log,
        refuseNewCalls: () => undefined,
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return { server, client: new ShardServiceClient(`127.0.0.1:${port}`, credentials.createInsecure()) };
}

void describe('one call per stream, as a generated stub sends it, on a real grpc-js server', () => {
  const runner = new DoublingRunner();
  const runners = new Map<string, ModelRunner>([['m/1/main/0', runner]]);
  const log = createLogger('test', 'silent');
  let server: Server;
  let client: Client;

  before(async () => {
    ({ server, client } = await startTestServer((key) => runners.get(key), log));
  });

  after(() => {
    client.close();
    server.forceShutdown();
  });

  /** Writes `messages` as call 1 on a stream of its own, half-closes, and collects the call's answer. */
  function infer(messages: readonly RequestMessage[]): Promise<Outcome> {
    return inferOnce(client, messages);
  }

  /** A good request after an error shows the server still serves. */
  async function assertStillServes(): Promise<void> {
    const outcome = await infer([header({}, [1, 10]), ...chunksOf(inputBytes(10), 40)]);
    assert.equal(outcome.error, undefined);
    assert.equal(outcome.messages.at(-1)?.kind, 'trailer');
  }

  async function assertRefused(
    messages: readonly RequestMessage[],
    code: Status,
    details: RegExp,
  ): Promise<void> {
    const outcome = await infer(messages);
    assert.ok(outcome.error, `expected ${Status[code]}, the call succeeded`);
    assert.equal(Status[outcome.error.code], Status[code], outcome.error.details);
    assert.match(outcome.error.details, details);
    assert.ok(
      outcome.messages.every((m) => m.kind !== 'trailer'),
      'no trailer after an error',
    );
    await assertStillServes();
  }

  void test('outputs stream as a header, chunks of at most 64 bytes, then a trailer, with y = 2x', async () => {
    const x = inputBytes(50);
    const before = runner.seen.length;
    const outcome = await infer([header(), ...chunksOf(x, 37)]);
    assert.equal(outcome.error, undefined);
    const { messages } = outcome;

    const first = messages[0];
    assert.ok(first?.kind === 'header', `first message is ${first?.kind}`);
    assert.deepEqual(first.header.outputs, [
      { name: 'y', datatype: 'FP32', shape: [5, 10] },
      { name: 'n', datatype: 'INT64', shape: [1] },
    ]);
    const last = messages.at(-1);
    assert.ok(last?.kind === 'trailer', `last message is ${last?.kind}`);
    assert.equal(last.trailer.instance_id, 'test');
    assert.equal(typeof last.trailer.compute_us, 'number');
    assert.equal(typeof last.trailer.receive_us, 'number');

    const middle = messages.slice(1, -1);
    const y = Buffer.alloc(200);
    const n = Buffer.alloc(8);
    const next = [0, 0];
    for (const m of middle) {
      assert.ok(m.kind === 'chunk', `a ${m.kind} between the header and the trailer`);
      const { tensor, offset, data } = m.chunk;
      assert.ok(data.length > 0 && data.length <= 64, `chunk of ${data.length} bytes`);
      assert.equal(data.length % 4, 0);
      assert.equal(offset, next[tensor], 'chunks of a tensor arrive in order');
      next[tensor] = offset + data.length;
      data.copy(tensor === 0 ? y : n, offset);
    }
    assert.deepEqual(next, [200, 8]);
    assert.equal(middle.length, 4 + 1); // 200 bytes in 64-byte chunks, then n

    const expected = Array.from({ length: 50 }, (_, i) => 2 * (i * 0.5 - 3));
    assert.deepEqual(
      Array.from({ length: 50 }, (_, i) => y.readFloatLE(i * 4)),
      expected,
    );
    assert.equal(n.readBigInt64LE(), 50n);
    // The runner saw the input exactly as sent, though its chunks came last first and cut mid-element.
    assert.equal(runner.seen.length, before + 1);
    assert.ok(runner.seen.at(-1)![0]!.data.equals(x));
  });

  void test('inputs inside the header, and an answer asked whole, come as one message each way when they fit', async () => {
    const x = inputBytes(10);
    // Half the input inside the header, the rest as a chunk message after it (both are allowed).
    const inside = [{ tensor: 0, offset: 20, data: x.subarray(20) }];
    const outcome = await infer([
      header({ chunks: inside, whole_answer: true }, [1, 10]),
      { kind: 'chunk', chunk: { tensor: 0, offset: 0, data: x.subarray(0, 20) } },
    ]);
    assert.equal(outcome.error, undefined);
    assert.equal(outcome.messages.length, 1, outcome.messages.map((m) => m.kind).join(', '));
    const whole = outcome.messages[0]!;
    assert.ok(whole.kind === 'header' && whole.header.trailer && whole.header.chunks);
    assert.equal(whole.header.trailer.instance_id, 'test');
    const [y, n] = [Buffer.alloc(40), Buffer.alloc(8)];
    for (const c of whole.header.chunks) c.data.copy(c.tensor === 0 ? y : n, c.offset);
    assert.deepEqual(
      Array.from({ length: 10 }, (_, i) => y.readFloatLE(i * 4)),
      Array.from({ length: 10 }, (_, i) => 2 * (i * 0.5 - 3)),
    );
    assert.equal(n.readBigInt64LE(), 10n);
    // An answer larger than one write comes apart, asked whole or not.
    const large = await infer([
      header({ chunks: [{ tensor: 0, offset: 0, data: inputBytes(50) }], whole_answer: true }),
    ]);
    assert.deepEqual(
      large.messages.map((m) => m.kind),
      ['header', 'chunk', 'chunk', 'chunk', 'chunk', 'chunk', 'trailer'],
    );
    await assertStillServes();
  });

  void test('a chunk before the header is INVALID_ARGUMENT', async () => {
    await assertRefused(
      [...chunksOf(inputBytes(50), 200), header()],
      Status.INVALID_ARGUMENT,
      /a chunk arrived before the header/,
    );
  });

  void test('a partition the shard does not serve is NOT_FOUND', async () => {
    await assertRefused(
      [header({ partition: 7 }), ...chunksOf(inputBytes(50), 200)],
      Status.NOT_FOUND,
      /does not serve partition m\/1\/main\/7/,
    );
    await assertRefused(
      [header({ model: 'other' })],
      Status.NOT_FOUND,
      /does not serve partition other\/1\/main\/0/,
    );
  });

  void test('a shape the partition does not take is INVALID_ARGUMENT naming the input', async () => {
    await assertRefused(
      [header({}, [5, 4]), ...chunksOf(inputBytes(20), 80)],
      Status.INVALID_ARGUMENT,
      /input "x": shape \[5,4\] given, the model takes \[-1,10\]/,
    );
    await assertRefused(
      [header({ inputs: [{ name: 'x', datatype: 'INT32', shape: [1, 10] }] })],
      Status.INVALID_ARGUMENT,
      /input "x": datatype INT32 given/,
    );
    await assertRefused(
      [header({ inputs: [{ name: 'z', datatype: 'FP32', shape: [1, 10] }] })],
      Status.INVALID_ARGUMENT,
      /input "x" is missing/,
    );
  });

  void test('bytes missing at half-close are INVALID_ARGUMENT naming the input', async () => {
    const x = inputBytes(50);
    await assertRefused(
      [header(), ...chunksOf(x.subarray(0, 196), 64)],
      Status.INVALID_ARGUMENT,
      /input "x": the stream ended before all its bytes arrived/,
    );
  });

  void test('chunks outside the tensor, repeated, or of an undeclared tensor are INVALID_ARGUMENT', async () => {
    const x = inputBytes(50);
    await assertRefused(
      [header(), { kind: 'chunk', chunk: { tensor: 0, offset: 190, data: Buffer.alloc(20) } }],
      Status.INVALID_ARGUMENT,
      /input "x": chunk \[190, 210\) is outside the tensor's 200 bytes/,
    );
    await assertRefused(
      [header(), ...chunksOf(x.subarray(0, 100), 100), ...chunksOf(x.subarray(0, 100), 100)],
      Status.INVALID_ARGUMENT,
      /input "x": chunk \[0, 100\) overlaps/,
    );
    await assertRefused(
      [header(), { kind: 'chunk', chunk: { tensor: 1, offset: 0, data: Buffer.alloc(4) } }],
      Status.INVALID_ARGUMENT,
      /chunk for tensor 1, but the header declared 1/,
    );
  });

  void test('a second header, or a call id used before on the stream, is INVALID_ARGUMENT', async () => {
    await assertRefused([header(), header()], Status.INVALID_ARGUMENT, /a second header arrived/);
    const stream = new TestShardStream(client);
    const request = [header({}, [1, 10]), ...chunksOf(inputBytes(10), 40)];
    assert.equal((await stream.call(3, request)).error, undefined);
    const again = await stream.call(3, request);
    assert.equal(again.error?.code, Status.INVALID_ARGUMENT);
    assert.match(again.error.details, /call id 3 was used before on this stream/);
    const lower = await stream.call(2, request);
    assert.match(lower.error?.details ?? '', /call id 2 was used before/);
    stream.end();
    assert.equal((await stream.status).code, Status.OK);
  });

  void test('a stream half-closed with no call on it ends with OK at once', async () => {
    const stream = new TestShardStream(client);
    stream.end();
    assert.equal((await stream.status).code, Status.OK);
  });

  void test('a runner failure is UNKNOWN with a generic message: internals are not sent', async () => {
    runner.failWith = new Error('onnxruntime: secret path /opt/models/m.onnx');
    const outcome = await infer([header(), ...chunksOf(inputBytes(50), 200)]);
    runner.failWith = undefined;
    assert.equal(outcome.error?.code, Status.UNKNOWN);
    assert.equal(outcome.error.details, 'internal error; the server log has the details');
    assert.deepEqual(outcome.messages, []);
    await assertStillServes();
  });
});

/** Waits in `run` until its call's signal aborts, then rejects, as a runner that can stop early does. */
class StallingRunner implements ModelRunner {
  readonly inputs: readonly TensorSpec[] = [{ name: 'x', datatype: 'FP32', shape: [-1, 10] }];
  readonly outputNames = ['y'];
  readonly weightBytes = 0;
  readonly stopsEarly = true;
  readonly signals: AbortSignal[] = [];
  #onStart: (() => void)[] = [];

  run(_inputs: readonly Tensor[], signal?: AbortSignal): Promise<Tensor[]> {
    this.signals.push(signal!);
    for (const f of this.#onStart.splice(0)) f();
    return new Promise((_, reject) => signal!.addEventListener('abort', () => reject(signal!.reason)));
  }

  /** Resolves when the next run starts. */
  nextStart(): Promise<void> {
    return new Promise((resolve) => this.#onStart.push(resolve));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

type LogLine = Record<string, unknown> & { msg: string };

/** A logger that keeps its JSON lines, and resolves waiters as matching lines arrive. */
function memoryLogger(): {
  log: ReturnType<typeof createLogger>;
  lines: LogLine[];
  next(msg: string): Promise<LogLine>;
} {
  const lines: LogLine[] = [];
  const waiters: { msg: string; resolve: (line: LogLine) => void }[] = [];
  const log = pino(
    { level: 'debug' },
    {
      write(text: string) {
        const line = JSON.parse(text) as LogLine;
        lines.push(line);
        for (const w of waiters.filter((w) => w.msg === line.msg)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      },
    },
  );
  return { log, lines, next: (msg) => new Promise((resolve) => waiters.push({ msg, resolve })) };
}

void describe("a call's answer on the wire", () => {
  const runners = new Map<string, ModelRunner>([['m/1/main/0', new DoublingRunner()]]);
  const writes: string[][] = [];
  let server: Server;
  let client: Client;

  before(async () => {
    ({ server, client } = await startTestServer(
      (key) => runners.get(key),
      createLogger('test', 'silent'),
      (kinds) => writes.push(kinds),
    ));
  });

  after(() => {
    client.close();
    server.forceShutdown();
  });

  void test("an answer goes in writes of one chunk's bytes at most: header with the first chunk, trailer with the last", async () => {
    // y is 4 bytes per element and n 8 bytes; the shard cuts chunks at 64 bytes.
    for (const [rows, expected] of [
      [1, [['header', 'chunk', 'chunk', 'trailer']]],
      // y in chunks of 64, 64, 64 and 8 bytes; its last and n's 8 bytes share a write.
      [5, [['header', 'chunk'], ['chunk'], ['chunk'], ['chunk', 'chunk', 'trailer']]],
    ] as const) {
      writes.length = 0;
      const outcome = await inferOnce(client, [
        header({}, [rows, 10]),
        ...chunksOf(inputBytes(rows * 10), 40),
      ]);
      assert.equal(outcome.error, undefined);
      assert.deepEqual(writes, expected, `${rows} row(s)`);
      assert.deepEqual(
        outcome.messages.map((m) => m.kind),
        expected.flat(),
        'the client reads every message, in order',
      );
    }
  });
});

void describe('calls multiplexed on one stream', () => {
  const doubling = new DoublingRunner();
  const stalling = new StallingRunner();
  const logs = memoryLogger();
  const runners = new Map<string, ModelRunner>([
    ['m/1/main/0', doubling],
    ['m/1/main/1', stalling],
  ]);
  let server: Server;
  let client: Client;

  before(async () => {
    ({ server, client } = await startTestServer((key) => runners.get(key), logs.log));
  });

  after(() => {
    client.close();
    server.forceShutdown();
  });

  const ys = (outcome: Outcome): number[] =>
    outcome.messages.flatMap((m) =>
      m.kind === 'chunk'
        ? m.chunk.tensor === 0
          ? Array.from({ length: m.chunk.data.length / 4 }, (_, i) => m.chunk.data.readFloatLE(i * 4))
          : []
        : [],
    );

  void test(
    'two calls whose chunks interleave are each answered in full, tagged with their ids',
    { timeout: 10_000 },
    async () => {
      const stream = new TestShardStream(client);
      const a = inputBytes(20);
      const b = Buffer.from(inputBytes(20).map((v) => 255 - v));
      const [aChunks, bChunks] = [chunksOf(a, 40), chunksOf(b, 40)];
      const first = stream.call(7, [header({ request_id: 'a' }, [2, 10])]);
      const second = stream.call(9, [header({ request_id: 'b' }, [2, 10])]);
      for (let i = 0; i < aChunks.length; i++) {
        stream.write(9, bChunks[i]!);
        stream.write(7, aChunks[i]!);
      }
      const [outA, outB] = await Promise.all([first, second]);
      stream.end();
      assert.equal(outA.error, undefined, outA.error?.details);
      assert.equal(outB.error, undefined, outB.error?.details);
      assert.ok(outA.messages.every((m) => m.call_id === 7));
      assert.ok(outB.messages.every((m) => m.call_id === 9));
      const doubled = (x: Buffer): number[] => Array.from({ length: 20 }, (_, i) => 2 * x.readFloatLE(i * 4));
      assert.deepEqual(ys(outA), doubled(a));
      assert.deepEqual(ys(outB), doubled(b));
      assert.equal((await stream.status).code, Status.OK, 'the stream ends OK after its calls');
    },
  );

  void test(
    'an in-band deadline that passes mid-run aborts the run; the shard logs it as the deadline and answers DEADLINE_EXCEEDED',
    { timeout: 10_000 },
    async () => {
      const stream = new TestShardStream(client);
      const started = stalling.nextStart();
      const stopped = logs.next('partition run stopped: its call had ended');
      const deadlineMs = Date.now() + 400;
      const ended = stream.call(1, [
        header({ request_id: 'r-deadline', partition: 1, timeout_us: 400_000 }, [1, 10]),
        ...chunksOf(inputBytes(10), 40),
      ]);
      await started;
      const outcome = await ended;
      assert.equal(outcome.error?.code, Status.DEADLINE_EXCEEDED);
      const stop = await stopped;
      assert.equal(stop['requestId'], 'r-deadline');
      assert.equal(stalling.signals.at(-1)!.aborted, true, "the run's signal aborted");
      const line = logs.lines.find(
        (l) => l.msg === 'shard infer ended early' && l['requestId'] === 'r-deadline',
      );
      assert.ok(line, 'one line says why the call ended early');
      assert.equal(line['reason'], 'deadline');
      assert.equal(line['phase'], 'running');
      const seenMs = Date.parse(String(line['deadline']));
      assert.ok(Math.abs(seenMs - deadlineMs) < 100, `shard deadline ${String(line['deadline'])}`);
      stream.end();
      assert.equal((await stream.status).code, Status.OK);
    },
  );

  void test(
    'a cancel for one call stops its run and nothing more is sent for it; the other call on the stream completes',
    { timeout: 10_000 },
    async () => {
      const stream = new TestShardStream(client);
      const started = stalling.nextStart();
      const stopped = logs.next('partition run stopped: its call had ended');
      const received: number[] = [];
      stream.stream.on('data', (m: { call_id: number }) => received.push(m.call_id));
      void stream.call(1, [
        header({ request_id: 'r-cancel', partition: 1 }, [1, 10]),
        ...chunksOf(inputBytes(10), 40),
      ]);
      // Call 2 is open (half its bytes sent) when call 1 is cancelled.
      const otherChunks = chunksOf(inputBytes(10), 20);
      const otherDone = stream.call(2, [header({ request_id: 'r-other' }, [1, 10]), otherChunks[0]!]);
      await started;
      stream.write(1, { kind: 'cancel', cancel: { code: Status.CANCELLED } });
      const stop = await stopped;
      assert.equal(stop['requestId'], 'r-cancel');
      assert.equal(stalling.signals.at(-1)!.aborted, true, "the run's signal aborted");
      const line = logs.lines.find(
        (l) => l.msg === 'shard infer ended early' && l['requestId'] === 'r-cancel',
      );
      assert.ok(line, 'one line says why the call ended early');
      assert.equal(line['reason'], 'cancelled');
      assert.equal(line['phase'], 'running');
      stream.write(2, otherChunks[1]!);
      const other = await otherDone;
      assert.equal(other.error, undefined, other.error?.details);
      assert.equal(other.messages.at(-1)?.kind, 'trailer');
      stream.end();
      assert.equal((await stream.status).code, Status.OK);
      assert.ok(!received.includes(1), 'nothing was sent for the cancelled call');
    },
  );

  void test(
    'a stream the router cancels ends its calls early as cancelled, and the shard logs each with its request id',
    { timeout: 10_000 },
    async () => {
      const stream = new TestShardStream(client);
      const started = stalling.nextStart();
      const stopped = logs.next('partition run stopped: its call had ended');
      void stream.call(1, [
        header({ request_id: 'r-gone', partition: 1 }, [1, 10]),
        ...chunksOf(inputBytes(10), 40),
      ]);
      await started;
      stream.stream.cancel();
      assert.equal((await stream.status).code, Status.CANCELLED);
      const stop = await stopped;
      assert.equal(stop['requestId'], 'r-gone');
      const line = logs.lines.find((l) => l.msg === 'shard infer ended early' && l['requestId'] === 'r-gone');
      assert.equal(line?.['reason'], 'cancelled');
    },
  );
});
