import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseSubjectAltNames } from './subject-alt-name.js';

void test('reads the names in the order Node prints them', () => {
  assert.deepEqual(
    parseSubjectAltNames(
      'URI:spiffe://shardmesh.local/router/r1, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    ),
    [
      { type: 'URI', value: 'spiffe://shardmesh.local/router/r1' },
      { type: 'DNS', value: 'localhost' },
      { type: 'IP Address', value: '127.0.0.1' },
      { type: 'IP Address', value: '0:0:0:0:0:0:0:1' },
    ],
  );
});

void test('no names when there is no extension', () => {
  assert.deepEqual(parseSubjectAltNames(undefined), []);
  assert.deepEqual(parseSubjectAltNames(''), []);
});

void test('a quoted value stays one name, so it cannot smuggle in a second URI', () => {
  const text = 'URI:"spiffe://x/shard/a, URI:spiffe://x/router/evil", DNS:localhost';
  assert.deepEqual(parseSubjectAltNames(text), [
    { type: 'URI', value: 'spiffe://x/shard/a, URI:spiffe://x/router/evil' },
    { type: 'DNS', value: 'localhost' },
  ]);
  assert.deepEqual(parseSubjectAltNames('DNS:"a\\"b"'), [{ type: 'DNS', value: 'a"b' }]);
});

void test('rejects text it cannot read', () => {
  assert.throws(() => parseSubjectAltNames('garbage'), /unreadable subjectAltName/);
  assert.throws(() => parseSubjectAltNames('URI:"open'), /unterminated/);
  assert.throws(() => parseSubjectAltNames('URI:"a"x'), /unreadable subjectAltName at offset 7/);
});
