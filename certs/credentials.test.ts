import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import * as grpc from '@grpc/grpc-js';

import type { CertificateAuthority } from './authority.js';
import { createCertificateAuthority } from './authority.js';
import type { TlsMaterial } from './credentials.js';
import { channelCredentials, channelCredentialsCheckingIdentity, serverCredentials } from './credentials.js';
import { formatSpiffeId, identityFromPeerCertificate } from './identity.js';
import type { IssuedCertificate } from './issue.js';
import { issueCertificate } from './issue.js';

// A one-method service over raw bytes, so the test needs no .proto: it answers
// with the SPIFFE ID the server saw for its caller.
const passThrough = (bytes: Buffer): Buffer => bytes;
const whoAmIService: grpc.ServiceDefinition = {
  whoAmI: {
    path: '/shardmesh.test.WhoAmI/WhoAmI',
    requestStream: false,
    responseStream: false,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  },
};
const WhoAmIClient = grpc.makeGenericClientConstructor(whoAmIService, 'WhoAmI');

let ca: CertificateAuthority;
let shard: IssuedCertificate;
let router: IssuedCertificate;
const servers: grpc.Server[] = [];
const clients: grpc.Client[] = [];

before(async () => {
  ca = await createCertificateAuthority({ trustDomain: 'grpc.test.local' });
  shard = await issueCertificate(ca, { role: 'shard', name: 'shard-0' });
  router = await issueCertificate(ca, { role: 'router', name: 'router-0' });
});

after(() => {
  for (const client of clients) client.close();
  for (const server of servers) server.forceShutdown();
});

async function startServer(
  requireClientCert: boolean,
  cert = shard,
): Promise<{ address: string; calls: () => number }> {
  let calls = 0;
  const server = new grpc.Server();
  server.addService(whoAmIService, {
    whoAmI(call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
      calls++;
      try {
        const identity = identityFromPeerCertificate(call.getAuthContext().sslPeerCertificate);
        callback(null, Buffer.from(formatSpiffeId(identity)));
      } catch (error) {
        callback({ code: grpc.status.UNAUTHENTICATED, details: (error as Error).message });
      }
    },
  });
  const creds = serverCredentials({
    caPem: ca.certPem,
    certPem: cert.certPem,
    keyPem: cert.keyPem,
    requireClientCert,
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', creds, (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  servers.push(server);
  return { address: `127.0.0.1:${port}`, calls: () => calls };
}

function whoAmI(address: string, creds: grpc.ChannelCredentials): Promise<string> {
  const client = new WhoAmIClient(address, creds);
  clients.push(client);
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest<Buffer, Buffer>(
      '/shardmesh.test.WhoAmI/WhoAmI',
      passThrough,
      passThrough,
      Buffer.alloc(0),
      { deadline: Date.now() + 10_000 },
      (error, reply) => (error ? reject(error) : resolve(reply?.toString() ?? '')),
    );
  });
}

const withRouterCert = (): TlsMaterial => ({
  caPem: ca.certPem,
  certPem: router.certPem,
  keyPem: router.keyPem,
});

void test('a router certificate from the same CA gets through, and the server sees the router identity', async () => {
  const { address } = await startServer(true);
  assert.equal(
    await whoAmI(address, channelCredentials(withRouterCert())),
    'spiffe://grpc.test.local/router/router-0',
  );
});

void test('a client without a certificate is refused before any handler runs', async () => {
  const server = await startServer(true);
  await assert.rejects(whoAmI(server.address, channelCredentials({ caPem: ca.certPem })), {
    code: grpc.status.UNAVAILABLE,
    details: /alert certificate required/,
  });
  assert.equal(server.calls(), 0);
});

void test('a certificate from another CA is refused', async () => {
  const server = await startServer(true);
  const otherCa = await createCertificateAuthority({ trustDomain: 'grpc.test.local' });
  const impostor = await issueCertificate(otherCa, { role: 'router', name: 'router-0' });
  const creds = channelCredentials({ caPem: ca.certPem, certPem: impostor.certPem, keyPem: impostor.keyPem });
  await assert.rejects(whoAmI(server.address, creds), { code: grpc.status.UNAVAILABLE });
  assert.equal(server.calls(), 0);
});

void test('when client certificates are optional, a caller without one has no identity', async () => {
  const server = await startServer(false);
  await assert.rejects(whoAmI(server.address, channelCredentials({ caPem: ca.certPem })), {
    code: grpc.status.UNAUTHENTICATED,
    details: 'peer presented no verified certificate',
  });
  assert.equal(server.calls(), 1);
});

void test('dialling with the expected server identity succeeds', async () => {
  const { address } = await startServer(true);
  const creds = channelCredentialsCheckingIdentity(withRouterCert(), shard.identity);
  assert.equal(await whoAmI(address, creds), 'spiffe://grpc.test.local/router/router-0');
});

void test('dialling a server with another identity fails, naming both identities', async () => {
  const server = await startServer(true);
  const expected = { trustDomain: 'grpc.test.local', role: 'shard', name: 'shard-9' } as const;
  const creds = channelCredentialsCheckingIdentity(withRouterCert(), expected);
  await assert.rejects(whoAmI(server.address, creds), (error: grpc.ServiceError) => {
    assert.equal(error.code, grpc.status.UNAVAILABLE);
    assert.match(
      error.details,
      /server identity mismatch: expected spiffe:\/\/grpc\.test\.local\/shard\/shard-9, got spiffe:\/\/grpc\.test\.local\/shard\/shard-0/,
    );
    return true;
  });
  assert.equal(server.calls(), 0);
});

void test('the identity check keeps the hostname check', async () => {
  // The right identity, but no IP SAN for the address we dial.
  const noIpSans = await issueCertificate(ca, { role: 'shard', name: 'shard-0', ipAddresses: [] });
  const { address } = await startServer(true, noIpSans);
  const creds = channelCredentialsCheckingIdentity(withRouterCert(), noIpSans.identity);
  await assert.rejects(whoAmI(address, creds), (error: grpc.ServiceError) => {
    assert.equal(error.code, grpc.status.UNAVAILABLE);
    assert.match(error.details, /IP: 127\.0\.0\.1 is not in the cert's list/);
    return true;
  });
});

void test('a certificate without its key is rejected up front', () => {
  assert.throws(() => channelCredentials({ caPem: ca.certPem, certPem: router.certPem }), {
    name: 'TypeError',
    message: 'certPem and keyPem go together: give both or neither',
  });
});

test('server credentials ask Node for sockets without Nagle delays', async () => {
  const ca = await createCertificateAuthority({ trustDomain: 'nodelay.test' });
  const cert = await issueCertificate(ca, { role: 'shard', name: 's' });
  const creds = serverCredentials({
    caPem: ca.certPem,
    certPem: cert.certPem,
    keyPem: cert.keyPem,
    requireClientCert: true,
  });
  const options = (
    creds as unknown as { _getConstructorOptions(): Record<string, unknown> }
  )._getConstructorOptions();
  assert.equal(options['noDelay'], true);
  assert.equal(options['requestCert'], true, 'the TLS options grpc-js sets are kept');
});
