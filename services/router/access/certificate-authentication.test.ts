import assert from 'node:assert/strict';
import type { PeerCertificate } from 'node:tls';
import { test } from 'node:test';
import { CertificateRefused, certificatePrincipal } from './certificate-authentication.js';
import { parseSpiffePattern } from './spiffe-pattern.js';

// Stand-ins for what Node parsed from a verified certificate: only its subjectAltName is read.
const peer = (subjectaltname: string): PeerCertificate => ({ subjectaltname }) as PeerCertificate;
const options = { trustDomain: 'mesh.test', allowed: [parseSpiffePattern('spiffe://mesh.test/router/gw-*')] };

test('a client identity of the trust domain is a certificate principal', () => {
  assert.deepEqual(certificatePrincipal(peer('URI:spiffe://mesh.test/client/a'), options), {
    kind: 'certificate',
    id: 'spiffe://mesh.test/client/a',
    claims: {},
  });
});

test('a certificate without a SPIFFE id, or with two, is refused', () => {
  for (const san of ['DNS:localhost', 'URI:spiffe://mesh.test/client/a, URI:spiffe://mesh.test/client/b'])
    assert.throws(
      () => certificatePrincipal(peer(san), options),
      (e: Error) => {
        assert.ok(e instanceof CertificateRefused);
        assert.match(e.message, /no valid SPIFFE id/);
        return true;
      },
    );
});

test('patterns admit the identities they name and no others', () => {
  assert.equal(
    certificatePrincipal(peer('URI:spiffe://mesh.test/router/gw-1'), options).id,
    'spiffe://mesh.test/router/gw-1',
  );
  assert.throws(
    () => certificatePrincipal(peer('URI:spiffe://mesh.test/router/r1'), options),
    /router certificate/,
  );
  const star = parseSpiffePattern('spiffe://mesh.test/*/x');
  assert.equal(star('spiffe://mesh.test/shard/x'), true);
  assert.equal(star('spiffe://mesh.test/a/b/x'), false, '* stays within one segment');
  assert.throws(() => parseSpiffePattern('https://mesh.test/client/*'), TypeError);
});
