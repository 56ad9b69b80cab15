import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ConsulRegistry } from './consul-registry.js';
import { EmbeddedRegistry } from './embedded-registry.js';
import { openRegistry, parseRegistryUrl } from './open-registry.js';

void describe('parseRegistryUrl', () => {
  void it('reads consul URLs, defaulting the port to 8500', () => {
    assert.deepEqual(parseRegistryUrl('consul://127.0.0.1:18500'), {
      kind: 'consul',
      host: '127.0.0.1',
      port: 18500,
    });
    assert.deepEqual(parseRegistryUrl('consul://consul.service'), {
      kind: 'consul',
      host: 'consul.service',
      port: 8500,
    });
    assert.deepEqual(parseRegistryUrl('consul://[::1]:8501/'), { kind: 'consul', host: '[::1]', port: 8501 });
  });

  void it('reads embedded URLs, resolving relative and empty paths', () => {
    assert.deepEqual(parseRegistryUrl('embedded:/var/run/mesh'), { kind: 'embedded', dir: '/var/run/mesh' });
    assert.deepEqual(parseRegistryUrl('embedded:mesh'), { kind: 'embedded', dir: resolve('mesh') });
    assert.deepEqual(parseRegistryUrl('embedded:'), {
      kind: 'embedded',
      dir: resolve('.shardmesh/registry'),
    });
  });

  void it('rejects anything else with a TypeError that quotes the URL', () => {
    for (const url of [
      'http://127.0.0.1:8500',
      'consul://',
      'consul://h:99999',
      'consul://u:p@h:1',
      'consul://h:1/v1',
      '',
    ]) {
      assert.throws(
        () => parseRegistryUrl(url),
        (error: unknown) => error instanceof TypeError && error.message.includes(JSON.stringify(url)),
        url,
      );
    }
  });
});

void describe('openRegistry', () => {
  void it('opens the implementation the URL names', () => {
    const consul = openRegistry('consul://127.0.0.1:18500');
    assert.ok(consul instanceof ConsulRegistry);
    assert.equal(consul.description, 'consul://127.0.0.1:18500');
    const embedded = openRegistry('embedded:/tmp/mesh', { pollMs: 50 });
    assert.ok(embedded instanceof EmbeddedRegistry);
    assert.equal(embedded.description, 'embedded:/tmp/mesh');
  });
});
