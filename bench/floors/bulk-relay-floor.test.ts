import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { channelCredentials, loadTlsFiles } from '../../certs/credentials.js';
import { storeTlsFiles } from '../../certs/store.js';
import { loadInferencePackage } from '../../lib/grpc/protos.js';
import { meshCertificates } from '../pki.js';
import { startBulkRelayFloor } from './grpc-answer-floor.js';

const LIVE = Buffer.from([8, 1]);
// Not a multiple of the senders or of a chunk: the last sender's part is the longer one, and
// both parts end in a short chunk.
const BYTES = (5 << 20) + 3;
const RESPONSE = {
  model_name: 'outer-5m',
  model_version: '1',
  id: '',
  outputs: [{ name: 'y', datatype: 'UINT8', shape: [1, BYTES] }],
};

interface Answer {
  model_name: string;
  outputs: { name: string; datatype: string; shape: (string | number)[] }[];
  raw_output_contents: Buffer[];
}

test(
  'the gRPC relay floor streams a ModelInfer answer made of every sender part, to many calls at once, and stops',
  { timeout: 60_000 },
  async () => {
    const certs = await meshCertificates(1);
    const dir = await mkdtemp(path.join(tmpdir(), 'bulk-relay-floor-'));
    const floor = await startBulkRelayFloor({
      answers: { ServerLive: LIVE.toString('base64') },
      response: RESPONSE,
      bytes: BYTES,
      floorFile: path.join(dir, 'floor.json'),
      certsDir: certs.dir,
      senders: 2,
    });
    const client = new grpc.Client(
      floor.address,
      channelCredentials(await loadTlsFiles(storeTlsFiles(certs.dir, 'client'))),
      { 'grpc.max_receive_message_length': -1 },
    );
    const methods = loadInferencePackage().service.service;
    const call = <T>(name: string, request: object, decode: (b: Buffer) => T): Promise<T> =>
      new Promise((resolve, reject) =>
        client.makeUnaryRequest(
          methods[name]!.path,
          methods[name]!.requestSerialize,
          decode,
          request,
          new grpc.Metadata(),
          { deadline: Date.now() + 30_000 },
          (error, value) => (error ? reject(error) : resolve(value!)),
        ),
      );
    try {
      assert.deepEqual(await call('ServerLive', {}, (b) => b), LIVE);
      const infer = (): Promise<Answer> =>
        call('ModelInfer', { model_name: RESPONSE.model_name }, (b) =>
          methods['ModelInfer']!.responseDeserialize(b),
        ) as Promise<Answer>;
      // 4 calls at once, each answered from both senders' streams: none gets another's bytes or loses any.
      const answers = await Promise.all(Array.from({ length: 4 }, infer));
      for (const answer of answers) {
        assert.equal(answer.model_name, RESPONSE.model_name);
        assert.deepEqual(
          answer.outputs.map((o) => [o.name, o.datatype, o.shape.map(Number)]),
          [['y', 'UINT8', [1, BYTES]]],
        );
        const data = answer.raw_output_contents[0]!;
        assert.equal(data.length, BYTES);
        // The senders' bytes, every one of them: a byte the relay skipped is the pooled buffer's.
        assert.ok(data.every((b) => b === 0x3f));
      }
    } finally {
      client.close();
      await floor.stop();
      await certs.cleanup();
      await rm(dir, { recursive: true, force: true });
    }
    for (const { pid } of floor.processes) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
  },
);
