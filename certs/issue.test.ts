import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { before, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { connect, createServer } from 'node:tls';

import type { CertificateAuthority } from './authority.js';
import { createCertificateAuthority, trustDomainOfAuthority } from './authority.js';
import type { Identity } from './identity.js';
import { identityFromCertificate, identityFromPeerCertificate } from './identity.js';
import type { IssuedCertificate } from './issue.js';
import { issueCertificate } from './issue.js';

const DAY_MS = 24 * 60 * 60 * 1000;
let ca: CertificateAuthority;

before(async () => {
  ca = await createCertificateAuthority({ trustDomain: 'test.shardmesh.local' });
});

void test('the CA is a CA for its trust domain', () => {
  const x509 = new X509Certificate(ca.certPem);
  assert.equal(x509.ca, true);
  assert.equal(x509.subjectAltName, 'URI:spiffe://test.shardmesh.local');
  assert.equal(trustDomainOfAuthority(ca), 'test.shardmesh.local');
  assert.equal(x509.verify(x509.publicKey), true, 'self-signed');
});

void test('router, shard and client certificates carry their identities back', async () => {
  for (const role of ['router', 'shard', 'client'] as const) {
    const issued = await issueCertificate(ca, { role, name: `${role}-1` });
    const expected: Identity = { trustDomain: 'test.shardmesh.local', role, name: `${role}-1` };
    assert.deepEqual(issued.identity, expected);
    assert.deepEqual(identityFromCertificate(issued.certPem), expected);
    assert.deepEqual(identityFromCertificate(new X509Certificate(issued.certPem).raw), expected, 'from DER');

    const x509 = new X509Certificate(issued.certPem);
    assert.equal(
      x509.subjectAltName,
      `URI:spiffe://test.shardmesh.local/${role}/${role}-1, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1`,
    );
    assert.deepEqual(x509.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'], 'serverAuth + clientAuth');
    assert.equal(x509.ca, false);
    assert.equal(x509.checkIssued(new X509Certificate(ca.certPem)), true);
    assert.equal(x509.verify(new X509Certificate(ca.certPem).publicKey), true);
    const lifetimeMs = Date.parse(x509.validTo) - Date.now();
    assert.ok(Math.abs(lifetimeMs - 7 * DAY_MS) < 60_000, `7 days by default, got ${lifetimeMs} ms`);
    assert.equal(issued.notAfter.getTime(), Date.parse(x509.validTo));
  }
});

void test('serials are random and SANs follow the options', async () => {
  const a = await issueCertificate(ca, {
    role: 'shard',
    name: 's',
    dnsNames: ['shard-0.mesh.internal'],
    ipAddresses: ['10.1.2.3', 'fe80::1:2', '::ffff:192.0.2.1'],
  });
  const b = await issueCertificate(ca, { role: 'shard', name: 's', dnsNames: [], ipAddresses: [] });
  const [xa, xb] = [new X509Certificate(a.certPem), new X509Certificate(b.certPem)];
  assert.notEqual(xa.serialNumber, xb.serialNumber);
  assert.equal(
    xa.subjectAltName,
    'URI:spiffe://test.shardmesh.local/shard/s, DNS:shard-0.mesh.internal, IP Address:10.1.2.3, ' +
      'IP Address:FE80:0:0:0:0:0:1:2, IP Address:0:0:0:0:0:FFFF:C000:201',
  );
  assert.equal(xb.subjectAltName, 'URI:spiffe://test.shardmesh.local/shard/s');
});

void test('leaves default to 7 days, the CA to ten years', async () => {
  const leaf = new X509Certificate((await issueCertificate(ca, { role: 'shard', name: 's' })).certPem);
  const root = new X509Certificate(ca.certPem);
  const days = (x: X509Certificate): number => (Date.parse(x.validTo) - Date.now()) / DAY_MS;
  assert.equal(Math.round(days(leaf)), 7);
  assert.equal(Math.round(days(root)), 3650);
});

void test('validFrom issues ahead of time (or, for tests, already expired)', async () => {
  const start = new Date(Date.now() + 2 * DAY_MS);
  const later = new X509Certificate(
    (await issueCertificate(ca, { role: 'shard', name: 's', validFrom: start, validityDays: 1 })).certPem,
  );
  // Back-dated by the 5 minutes of clock skew every certificate allows.
  assert.equal(Date.parse(later.validFrom), Math.floor(start.getTime() / 1000) * 1000 - 5 * 60_000);
  assert.equal(Date.parse(later.validTo), Math.floor(start.getTime() / 1000) * 1000 + DAY_MS);
});

void test('a leaf never outlives its CA', async () => {
  const shortCa = await createCertificateAuthority({ trustDomain: 'short.local', validityDays: 1 });
  const leaf = await issueCertificate(shortCa, { role: 'router', name: 'r', validityDays: 30 });
  assert.equal(new X509Certificate(leaf.certPem).validTo, new X509Certificate(shortCa.certPem).validTo);
});

void test('rejects bad options with a message naming them', async () => {
  await assert.rejects(issueCertificate(ca, { role: 'router', name: 'r', trustDomain: 'other.local' }), {
    name: 'TypeError',
    message: /trustDomain "other.local" differs from the CA's trust domain "test.shardmesh.local"/,
  });
  await assert.rejects(issueCertificate(ca, { role: 'router', name: 'a/b' }), /name must match/);
  await assert.rejects(
    issueCertificate(ca, { role: 'router', name: 'r', ipAddresses: ['300.1.1.1'] }),
    /not an IP address/,
  );
  await assert.rejects(
    issueCertificate(ca, { role: 'router', name: 'r', dnsNames: ['a b'] }),
    /dnsNames: not a DNS name/,
  );
  await assert.rejects(
    issueCertificate(ca, { role: 'router', name: 'r', validityDays: 0 }),
    /validityDays must be a positive/,
  );
  const other = await createCertificateAuthority({ trustDomain: 'test.shardmesh.local' });
  await assert.rejects(
    issueCertificate({ certPem: ca.certPem, keyPem: other.keyPem }, { role: 'router', name: 'r' }),
    /CA private key does not match the CA certificate/,
  );
});

void test('Node TLS accepts the certificates on both ends of a mutual TLS handshake', async () => {
  const shard = await issueCertificate(ca, { role: 'shard', name: 'shard-a' });
  const router = await issueCertificate(ca, { role: 'router', name: 'router-a' });
  const seen = await handshake('127.0.0.1', shard, router);
  assert.deepEqual(seen.server, { authorized: true, peer: router.identity });
  assert.deepEqual(seen.client, { authorized: true, peer: shard.identity });
});

void test('the IPv6 loopback SAN passes Node hostname verification', async (t) => {
  const shard = await issueCertificate(ca, { role: 'shard', name: 'shard-6' });
  const router = await issueCertificate(ca, { role: 'router', name: 'router-6' });
  const seen = await handshake('::1', shard, router).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRNOTAVAIL' || error.code === 'EAFNOSUPPORT') return undefined;
    throw error;
  });
  if (seen === undefined) return t.skip('no IPv6 loopback here');
  assert.deepEqual(seen.client, { authorized: true, peer: shard.identity });
});

