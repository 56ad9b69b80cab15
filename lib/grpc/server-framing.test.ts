import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { allocateOutput, HEADROOM_MIN_BYTES } from '../tensor/output-buffers.js';
import { installServerFraming } from './server-framing.js';
import { serveRouterDefinition } from './router-definition-server.js';

type Unary = (request: object, callback: (error: ServiceError | null, response: unknown) => void) => void;

/**
 * A real grpc-js server with the router's definition, answering each request with a pooled output
 * filled with the request's own byte: if a buffer went back to the pool before grpc-js had written
 * it, a concurrent request would overwrite it and some client would read another's bytes.
 */
void describe('no-copy response framing on a real grpc-js server', () => {
  const size = HEADROOM_MIN_BYTES * 64; // 4 MiB: many HTTP/2 frames and flow-control waits
  const served: Buffer[] = [];
  let server: Awaited<ReturnType<typeof serveRouterDefinition>>;
  let client: Awaited<ReturnType<typeof serveRouterDefinition>>['client'];

  before(async () => {
    server = await serveRouterDefinition({
      ModelInfer: (call: ServerUnaryCall<{ id: string }, object>, callback: sendUnaryData<object>) => {
        // Answer at staggered times, so that some calls take their output while others are
        // still writing theirs.
        const id = Number(call.request.id);
        setTimeout(() => {
          const data = allocateOutput(size).fill(id);
          served.push(data);
          callback(null, {
            id: call.request.id,
            outputs: [{ name: 'y', datatype: 'UINT8', shape: [size] }],
            raw_output_contents: [data],
          });
        }, id % 7);
      },
      ModelStreamInfer: (call: ServerDuplexStream<{ id: string }, object>) => {
        let open = 0;
        let ended = false;
        call.on('data', (request: { id: string }) => {
          open++;
          const id = Number(request.id);
          setTimeout(() => {
            const data = allocateOutput(size).fill(id);
            served.push(data);
            call.write({
              error_message: '',
              infer_response: { id: request.id, outputs: [{ name: 'y' }], raw_output_contents: [data] },
            });
            if (--open === 0 && ended) call.end();
          }, id % 7);
        });
        call.on('end', () => {
          ended = true;
          if (open === 0) call.end();
        });
      },
    });
    client = server.client;
  });

  after(() => {
    server.close();
  });

  test('is installed on this grpc-js', () => {
    assert.equal(installServerFraming(), true);
  });

  test('every client reads its own bytes while pooled outputs are reused across calls', async () => {
    const infer = (id: number): Promise<{ id: string; raw_output_contents: Buffer[] }> =>
      new Promise((resolve, reject) =>
        (client['ModelInfer'] as Unary).call(client, { model_name: 'm', id: String(id) }, (e, r) =>
          e ? reject(e) : resolve(r as { id: string; raw_output_contents: Buffer[] }),
        ),
      );
    for (let round = 0; round < 2; round++) {
      const ids = Array.from({ length: 16 }, (_, i) => 1 + round * 16 + i);
      const answers = await Promise.all(ids.map(infer));
      for (const [i, answer] of answers.entries()) {
        const [raw] = answer.raw_output_contents;
        assert.equal(raw!.length, size);
        const wrong = raw!.findIndex((b) => b !== ids[i]);
        assert.equal(wrong, -1, `request ${ids[i]} read byte ${raw![wrong]} at ${wrong}`);
      }
    }
    const distinct = new Set(served).size;
    assert.ok(
      distinct < served.length,
      `outputs were reused (${distinct} buffers for ${served.length} calls)`,
    );
  });

  test('the same holds for ModelStreamInfer responses written while others are in flight', async () => {
    const stream = (client['ModelStreamInfer'] as () => NodeJS.ReadWriteStream & { end(): void }).call(
      client,
    );
    const ids = Array.from({ length: 16 }, (_, i) => 100 + i);
    const seen = new Map<number, Buffer>();
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (m: { infer_response: { id: string; raw_output_contents: Buffer[] } }) =>
        seen.set(Number(m.infer_response.id), m.infer_response.raw_output_contents[0]!),
      );
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    const before = served.length;
    for (const id of ids) stream.write({ model_name: 'm', id: String(id) } as never);
    stream.end();
    await done;
    assert.deepEqual([...seen.keys()].sort(), ids);
    for (const [id, raw] of seen) {
      const wrong = raw.findIndex((b) => b !== id % 256);
      assert.equal(wrong, -1, `stream request ${id} read byte ${raw[wrong]} at ${wrong}`);
    }
    const distinct = new Set(served.slice(before)).size;
    assert.ok(
      distinct < served.length,
      `outputs were reused (${distinct} buffers for ${served.length} calls)`,
    );
  });
});
