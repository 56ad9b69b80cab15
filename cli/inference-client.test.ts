import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';

import * as grpc from '@grpc/grpc-js';

import { serverCredentials } from '../certs/credentials.js';
import { storeTlsFiles } from '../certs/store.js';
import { loadInferencePackage } from '../lib/grpc/protos.js';
import { bytesWrittenThrough } from '../lib/grpc/read-while-writing.js';
import { InferenceClient, ModelWaitError } from './inference-client.js';
import { makeCertificates } from './local-mesh.js';

type ModelReady = (
  call: grpc.ServerUnaryCall<{ name: string }, unknown>,
  callback: grpc.sendUnaryData<{ ready: boolean }>,
) => void;

// Far longer than any of these tests may take: a test that waits it out has failed.
const WAIT_MS = 30_000;
const FAST_MS = 5_000;

void describe('InferenceClient.waitForModel', () => {
  let home: Awaited<ReturnType<typeof makeCertificates>>;
  let foreign: Awaited<ReturnType<typeof makeCertificates>>;
  let server: grpc.Server;
  let address: string;
  let modelReady: ModelReady;
  let polls = 0;
  const clients: InferenceClient[] = [];

  before(async () => {
    home = await makeCertificates([
      ['router', 'router'],
      ['client', 'client'],
    ]);
    foreign = await makeCertificates([['client', 'client']]);
    const files = storeTlsFiles(home.dir, 'router');
    const [caPem, certPem, keyPem] = await Promise.all(
      [files.caFile, files.certFile, files.keyFile].map((f) => readFile(f)),
    );
    server = new grpc.Server();
    server.addService(loadInferencePackage().service.service, {
      ModelReady: ((call, callback) => {
        polls++;
        modelReady(call, callback);
      }) satisfies ModelReady,
    });
    const creds = serverCredentials({
      caPem: caPem!,
      certPem: certPem!,
      keyPem: keyPem!,
      requireClientCert: true,
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', creds, (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    address = `127.0.0.1:${port}`;
  });

  after(async () => {
    for (const client of clients) client.close();
    server.forceShutdown();
    await Promise.all([home.cleanup(), foreign.cleanup()]);
  });

  const connect = async (
    files = storeTlsFiles(home.dir, 'client'),
    to = address,
  ): Promise<InferenceClient> => {
    const client = await InferenceClient.connect(to, files);
    clients.push(client);
    return client;
  };

  /** Runs waitForModel, returning its rejection and how long it took. */
  const failure = async (client: InferenceClient): Promise<{ error: unknown; ms: number }> => {
    const started = Date.now();
    const error = await client.waitForModel('m', WAIT_MS).then(
      () => assert.fail('waitForModel resolved'),
      (e: unknown) => e,
    );
    return { error, ms: Date.now() - started };
  };

  it('polls while the model is not ready and resolves once it is', async () => {
    polls = 0;
    modelReady = (_call, callback) => callback(null, { ready: polls >= 3 });
    await (await connect()).waitForModel('m', WAIT_MS);
    assert.equal(polls, 3);
  });

  it('its connection reads while it writes (lib/grpc/read-while-writing.ts)', async () => {
    modelReady = (_call, callback) => callback(null, { ready: true });
    const written = await bytesWrittenThrough(async () => (await connect()).waitForModel('m', WAIT_MS));
    assert.ok(written > 0, 'the call went through ReadWhileWriting');
  });

  it('a client certificate from a foreign CA fails fast, naming the certificate', async () => {
    polls = 0;
    modelReady = (_call, callback) => callback(null, { ready: true });
    const impostor = storeTlsFiles(foreign.dir, 'client');
    const client = await connect({ ...impostor, caFile: storeTlsFiles(home.dir, 'client').caFile });
    const { error, ms } = await failure(client);
    assert.ok(error instanceof ModelWaitError, String(error));
    assert.equal(error.code, grpc.status.UNAVAILABLE);
    assert.match(
      error.message,
      /does not accept the client certificate .*client\.pem \(not signed by the CA/,
    );
    assert.ok(ms < FAST_MS, `took ${ms} ms`);
    assert.equal(polls, 0, 'no handler ran');
  });

  it('a server certificate from a foreign CA fails fast with the TLS error', async () => {
    const { error, ms } = await failure(await connect(storeTlsFiles(foreign.dir, 'client')));
    assert.ok(error instanceof ModelWaitError, String(error));
    assert.match(error.message, /^TLS handshake with 127\.0\.0\.1:\d+ failed .*self-signed certificate/);
    assert.ok(ms < FAST_MS, `took ${ms} ms`);
  });

  it('UNAUTHENTICATED and PERMISSION_DENIED fail fast with the server details', async () => {
    for (const code of [grpc.status.UNAUTHENTICATED, grpc.status.PERMISSION_DENIED]) {
      polls = 0;
      modelReady = (_call, callback) => callback({ code, details: 'client/client may not read m' });
      const { error, ms } = await failure(await connect());
      assert.ok(error instanceof ModelWaitError, String(error));
      assert.equal(error.code, code);
      assert.match(error.message, /refused the client certificate .*client may not read m/);
      assert.ok(ms < FAST_MS, `took ${ms} ms`);
      assert.equal(polls, 1);
    }
  });

  it('a refused connection (a server not listening yet) is retried until the timeout', async () => {
    // A port that was just free: bind one, note it, close it.
    const probe = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
      probe.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    probe.forceShutdown();
    const client = await connect(undefined, `127.0.0.1:${port}`);
    await assert.rejects(client.waitForModel('m', 300), (error: Error) => {
      assert.ok(!(error instanceof ModelWaitError));
      assert.match(error.message, /^model m was not ready within 300 ms \(last: .*ECONNREFUSED/);
      return true;
    });
  });
});
