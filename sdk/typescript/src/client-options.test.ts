import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deadlineOf } from './call-options.js';
import { resolveOptions, type ConnectOptions } from './client-options.js';

describe('client options', () => {
  const refused = (options: unknown, message: RegExp) =>
    assert.rejects(
      resolveOptions(options as ConnectOptions),
      (e: unknown) => e instanceof TypeError && message.test(e.message),
    );

  test('contradictory or missing TLS options are refused, naming the option', async () => {
    await refused({ tls: { ca: 'x', caFile: '/ca.pem' } }, /tls\.ca and tls\.caFile: give one/);
    await refused({ tls: { ca: 'x', cert: 'c' } }, /tls\.cert and tls\.key .*both or neither/);
    await refused({ tls: {} }, /tls\.ca or tls\.caFile: required/);
    await refused({}, /tls: required/);
    await refused({ tls: { ca: 'x' }, defaultTimeoutMs: 0 }, /defaultTimeoutMs 0/);
    await refused({ tls: { ca: 'x' }, token: 5 }, /token: a string/);
  });

  test('PEM text is taken as given; the channel allows large messages', async () => {
    const o = await resolveOptions({ tls: { ca: 'CA', cert: 'C', key: 'K', serverName: 'router' } });
    assert.deepEqual([o.tls.ca.toString(), o.tls.cert?.toString(), o.tls.key?.toString()], ['CA', 'C', 'K']);
    assert.equal(o.channelOptions['grpc.ssl_target_name_override'], 'router');
    assert.equal(o.channelOptions['grpc.max_receive_message_length'], -1);
    assert.equal(o.retry.attempts, 5);
  });

  test('a deadline or a timeout, not both; streams have none unless given', () => {
    assert.throws(() => deadlineOf({ timeoutMs: 5, deadline: new Date() }, 10), /deadline and timeoutMs/);
    const at = new Date(Date.now() + 1234);
    assert.equal(deadlineOf({ deadline: at }, 10), at.getTime());
    assert.equal(deadlineOf({}, undefined), undefined);
    const d = deadlineOf({}, 30_000)!;
    assert.ok(Math.abs(d - (Date.now() + 30_000)) < 1_000);
  });
});
