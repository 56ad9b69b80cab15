import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { describe, test } from 'node:test';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { raiseConnectionWindow } from './server-connection-window.js';

/** The connection window a plain HTTP/2 client may fill at a grpc-js server, once settled. */
async function clientSendWindow(raise: number | undefined): Promise<number> {
  const server = new Server();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  if (raise !== undefined) assert.equal(raiseConnectionWindow(server, raise), true);
  const client = http2.connect(`http://127.0.0.1:${port}`);
  try {
    await new Promise((resolve, reject) => client.once('remoteSettings', resolve).once('error', reject));
    // A ping's round trip: the server's WINDOW_UPDATE, sent with its settings, has arrived before it.
    await new Promise((resolve, reject) => client.ping((e) => (e ? reject(e) : resolve(undefined))));
    return client.state.remoteWindowSize!;
  } finally {
    client.close();
    server.forceShutdown();
  }
}

void describe('raiseConnectionWindow: the HTTP/2 connection window of a grpc-js server', () => {
  test("Node 20 leaves a server session's connection window at 65,535 bytes", async () => {
    assert.equal(await clientSendWindow(undefined), 65_535);
  });

  test('raised, a client may send that many bytes before the server must answer', async () => {
    assert.equal(await clientSendWindow(4 << 20), 4 << 20);
  });
});
