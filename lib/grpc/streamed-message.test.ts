import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  Metadata,
  status as Status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { serveRouterDefinition } from './router-definition-server.js';
import { encodeInferResponse } from './v2-codec.js';
import { markStreamed, streamedMessagesSupported } from './streamed-message.js';

type Answer = { id: string; raw_output_contents: Buffer[] };
type Unary = (request: object, callback: (error: ServiceError | null, response: unknown) => void) => void;

const SIZE = 3 << 20;
const PIECE = 100_000; // not a divisor of SIZE, so the last piece is short
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

/**
 * A real grpc-js server with the router's definition (which installs the streamed path) and a
 * proto-loader client: a marked message is sent in pieces over time, and the client reads one
 * whole, ordinary ModelInferResponse; a pipe that fails half-way ends the call with its status.
 */
void describe('streamed messages on a real grpc-js server', () => {
  let server: Awaited<ReturnType<typeof serveRouterDefinition>>;
  let client: Awaited<ReturnType<typeof serveRouterDefinition>>['client'];
  const afterWrites: string[] = [];
  let slowPipeEnded = (): void => {};

  before(async () => {
    server = await serveRouterDefinition({
      ModelInfer: (call: ServerUnaryCall<{ id: string }, object>, callback: sendUnaryData<object>) => {
        const id = call.request.id;
        const data = Buffer.alloc(SIZE, Number(id.replace('fail-', '')));
        const head = { id, outputs: [{ name: 'y', datatype: 'UINT8', shape: [SIZE] }] };
        const whole = encodeInferResponse({ ...head, raw_output_contents: [data] });
        callback(
          null,
          markStreamed(head, {
            length: whole.length,
            pipe: async (write) => {
              for (let at = 0; at < whole.length; at += PIECE) {
                if (id.startsWith('fail-') && at >= whole.length / 2)
                  throw { code: Status.UNAVAILABLE, details: 'half-way', metadata: new Metadata() };
                write(whole.subarray(at, at + PIECE));
                await (id.startsWith('slow-') ? new Promise((resolve) => setTimeout(resolve, 20)) : tick());
              }
              if (id.startsWith('slow-')) slowPipeEnded();
            },
            afterWrite: () => afterWrites.push(id),
          }),
        );
      },
    });
    client = server.client;
  });

  after(() => {
    server.close();
  });

  const infer = (id: string, deadline?: Date): Promise<Answer> =>
    new Promise((resolve, reject) =>
      (client['ModelInfer'] as (r: object, o: object, c: Parameters<Unary>[1]) => void).call(
        client,
        { model_name: 'm', id },
        deadline ? { deadline } : {},
        (e, r) => (e ? reject(e) : resolve(r as Answer)),
      ),
    );

  test('is supported on this grpc-js', () => {
    assert.equal(streamedMessagesSupported(), true);
  });

  test('the client reads the whole message, sent in pieces while the server made it; afterWrite once, after it', async () => {
    const answers = await Promise.all(['1', '2', '3'].map((id) => infer(id)));
    for (const [i, answer] of answers.entries()) {
      assert.equal(answer.id, String(i + 1));
      const [raw] = answer.raw_output_contents;
      assert.equal(raw!.length, SIZE);
      assert.equal(
        raw!.findIndex((b) => b !== i + 1),
        -1,
      );
    }
    assert.deepEqual([...afterWrites].sort(), ['1', '2', '3']);
  });

  test('a pipe that fails half-way ends the call with its status, not a message, and no afterWrite', async () => {
    await assert.rejects(
      infer('fail-4'),
      (e: ServiceError) => e.code === Status.UNAVAILABLE && e.details === 'half-way',
    );
    assert.ok(!afterWrites.includes('fail-4'));
    assert.equal((await infer('5')).raw_output_contents[0]!.length, SIZE, 'the server keeps serving');
  });

  test('a call that ends while its pipe still runs (its deadline): DEADLINE_EXCEEDED, no afterWrite, and the server keeps serving', async () => {
    const ended = new Promise<void>((resolve) => (slowPipeEnded = resolve));
    await assert.rejects(
      infer('slow-6', new Date(Date.now() + 200)),
      (e: ServiceError) => e.code === Status.DEADLINE_EXCEEDED,
    );
    await ended;
    assert.ok(!afterWrites.includes('slow-6'));
    assert.equal((await infer('7')).raw_output_contents[0]!.length, SIZE);
  });
});
