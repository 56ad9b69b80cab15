import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, readlink } from 'node:fs/promises';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { after, before, test } from 'node:test';

import * as grpc from '@grpc/grpc-js';

import type { CertificateAuthority } from './authority.js';
import { createCertificateAuthority } from './authority.js';
import type { TlsMaterial } from './credentials.js';
import { channelCredentials, channelCredentialsCheckingIdentity } from './credentials.js';
import { formatSpiffeId } from './identity.js';
import type { IssuedCertificate } from './issue.js';
import { issueCertificate } from './issue.js';
import { whoAmI as callWhoAmI, WhoAmIHarness } from './who-am-i-test-server.js';

let ca: CertificateAuthority;
let shard: IssuedCertificate;
let router: IssuedCertificate;
const harness = new WhoAmIHarness();

before(async () => {
  ca = await createCertificateAuthority({ trustDomain: 'grpc.test.local' });
  shard = await issueCertificate(ca, { role: 'shard', name: 'shard-0' });
  router = await issueCertificate(ca, { role: 'router', name: 'router-0' });
});

after(() => harness.close());

/** A WhoAmI server (who-am-i-test-server.ts) with `cert`, the shard's by default. */
function startServer(
  requireClientCert: boolean,
  cert = shard,
): Promise<{ address: string; calls: () => number }> {
  return harness.serve({ caPem: ca.certPem, certPem: cert.certPem, keyPem: cert.keyPem, requireClientCert });
}

function whoAmI(address: string, creds: grpc.ChannelCredentials): Promise<string> {
  return callWhoAmI(harness.client(address, creds));
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

/**
 * Whether the kernel has TCP_NODELAY set on the socket this process accepted on `port`: the
 * established connection whose local port is `port` is found in /proc/net/tcp, its file
 * descriptor among this process's own, and a Python child, handed that descriptor, asks the
 * kernel with getsockopt. Nothing of grpc-js or Node is read back; Linux only.
 */
async function acceptedSocketsNoDelay(port: number): Promise<boolean[]> {
  const ESTABLISHED = '01';
  const inodes = (await readFile('/proc/net/tcp', 'utf8'))
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length > 9 && Number.parseInt(f[1]!.split(':')[1]!, 16) === port && f[3] === ESTABLISHED)
    .map((f) => f[9]!);
  const fds: number[] = [];
  // The kernel completes a connection before the event loop accept()s it: wait for the descriptor.
  for (const deadline = Date.now() + 5000; fds.length < inodes.length;) {
    assert.ok(Date.now() < deadline, `no descriptor for the connection on port ${port}`);
    await new Promise((resolve) => setImmediate(resolve));
    fds.length = 0;
    for (const fd of await readdir('/proc/self/fd')) {
      const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
      if (inodes.some((inode) => target === `socket:[${inode}]`)) fds.push(Number(fd));
    }
  }
  const flags: boolean[] = [];
  for (const fd of fds) {
    const probe = spawn(
      'python3',
      [
        '-c',
        'import socket; s = socket.socket(fileno=3); print(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)); s.detach()',
      ],
      { stdio: ['ignore', 'pipe', 'inherit', fd] },
    );
    let out = '';
    probe.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const [code] = (await once(probe, 'close')) as [number];
    assert.equal(code, 0, 'python3 getsockopt probe failed');
    flags.push(out.trim() !== '0');
  }
  return flags;
}

/** A plain node:net server's accepted socket, as a control that the probe tells the two apart. */
async function plainServerNoDelay(options: net.ServerOpts): Promise<boolean[]> {
  const server = net.createServer(options, () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const accepted = once(server, 'connection');
  const client = net.connect(port, '127.0.0.1');
  const [socket] = (await accepted) as [net.Socket];
  try {
    return await acceptedSocketsNoDelay(port);
  } finally {
    socket.destroy();
    client.destroy();
    server.close();
  }
}

void test('server credentials accept sockets with TCP_NODELAY set from the start, before the TLS handshake', async () => {
  assert.deepEqual(await plainServerNoDelay({}), [false], 'control: Node leaves Nagle on by default');
  assert.deepEqual(await plainServerNoDelay({ noDelay: true }), [true], 'control: noDelay turns it off');

  const { address } = await startServer(true);
  const port = Number(address.split(':')[1]);
  // A TCP connection that never sends its ClientHello: only the server's own socket option can
  // have set TCP_NODELAY on it. (Once a handshake completes, Node's http2 session turns Nagle off
  // by itself, so a finished call would show TCP_NODELAY with or without the credentials' option;
  // this option covers the handshake's own flights.)
  const raw = net.connect(port, '127.0.0.1');
  await once(raw, 'connect');
  try {
    assert.deepEqual(await acceptedSocketsNoDelay(port), [true]);
  } finally {
    raw.destroy();
  }
  // And a connection that carried a call keeps it (the raw one may linger until the server reads its FIN).
  await whoAmI(address, channelCredentials(withRouterCert()));
  const afterCall = await acceptedSocketsNoDelay(port);
  assert.ok(afterCall.length >= 1 && afterCall.every(Boolean), String(afterCall));
});

/** A router-certificate client that speaks TLS 1.2 at most. */
const tls12Client = (): grpc.ChannelCredentials =>
  grpc.credentials.createFromSecureContext(
    tls.createSecureContext({
      ca: ca.certPem,
      cert: router.certPem,
      key: router.keyPem,
      maxVersion: 'TLSv1.2',
    }),
  );

test('servers refuse a TLS 1.2-only client by default', async () => {
  const { address, calls } = await startServer(true);
  await assert.rejects(whoAmI(address, tls12Client()), { code: grpc.status.UNAVAILABLE });
  assert.equal(calls(), 0);
});

test('mesh channels refuse a server that speaks TLS 1.2 at most', async () => {
  const server = tls.createServer({ cert: shard.certPem, key: shard.keyPem, maxVersion: 'TLSv1.2' });
  const refusals: string[] = [];
  server.on('tlsClientError', (error: Error & { code?: string }) =>
    refusals.push(error.code ?? error.message),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  try {
    await assert.rejects(whoAmI(`127.0.0.1:${port}`, channelCredentials(withRouterCert())), {
      code: grpc.status.UNAVAILABLE,
    });
    assert.ok(refusals.length > 0, 'the handshake failed');
  } finally {
    server.close();
  }
});

test('requireClientCert false still identifies a certificate client and lets others in', async () => {
  const { address } = await startServer(false);
  assert.equal(await whoAmI(address, channelCredentials(withRouterCert())), formatSpiffeId(router.identity));
  await assert.rejects(whoAmI(address, channelCredentials({ caPem: ca.certPem })), {
    code: grpc.status.UNAUTHENTICATED,
  });
});
