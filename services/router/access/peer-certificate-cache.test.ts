// The per-connection peer certificate cache (lib/grpc/peer-certificate-cache.ts) on a real grpc-js
// server with mutual TLS: calls on one TLS 1.3 connection ask the socket once, every connection
// sees its own client's certificate, and a TLS 1.2 connection (which may renegotiate) is asked
// on every call.
import assert from 'node:assert/strict';
import { createSecureContext, TLSSocket } from 'node:tls';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { createCertificateAuthority, type CertificateAuthority } from '../../../certs/authority.js';
import { channelCredentials } from '../../../certs/credentials.js';
import { issueCertificate } from '../../../certs/issue.js';
import { whoAmI, WhoAmIHarness } from '../../../certs/who-am-i-test-server.js';
import { installPeerCertificateCache } from '../../../lib/grpc/peer-certificate-cache.js';

let ca: CertificateAuthority;
const harness = new WhoAmIHarness();

/** Counts the server's getPeerCertificate() calls. */
let asked = 0;
const original = TLSSocket.prototype.getPeerCertificate;

before(async () => {
  assert.equal(installPeerCertificateCache(), true, 'the cache found the grpc-js method it replaces');
  ca = await createCertificateAuthority({ trustDomain: 'cache.test.local' });
  TLSSocket.prototype.getPeerCertificate = function (this: TLSSocket, detailed?: boolean) {
    // Only the server side: grpc-js's client reads the server's certificate too.
    if ((this as unknown as { server?: unknown }).server !== undefined) asked++;
    return original.call(this, detailed as true);
  } as typeof original;
});

after(() => {
  TLSSocket.prototype.getPeerCertificate = original;
  harness.close();
});

async function serve(minVersion: 'TLSv1.3' | 'TLSv1.2'): Promise<string> {
  const own = await issueCertificate(ca, { role: 'router', name: 'router-0' });
  return (await harness.serve({ caPem: ca.certPem, ...own, requireClientCert: true, minVersion })).address;
}

async function client(address: string, name: string, maxVersion?: 'TLSv1.2'): Promise<grpc.Client> {
  const leaf = await issueCertificate(ca, { role: 'client', name });
  const material = { caPem: ca.certPem, certPem: leaf.certPem, keyPem: leaf.keyPem };
  const credentials = maxVersion
    ? grpc.credentials.createFromSecureContext(
        createSecureContext({ ca: ca.certPem, cert: leaf.certPem, key: leaf.keyPem, maxVersion }),
      )
    : channelCredentials(material);
  return harness.client(address, credentials);
}

void test('TLS 1.3: one getPeerCertificate per connection, each connection its own identity', async () => {
  const address = await serve('TLSv1.3');
  const alice = await client(address, 'alice');
  const bob = await client(address, 'bob');
  asked = 0;
  for (let i = 0; i < 5; i++) assert.equal(await whoAmI(alice), 'spiffe://cache.test.local/client/alice');
  for (let i = 0; i < 5; i++) assert.equal(await whoAmI(bob), 'spiffe://cache.test.local/client/bob');
  assert.equal(await whoAmI(alice), 'spiffe://cache.test.local/client/alice');
  assert.equal(asked, 2, `the server asked ${asked} times for 11 calls on 2 connections`);
});

void test('TLS 1.2: the socket is asked on every call', async () => {
  const address = await serve('TLSv1.2');
  const carol = await client(address, 'carol', 'TLSv1.2');
  asked = 0;
  for (let i = 0; i < 3; i++) assert.equal(await whoAmI(carol), 'spiffe://cache.test.local/client/carol');
  assert.ok(asked >= 3, `asked ${asked} times for 3 calls`);
});
