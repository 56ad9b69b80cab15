import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { keepSession, type SessionSource } from './consul-session.js';

/** An in-memory Consul session API: sessions end when the test says so. */
class FakeSessions implements SessionSource {
  readonly live = new Set<string>();
  readonly created: string[] = [];
  readonly destroyed: string[] = [];
  #next = 0;
  createSession(): Promise<string> {
    const id = `s${++this.#next}`;
    this.live.add(id);
    this.created.push(id);
    return Promise.resolve(id);
  }
  renewSession(id: string): Promise<boolean> {
    return Promise.resolve(this.live.has(id));
  }
  destroySession(id: string): Promise<void> {
    this.live.delete(id);
    this.destroyed.push(id);
    return Promise.resolve();
  }
}

const until = async (check: () => boolean, timeoutMs = 2_000): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) assert.fail('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};
const options = { name: 'test', ttlMs: 300, lockDelayMs: 0, behavior: 'delete' as const };

describe('keepSession', () => {
  test('a session Consul ended is replaced, and the holder hears of the new one', async () => {
    const consul = new FakeSessions();
    const heard: string[] = [];
    const errors: string[] = [];
    const kept = keepSession(
      consul,
      options,
      (id) => (heard.push(id), Promise.resolve()),
      (e) => errors.push(e.message),
    );
    await until(() => heard.length === 1);
    consul.live.delete('s1'); // expired: the process stalled past its TTL, or the node failed
    await until(() => heard.length === 2);
    assert.deepEqual(heard, ['s1', 's2']);
    assert.match(errors[0]!, /Consul session test ended; creating a new one/);
    await kept.close();
    assert.deepEqual(consul.destroyed, ['s2']);
  });

  test('a holder that cannot use its session gets a fresh one, and the failed one is destroyed', async () => {
    const consul = new FakeSessions();
    let calls = 0;
    const kept = keepSession(
      consul,
      options,
      () => (++calls === 1 ? Promise.reject(new Error('key write failed')) : Promise.resolve()),
      () => undefined,
    );
    await until(() => calls === 2);
    assert.deepEqual(consul.destroyed, ['s1']);
    assert.deepEqual([...consul.live], ['s2']);
    await kept.close();
  });
});
