import assert from 'node:assert/strict';
import type { PeerCertificate } from 'node:tls';
import { test } from 'node:test';
import { Metadata, status as Status } from '@grpc/grpc-js';
import { Authenticator } from './authenticator.js';

/** A verified certificate as Node parsed it (only its subjectAltName is read), counting the reads. */
function peer(subjectaltname: string): { cert: PeerCertificate; reads: () => number } {
  let reads = 0;
  const cert = {
    get subjectaltname() {
      reads++;
      return subjectaltname;
    },
  } as PeerCertificate;
  return { cert, reads: () => reads };
}

/** A call on a connection that presented `cert`, without an authorization header. */
const callWith = (cert: PeerCertificate) => ({
  metadata: new Metadata(),
  getAuthContext: () => ({ sslPeerCertificate: cert }),
});

const authenticator = (): Authenticator => new Authenticator({ trustDomain: 'mesh.test' });

test("a connection's certificate is judged once: its later calls get the same principal", async () => {
  const auth = authenticator();
  const { cert, reads } = peer('URI:spiffe://mesh.test/client/a');
  const first = await auth.authenticate(callWith(cert));
  const second = await auth.authenticate(callWith(cert));
  assert.deepEqual(first, { kind: 'certificate', id: 'spiffe://mesh.test/client/a', claims: {} });
  assert.equal(second, first);
  assert.equal(reads(), 1);
  // Another certificate (another connection, or TLS 1.2's fresh object) is judged on its own.
  const other = peer('URI:spiffe://mesh.test/client/b');
  assert.equal((await auth.authenticate(callWith(other.cert))).id, 'spiffe://mesh.test/client/b');
});

test('a refused certificate is refused on every call, with the reason', async () => {
  const auth = authenticator();
  const { cert, reads } = peer('URI:spiffe://mesh.test/shard/s1');
  for (let i = 0; i < 2; i++)
    await assert.rejects(auth.authenticate(callWith(cert)), (e: { code: number; details: string }) => {
      assert.equal(e.code, Status.UNAUTHENTICATED);
      assert.match(e.details, /a shard certificate is not accepted as a client/);
      return true;
    });
  assert.equal(reads(), 1);
});
