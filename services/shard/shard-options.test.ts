import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withShardDefaults, type ShardOptions } from './shard-options.js';

const base: ShardOptions = {
  modelRepository: '/models',
  serve: [],
  tls: { caFile: 'ca.pem', certFile: 'shard.pem', keyFile: 'shard-key.pem' },
};

void describe('shard options: the address routers dial', () => {
  void test('listening on every interface needs an address to advertise, and the message names the option', () => {
    for (const host of ['0.0.0.0', '::'])
      assert.throws(() => withShardDefaults({ ...base, host }), {
        name: 'TypeError',
        message: new RegExp(`^host ${host} listens on every interface.*--advertise-address`),
      });
  });

  void test('a wildcard advertise address is refused; a host address is kept as given', () => {
    assert.throws(() => withShardDefaults({ ...base, host: '10.1.2.3', advertiseAddress: '0.0.0.0' }), {
      message: /^advertiseAddress 0\.0\.0\.0: no router can dial it/,
    });
    const o = withShardDefaults({ ...base, host: '0.0.0.0', advertiseAddress: '10.1.2.3' });
    assert.equal(o.host, '0.0.0.0');
    assert.equal(o.advertiseAddress, '10.1.2.3');
    assert.equal(withShardDefaults(base).host, '127.0.0.1');
  });
});
