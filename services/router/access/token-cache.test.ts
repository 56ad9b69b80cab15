import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenCache } from './token-cache.js';

const principal = { kind: 'token' as const, id: 'team-a', claims: { exp: 1_000 } };

test('a cached token holds until exp plus the skew, and only under the keys it was verified with', () => {
  let nowMs = 900_000;
  const cache = new TokenCache(30, () => nowMs);
  const keys = {};
  cache.set('t', keys, principal);
  assert.equal(cache.get('t', keys), principal);
  nowMs = 1_030_000;
  assert.equal(cache.get('t', keys), principal, 'within the skew');
  nowMs = 1_030_001;
  assert.equal(cache.get('t', keys), undefined, 'past exp + skew: verify again (and fail)');
  nowMs = 900_000;
  cache.set('t', keys, principal);
  assert.equal(cache.get('t', {}), undefined, 'a reloaded key set empties the cache');
  assert.equal(cache.get('t', keys), undefined);
});