interface Seen {
  server: { authorized: boolean; peer: Identity };
  client: { authorized: boolean; peer: Identity };
}

async function handshake(host: string, server: IssuedCertificate, client: IssuedCertificate): Promise<Seen> {
  const tlsServer = createServer({
    ca: ca.certPem,
    cert: server.certPem,
    key: server.keyPem,
    requestCert: true,
    rejectUnauthorized: true,
  });
  const serverSide = new Promise<Seen['server']>((resolve) => {
    tlsServer.once('secureConnection', (socket: TLSSocket) => {
      resolve({
        authorized: socket.authorized,
        peer: identityFromPeerCertificate(socket.getPeerCertificate()),
      });
      socket.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    tlsServer.once('error', reject);
    tlsServer.listen(0, host, resolve);
  });
  try {
    const { port } = tlsServer.address() as AddressInfo;
    const clientSide = await new Promise<Seen['client']>((resolve, reject) => {
      const socket = connect({ host, port, ca: ca.certPem, cert: client.certPem, key: client.keyPem }, () => {
        resolve({
          authorized: socket.authorized,
          peer: identityFromPeerCertificate(socket.getPeerCertificate()),
        });
        socket.end();
      });
      socket.once('error', reject);
    });
    return { server: await serverSide, client: clientSide };
  } finally {
    await new Promise((resolve) => tlsServer.close(resolve));
  }
}
