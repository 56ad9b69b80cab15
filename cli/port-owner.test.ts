import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { findPortOwner, listeningInodes, portInUseMessage } from './port-owner.js';

// Two sockets as /proc/net/tcp lists them: one listening on 127.0.0.1:8001, one connected from it.
const TABLE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F41 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F41 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0000000000000000 20 4 30 10 -1
`;

void describe('port owner', () => {
  void test('listeningInodes picks the listening socket of the port only', () => {
    assert.deepEqual(listeningInodes(TABLE, 8001), ['4242']);
    assert.deepEqual(listeningInodes(TABLE, 8002), []);
  });

  void test('names the process listening on a port, and nothing once it is gone', async () => {
    const holder = spawn(
      process.execPath,
      [
        '-e',
        "const s = require('net').createServer().listen(0, '127.0.0.1', () => console.log(s.address().port))",
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = once(holder, 'exit');
    const [line] = (await once(createInterface({ input: holder.stdout }), 'line')) as [string];
    const port = Number(line);
    try {
      const owner = await findPortOwner(port);
      assert.equal(owner?.pid, holder.pid);
      assert.match(owner?.command ?? '', /createServer/);
      assert.match(
        (await portInUseMessage(port, '127.0.0.1'))!,
        new RegExp(`^port ${port} is in use by PID ${holder.pid} \\(`),
      );
    } finally {
      holder.kill('SIGKILL');
    }
    await exited;
    assert.equal(await findPortOwner(port), undefined);
    assert.equal(await portInUseMessage(port, '127.0.0.1'), undefined);
  });
});
