import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PeerCertificate } from 'node:tls';

import type { Identity } from './identity.js';
import {
  formatSpiffeId,
  formatTrustDomainId,
  identityFromPeerCertificate,
  parseSpiffeId,
  ROLES,
  sameIdentity,
} from './identity.js';

void test('format and parse are inverses for every role', () => {
  for (const role of ROLES) {
    const id: Identity = { trustDomain: 'mesh.example-1.local', role, name: 'node_a.1-b' };
    const uri = formatSpiffeId(id);
    assert.equal(uri, `spiffe://mesh.example-1.local/${role}/node_a.1-b`);
    assert.deepEqual(parseSpiffeId(uri), id);
  }
  assert.equal(formatTrustDomainId('shardmesh.local'), 'spiffe://shardmesh.local');
});

void test('parse rejects malformed IDs and says why', () => {
  const cases: Array<[string, RegExp]> = [
    ['https://shardmesh.local/router/r1', /must start with "spiffe:\/\/"/],
    ['spiffe://ShardMesh.local/router/r1', /trust domain/],
    ['spiffe://shardmesh.local:8443/router/r1', /trust domain/],
    ['spiffe://user@shardmesh.local/router/r1', /trust domain/],
    ['spiffe://shardmesh.local/router', /path must be \/<role>\/<name>/],
    ['spiffe://shardmesh.local/router/r1/extra', /path must be/],
    ['spiffe://shardmesh.local/admin/r1', /role must be one of router, shard, client/],
    ['spiffe://shardmesh.local/router/', /name must match/],
    ['spiffe://shardmesh.local/router/..', /name must match/],
    ['spiffe://shardmesh.local/router/a%2Fb', /name must match/],
    ['spiffe://shardmesh.local/router/r1?x=1', /query and fragment/],
    [`spiffe://shardmesh.local/router/${'a'.repeat(2048)}`, /longer than 2048 bytes/],
  ];
  for (const [uri, why] of cases) {
    assert.throws(
      () => parseSpiffeId(uri),
      (error: Error) => {
        assert.match(error.message, /^malformed SPIFFE ID /);
        assert.ok(error.message.includes(JSON.stringify(uri)), error.message);
        assert.match(error.message, why);
        return true;
      },
    );
  }
});

void test('format refuses an identity that could not be parsed back', () => {
  assert.throws(
    () => formatSpiffeId({ trustDomain: 'shardmesh.local', role: 'router', name: 'a/b' }),
    TypeError,
  );
  assert.throws(() => formatSpiffeId({ trustDomain: 'Upper', role: 'router', name: 'a' }), /trust domain/);
  const role = 'admin' as Identity['role'];
  assert.throws(
    () => formatSpiffeId({ trustDomain: 'shardmesh.local', role, name: 'a' }),
    /role must be one of/,
  );
});

void test('reads the identity from the subjectaltname Node gives a TLS peer', () => {
  const peer = fakePeer('URI:spiffe://shardmesh.local/router/r1, DNS:localhost, IP Address:127.0.0.1');
  assert.deepEqual(identityFromPeerCertificate(peer), {
    trustDomain: 'shardmesh.local',
    role: 'router',
    name: 'r1',
  });
});

void test('refuses a peer with no certificate, no SPIFFE ID, or more than one', () => {
  assert.throws(() => identityFromPeerCertificate(undefined), /no verified certificate/);
  assert.throws(() => identityFromPeerCertificate({} as PeerCertificate), /no verified certificate/);
  assert.throws(() => identityFromPeerCertificate(fakePeer('DNS:localhost')), /carries no SPIFFE ID/);
  assert.throws(
    () => identityFromPeerCertificate(fakePeer('URI:spiffe://x/shard/a, URI:spiffe://x/router/b')),
    /carries 2 SPIFFE IDs/,
  );
});

void test('a quoted SAN cannot pass for a router identity', () => {
  const peer = fakePeer('URI:"spiffe://x/shard/a, URI:spiffe://x/router/evil"');
  assert.throws(() => identityFromPeerCertificate(peer), /malformed SPIFFE ID/);
});

void test('sameIdentity compares every part', () => {
  const a: Identity = { trustDomain: 'x', role: 'shard', name: 'a' };
  assert.equal(sameIdentity(a, { ...a }), true);
  assert.equal(sameIdentity(a, { ...a, role: 'router' }), false);
  assert.equal(sameIdentity(a, { ...a, trustDomain: 'y' }), false);
  assert.equal(sameIdentity(a, { ...a, name: 'b' }), false);
});

function fakePeer(subjectaltname: string): PeerCertificate {
  return { raw: Buffer.from([0x30]), subjectaltname } as PeerCertificate;
}
