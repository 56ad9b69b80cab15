// Frame reuse on the shard hop (lib/grpc/frame-pool.ts) over real grpc-js, HTTP/2 and mutual TLS.
// Many calls run at once, each sending inputs filled with its own byte and getting outputs filled
// with it back, in chunks large enough to be pooled and to wait on flow control. If a frame went
// back to the pool before grpc-js had written it (router side: MuxStream's write callback; shard
// side: server-framing's afterWrite), a concurrent call would overwrite it and some call would
// see another call's byte.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { createCertificateAuthority } from '../../certs/authority.js';
import { serverCredentials, type TlsMaterial } from '../../certs/credentials.js';
import { formatSpiffeId } from '../../certs/identity.js';
import { issueCertificate } from '../../certs/issue.js';
import { shardServiceDefinition } from '../../lib/grpc/shard-service.js';
import type { ShardRequestMessage, ShardResponseMessage } from '../../lib/grpc/shard-messages.js';
import type { ShardInstance } from '../../registry/registry.js';
import { callPartition } from './partition-call.js';
import { ShardClients } from './shard-clients.js';

const CHUNK_BYTES = 96 << 10;
// All calls together send and receive more than a shard channel's 16 MiB flow-control window, so
// frames wait in HTTP/2 queues for window updates.
const INPUT_BYTES = CHUNK_BYTES * 12 + 1000;
const CALLS = 24;

let server: grpc.Server;
let clients: ShardClients;
let instance: ShardInstance;
/** What the shard saw: calls whose input bytes were not all their own byte. */
const mixedInputs: string[] = [];

before(async () => {
  const ca = await createCertificateAuthority({ trustDomain: 'frames.test.local' });
  const shard = await issueCertificate(ca, { role: 'shard', name: 'shard-0' });
  const router = await issueCertificate(ca, { role: 'router', name: 'router-0' });
  server = new grpc.Server();
  server.addService(shardServiceDefinition, {
    Infer(call: grpc.ServerDuplexStream<ShardRequestMessage, ShardResponseMessage>) {
      const received = new Map<number, { fill: number; bytes: number }>();
      call.on('data', (m: ShardRequestMessage) => {
        if (m.kind === 'header') received.set(m.call_id, { fill: Number(m.header.request_id), bytes: 0 });
        if (m.kind !== 'chunk') return;
        const state = received.get(m.call_id)!;
        if (m.chunk.data.some((b) => b !== state.fill)) mixedInputs.push(String(state.fill));
        state.bytes += m.chunk.data.length;
        if (state.bytes < INPUT_BYTES) return;
        // Answer at staggered times, one chunk per turn of the event loop, so calls' output
        // frames interleave: some are still queued for the socket while others take theirs.
        setTimeout(() => void answer(m.call_id, state.fill), state.fill % 5);
      });
      const answer = async (id: number, fill: number): Promise<void> => {
        const spec = { name: 'y', datatype: 'UINT8', shape: [INPUT_BYTES] };
        call.write({ call_id: id, kind: 'header', header: { outputs: [spec] } });
        for (let offset = 0; offset < INPUT_BYTES; offset += CHUNK_BYTES) {
          await new Promise((resolve) => setImmediate(resolve));
          const data = Buffer.alloc(Math.min(CHUNK_BYTES, INPUT_BYTES - offset), fill);
          call.write({ call_id: id, kind: 'chunk', chunk: { tensor: 0, offset, data } });
        }
        const trailer = { receive_us: 1, compute_us: 1, instance_id: 'i' };
        call.write({ call_id: id, kind: 'trailer', trailer });
      };
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      '127.0.0.1:0',
      serverCredentials({ caPem: ca.certPem, ...shard, requireClientCert: true }),
      (e, p) => (e ? reject(e) : resolve(p)),
    ),
  );
  const tls: TlsMaterial = { caPem: ca.certPem, certPem: router.certPem, keyPem: router.keyPem };
  clients = new ShardClients(tls);
  instance = {
    id: 'shard-0-m-1-s-0',
    address: '127.0.0.1',
    port,
    model: 'm',
    version: '1',
    stage: 's',
    partition: 0,
    partitionCount: 1,
    identity: formatSpiffeId(shard.identity),
  };
});

after(() => {
  clients.retain([]);
  server.forceShutdown();
});

void test('concurrent calls each get exactly their own bytes, both ways, with frames reused', async () => {
  const outputsOf = await Promise.all(
    Array.from({ length: CALLS }, async (_, i) => {
      const fill = i + 1;
      const chunks: Buffer[] = [];
      await callPartition(clients, {
        instance,
        header: { request_id: String(fill), model: 'm', version: '1', stage: 's', partition: 0, inputs: [] },
        inputs: [
          { name: 'x', datatype: 'UINT8', shape: [INPUT_BYTES], data: Buffer.alloc(INPUT_BYTES, fill) },
        ],
        deadline: new Date(Date.now() + 30_000),
        signal: new AbortController().signal,
        chunkBytes: CHUNK_BYTES,
        sink: {
          header: () => undefined,
          // The chunk is a view of the received message: copy it, as a merger would.
          chunk: (_tensor, _offset, data) => void chunks.push(Buffer.from(data)),
        },
      });
      return { fill, output: Buffer.concat(chunks) };
    }),
  );
  assert.deepEqual(mixedInputs, [], 'the shard received another call’s input bytes');
  for (const { fill, output } of outputsOf) {
    assert.equal(output.length, INPUT_BYTES);
    assert.ok(
      output.every((b) => b === fill),
      `call ${fill} got another call’s output bytes`,
    );
  }
});
