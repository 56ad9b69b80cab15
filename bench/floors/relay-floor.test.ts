import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { channelCredentials, loadTlsFiles } from '../../certs/credentials.js';
import { storeTlsFiles } from '../../certs/store.js';
import { loadInferencePackage } from '../../lib/grpc/protos.js';
import { benchInputs } from '../input-data.js';
import { OCR_MODELS, ocrModelPath } from '../models.js';
import { meshCertificates } from '../pki.js';
import { startRelayFloor, type FloorServer } from './grpc-answer-floor.js';

const cls = OCR_MODELS.small;
const ANSWER = Buffer.from('the router answered this');
const LIVE = Buffer.from([8, 1]);
const [x] = benchInputs([{ name: 'x', shape: cls.inputShape }]);

/** The relay floor on the classifier (`servers` model processes), with a client; `stop` stops all of it. */
async function relayFloor(servers = 1): Promise<{
  floor: FloorServer;
  call(name: string, request: object): Promise<Buffer>;
  infer(shape: readonly number[], data: Buffer): Promise<Buffer>;
  stop(): Promise<void>;
}> {
  const certs = await meshCertificates(1);
  const dir = await mkdtemp(path.join(tmpdir(), 'relay-floor-'));
  const floor = await startRelayFloor(
    { ModelInfer: ANSWER.toString('base64'), ServerLive: LIVE.toString('base64') },
    path.join(dir, 'answers.json'),
    certs.dir,
    Array.from({ length: servers }, () => ocrModelPath(cls)),
  );
  const client = new grpc.Client(
    floor.address,
    channelCredentials(await loadTlsFiles(storeTlsFiles(certs.dir, 'client'))),
  );
  const methods = loadInferencePackage().service.service;
  const call = (name: string, request: object): Promise<Buffer> =>
    new Promise((resolve, reject) =>
      client.makeUnaryRequest(
        methods[name]!.path,
        methods[name]!.requestSerialize,
        (b: Buffer) => b,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + 20_000 },
        (error, value) => (error ? reject(error) : resolve(value!)),
      ),
    );
  return {
    floor,
    call,
    infer: (shape, data) =>
      call('ModelInfer', {
        model_name: cls.name,
        inputs: [{ name: 'x', datatype: 'FP32', shape }],
        raw_input_contents: [data],
      }),
    stop: async () => {
      client.close();
      await floor.stop();
      await certs.cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

test(
  'the relay floor answers each of many calls at once on its one stream, other methods from the recording, and stops',
  { timeout: 60_000 },
  async () => {
    const relay = await relayFloor();
    try {
      assert.deepEqual(await relay.call('ServerLive', {}), LIVE);
      // 16 calls at once share the relay's stream: each is answered, none lost to another's id.
      const answers = await Promise.all(Array.from({ length: 16 }, () => relay.infer(x!.shape, x!.data)));
      for (const a of answers) assert.deepEqual(a, ANSWER);
    } finally {
      // Both processes healthy: stopping them must end them (the test times out otherwise).
      await relay.stop();
    }
    for (const { pid } of relay.floor.processes) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
  },
);

test(
  'the relay floor runs the model: input it cannot take ends the model process, and the call fails',
  { timeout: 60_000 },
  async () => {
    const relay = await relayFloor();
    try {
      assert.deepEqual(await relay.infer(x!.shape, x!.data), ANSWER);
      await assert.rejects(
        relay.infer([1, 3, 48], x!.data.subarray(0, 3 * 48 * 4)),
        (e: grpc.ServiceError) => {
          assert.equal(e.code, grpc.status.UNAVAILABLE);
          return true;
        },
      );
    } finally {
      await relay.stop();
    }
  },
);

test(
  'the relay floor fans each call out to every model process and answers once all have; all of them stop',
  { timeout: 60_000 },
  async () => {
    const relay = await relayFloor(3);
    try {
      assert.equal(relay.floor.processes.length, 4);
      const answers = await Promise.all(Array.from({ length: 8 }, () => relay.infer(x!.shape, x!.data)));
      for (const a of answers) assert.deepEqual(a, ANSWER);
      // One model process stopped: the call waits for it, and is answered only once it goes on.
      const stopped = relay.floor.processes.at(-1)!.pid;
      process.kill(stopped, 'SIGSTOP');
      try {
        let answered = false;
        const late = relay.infer(x!.shape, x!.data).then((a) => ((answered = true), a));
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        assert.equal(answered, false, 'answered before every model process had');
        process.kill(stopped, 'SIGCONT');
        assert.deepEqual(await late, ANSWER);
      } finally {
        // A stopped process would not stop: it must go on before the floor is stopped.
        process.kill(stopped, 'SIGCONT');
      }
      // Input the model cannot take ends the model processes: the call fails.
      await assert.rejects(
        relay.infer([1, 3, 48], x!.data.subarray(0, 3 * 48 * 4)),
        (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE,
      );
    } finally {
      await relay.stop();
    }
    for (const { pid } of relay.floor.processes) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
  },
);
