import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import * as grpc from '@grpc/grpc-js';

import type { CertificateAuthority } from './authority.js';
import { createCertificateAuthority } from './authority.js';
import type { TlsMaterial } from './credentials.js';
import { channelCredentials, channelCredentialsCheckingIdentity } from './credentials.js';
import type { IssuedCertificate } from './issue.js';
import { issueCertificate } from './issue.js';
import { whoAmI as callWhoAmI, WhoAmIHarness } from './who-am-i-test-server.js';

const DAY_MS = 24 * 60 * 60 * 1000;

let ca: CertificateAuthority;
const leaves = new Map<string, IssuedCertificate>();
const harness = new WhoAmIHarness();

/** Valid now, expired a day ago, or valid only from tomorrow. */
const WINDOWS = {
  valid: {},
  expired: { validFrom: new Date(Date.now() - 3 * DAY_MS), validityDays: 2 },
  early: { validFrom: new Date(Date.now() + DAY_MS), validityDays: 7 },
} as const;
type Window = keyof typeof WINDOWS;

before(async () => {
  ca = await createCertificateAuthority({ trustDomain: 'validity.test.local' });
  for (const w of Object.keys(WINDOWS) as Window[]) {
    leaves.set(`router-${w}`, await issueCertificate(ca, { role: 'router', name: 'router', ...WINDOWS[w] }));
    leaves.set(`shard-${w}`, await issueCertificate(ca, { role: 'shard', name: 'shard', ...WINDOWS[w] }));
    leaves.set(`client-${w}`, await issueCertificate(ca, { role: 'client', name: 'client', ...WINDOWS[w] }));
  }
});

after(() => harness.close());

/** A WhoAmI server (who-am-i-test-server.ts) presenting `leaf`. */
function startServer(
  leaf: IssuedCertificate,
  requireClientCert: boolean,
): Promise<{ address: string; calls: () => number }> {
  return harness.serve({ caPem: ca.certPem, certPem: leaf.certPem, keyPem: leaf.keyPem, requireClientCert });
}

function whoAmI(address: string, creds: grpc.ChannelCredentials): Promise<string> {
  return callWhoAmI(harness.client(address, creds));
}

const material = (name: string): TlsMaterial => ({
  caPem: ca.certPem,
  certPem: leaves.get(name)!.certPem,
  keyPem: leaves.get(name)!.keyPem,
});

const OPENSSL_WHY: Record<Exclude<Window, 'valid'>, RegExp> = {
  expired: /certificate has expired|certificate expired/,
  early: /certificate is not yet valid|certificate not yet valid/,
};

describe('router → shard: both ends refuse a leaf outside its validity window', () => {
  for (const w of ['expired', 'early'] as const) {
    test(`the router's channel refuses a shard certificate that is ${w}`, async () => {
      const shard = leaves.get(`shard-${w}`)!;
      const server = await startServer(shard, true);
      const creds = channelCredentialsCheckingIdentity(material('router-valid'), shard.identity);
      await assert.rejects(whoAmI(server.address, creds), (error: grpc.ServiceError) => {
        assert.equal(error.code, grpc.status.UNAVAILABLE);
        assert.match(error.details, OPENSSL_WHY[w]);
        return true;
      });
      assert.equal(server.calls(), 0);
    });

    test(`a shard refuses a router certificate that is ${w}`, async () => {
      const shard = leaves.get('shard-valid')!;
      const server = await startServer(shard, true);
      const creds = channelCredentialsCheckingIdentity(material(`router-${w}`), shard.identity);
      await assert.rejects(whoAmI(server.address, creds), { code: grpc.status.UNAVAILABLE });
      assert.equal(server.calls(), 0);
    });
  }

  test('control: valid certificates on both ends get through', async () => {
    const shard = leaves.get('shard-valid')!;
    const server = await startServer(shard, true);
    const creds = channelCredentialsCheckingIdentity(material('router-valid'), shard.identity);
    assert.equal(await whoAmI(server.address, creds), 'spiffe://validity.test.local/router/router');
  });
});

describe('client → router: both ends refuse a leaf outside its validity window', () => {
  for (const w of ['expired', 'early'] as const) {
    test(`a client refuses a router certificate that is ${w}`, async () => {
      const server = await startServer(leaves.get(`router-${w}`)!, true);
      await assert.rejects(
        whoAmI(server.address, channelCredentials(material('client-valid'))),
        (error: grpc.ServiceError) => {
          assert.equal(error.code, grpc.status.UNAVAILABLE);
          assert.match(error.details, OPENSSL_WHY[w]);
          return true;
        },
      );
      assert.equal(server.calls(), 0);
    });

    test(`the router refuses a client certificate that is ${w}: at TLS, or as no identity where tokens are on`, async () => {
      const strict = await startServer(leaves.get('router-valid')!, true);
      await assert.rejects(whoAmI(strict.address, channelCredentials(material(`client-${w}`))), {
        code: grpc.status.UNAVAILABLE,
      });
      assert.equal(strict.calls(), 0);
      // With bearer tokens on, the handshake lets it in, but the call sees no verified certificate.
      const lenient = await startServer(leaves.get('router-valid')!, false);
      await assert.rejects(whoAmI(lenient.address, channelCredentials(material(`client-${w}`))), {
        code: grpc.status.UNAUTHENTICATED,
        details: 'peer presented no verified certificate',
      });
    });
  }
});
