import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import * as tls from 'node:tls';
import { after, before, test } from 'node:test';

import * as grpc from '@grpc/grpc-js';

import type { CertificateAuthority } from './authority.js';
import { createCertificateAuthority } from './authority.js';
import type { TlsMinVersion } from './credentials.js';
import {
  channelCredentialsCheckingIdentity,
  serverCredentials,
  updateServerCredentials,
} from './credentials.js';
import type { IssuedCertificate } from './issue.js';
import { issueCertificate } from './issue.js';

// A one-method service over raw bytes that answers after the number of milliseconds it is sent.
const passThrough = (bytes: Buffer): Buffer => bytes;
const PATH = '/shardmesh.test.Slow/Slow';
const slowService: grpc.ServiceDefinition = {
  slow: {
    path: PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  },
};
const SlowClient = grpc.makeGenericClientConstructor(slowService, 'Slow');

let ca: CertificateAuthority;
let router: IssuedCertificate;
const servers: grpc.Server[] = [];
const clients: grpc.Client[] = [];

before(async () => {
  ca = await createCertificateAuthority({ trustDomain: 'rotate.test.local' });
  router = await issueCertificate(ca, { role: 'router', name: 'router-0' });
});

after(() => {
  for (const client of clients) client.close();
  for (const server of servers) server.forceShutdown();
});

const serial = (pem: string): string => new X509Certificate(pem).serialNumber;

async function startServer(
  leaf: IssuedCertificate,
  minVersion?: TlsMinVersion,
): Promise<{ port: number; credentials: grpc.ServerCredentials }> {
  const server = new grpc.Server();
  server.addService(slowService, {
    slow(call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
      setTimeout(() => callback(null, Buffer.from('done')), Number(call.request.toString() || '0'));
    },
  });
  const credentials = serverCredentials({
    caPem: ca.certPem,
    certPem: leaf.certPem,
    keyPem: leaf.keyPem,
    requireClientCert: true,
    ...(minVersion ? { minVersion } : {}),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  servers.push(server);
  return { port, credentials };
}

/** A fresh TLS connection's view of the server: its certificate's serial, or the handshake error. */
async function handshake(
  port: number,
  options: { withCert?: boolean; maxVersion?: 'TLSv1.2' | 'TLSv1.3' } = {},
): Promise<string> {
  const socket = tls.connect({
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    ca: ca.certPem,
    ...(options.withCert === false ? {} : { cert: router.certPem, key: router.keyPem }),
    maxVersion: options.maxVersion ?? 'TLSv1.3',
    ALPNProtocols: ['h2'],
  });
  try {
    await once(socket, 'secureConnect');
    // A TLS 1.3 server refuses a missing client certificate after the handshake: read its alert.
    const closed = await Promise.race([
      once(socket, 'close').then(() => 'closed'),
      new Promise((resolve) => setTimeout(resolve, 200, 'open')),
    ]);
    if (closed === 'closed') return 'refused';
    return socket.getPeerCertificate().serialNumber;
  } catch (error) {
    return `refused: ${(error as Error).message}`;
  } finally {
    socket.destroy();
  }
}

function slowCall(client: grpc.Client, ms: number): Promise<string> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest<Buffer, Buffer>(
      PATH,
      passThrough,
      passThrough,
      Buffer.from(String(ms)),
      { deadline: Date.now() + 10_000 },
      (error, reply) => (error ? reject(error) : resolve(reply?.toString() ?? '')),
    ),
  );
}

void test('after an update new connections get the new certificate; a call in flight and its connection finish on the old one', async () => {
  const first = await issueCertificate(ca, { role: 'shard', name: 'shard-0' });
  const { port, credentials } = await startServer(first);
  const client = new SlowClient(
    `127.0.0.1:${port}`,
    channelCredentialsCheckingIdentity(
      { caPem: ca.certPem, certPem: router.certPem, keyPem: router.keyPem },
      first.identity,
    ),
  );
  clients.push(client);
  assert.equal(await slowCall(client, 0), 'done');
  assert.equal(await handshake(port), serial(first.certPem));

  const inFlight = slowCall(client, 500);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const second = await issueCertificate(ca, { role: 'shard', name: 'shard-0' });
  updateServerCredentials(credentials, { caPem: ca.certPem, certPem: second.certPem, keyPem: second.keyPem });

  assert.equal(await handshake(port), serial(second.certPem), 'a fresh connection sees the new certificate');
  assert.equal(await inFlight, 'done', 'the call open during the update finished');
  assert.equal(
    await slowCall(client, 0),
    'done',
    'the connection made before the update still carries calls',
  );
});

void test('an update keeps the TLS floor and the client-certificate requirement', async () => {
  const first = await issueCertificate(ca, { role: 'shard', name: 'shard-1' });
  const second = await issueCertificate(ca, { role: 'shard', name: 'shard-1' });
  const strict = await startServer(first);
  updateServerCredentials(strict.credentials, {
    caPem: ca.certPem,
    certPem: second.certPem,
    keyPem: second.keyPem,
  });
  assert.equal(await handshake(strict.port), serial(second.certPem));
  assert.match(
    await handshake(strict.port, { maxVersion: 'TLSv1.2' }),
    /^refused: .*(protocol version|alert)/i,
  );
  assert.match(await handshake(strict.port, { withCert: false }), /^refused(: .*certificate required)?/);

  const lenient = await startServer(first, 'TLSv1.2');
  updateServerCredentials(lenient.credentials, {
    caPem: ca.certPem,
    certPem: second.certPem,
    keyPem: second.keyPem,
  });
  assert.equal(await handshake(lenient.port, { maxVersion: 'TLSv1.2' }), serial(second.certPem));
});

void test('a mismatched pair throws and changes nothing', async () => {
  const first = await issueCertificate(ca, { role: 'shard', name: 'shard-2' });
  const other = await issueCertificate(ca, { role: 'shard', name: 'shard-2' });
  const { port, credentials } = await startServer(first);
  assert.throws(
    () =>
      updateServerCredentials(credentials, {
        caPem: ca.certPem,
        certPem: other.certPem,
        keyPem: first.keyPem,
      }),
    /key values mismatch/,
  );
  assert.equal(await handshake(port), serial(first.certPem));
});
