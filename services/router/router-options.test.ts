import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withRouterDefaults, type RouterOptions } from './router-options.js';

const base: RouterOptions = {
  tls: { caFile: 'ca.pem', certFile: 'router.pem', keyFile: 'router-key.pem' },
};

void describe('withRouterDefaults', () => {
  void test('fills in the documented retry defaults', () => {
    const o = withRouterDefaults(base);
    assert.deepEqual(
      [
        o.retryMaxAttempts,
        o.retryInitialBackoffMs,
        o.retryMaxBackoffMs,
        o.retryBackoffMultiplier,
        o.retryBudgetTokens,
        o.retryBudgetTokensPerSuccess,
      ],
      [3, 10, 1000, 2, 10, 1],
    );
  });

  void test('fills in the documented per-attempt timeout, outlier ejection and hedging defaults', () => {
    const o = withRouterDefaults(base);
    assert.deepEqual(
      [
        o.attemptTimeoutQuantile,
        o.attemptTimeoutFactor,
        o.attemptTimeoutFloorMs,
        o.attemptTimeoutCeilingMs,
        o.attemptTimeoutWindow,
        o.attemptTimeoutMinSamples,
        o.outlierConsecutiveFailures,
        o.outlierBaseEjectionMs,
        o.outlierMaxEjectionMs,
        o.hedging,
        o.hedgeQuantile,
      ],
      [0.99, 3, 250, 10_000, 256, 16, 5, 30_000, 300_000, false, 0.95],
    );
  });

  void test('refuses meaningless or contradictory values, naming the option', () => {
    const cases: [Partial<RouterOptions>, RegExp][] = [
      [{ retryMaxAttempts: 0 }, /^retryMaxAttempts 0: /],
      [{ retryMaxAttempts: 1.5 }, /^retryMaxAttempts 1.5: /],
      [{ retryMaxAttempts: NaN }, /^retryMaxAttempts NaN: /],
      [{ retryInitialBackoffMs: -1 }, /^retryInitialBackoffMs -1: /],
      [
        { retryInitialBackoffMs: 50, retryMaxBackoffMs: 20 },
        /^retryMaxBackoffMs 20: .*retryInitialBackoffMs \(50\)/,
      ],
      [{ retryBackoffMultiplier: 0.5 }, /^retryBackoffMultiplier 0.5: /],
      [{ retryBudgetTokens: 0 }, /^retryBudgetTokens 0: /],
      [{ retryBudgetTokensPerSuccess: NaN }, /^retryBudgetTokensPerSuccess NaN: /],
      [{ defaultDeadlineMs: NaN }, /^defaultDeadlineMs NaN: /],
      [{ chunkBytes: 4 }, /^chunkBytes 4: /],
      [{ attemptTimeoutQuantile: 0 }, /^attemptTimeoutQuantile 0: /],
      [{ attemptTimeoutQuantile: 1.01 }, /^attemptTimeoutQuantile 1.01: /],
      [{ attemptTimeoutFactor: 0.5 }, /^attemptTimeoutFactor 0.5: /],
      [{ attemptTimeoutFloorMs: 0 }, /^attemptTimeoutFloorMs 0: /],
      [
        { attemptTimeoutFloorMs: 500, attemptTimeoutCeilingMs: 400 },
        /^attemptTimeoutCeilingMs 400: .*attemptTimeoutFloorMs \(500\)/,
      ],
      [{ attemptTimeoutWindow: 0 }, /^attemptTimeoutWindow 0: /],
      [{ attemptTimeoutWindow: 8, attemptTimeoutMinSamples: 9 }, /^attemptTimeoutMinSamples 9: .*\(8\)/],
      [{ hedgeQuantile: 0 }, /^hedgeQuantile 0: /],
      [{ outlierConsecutiveFailures: 1.5 }, /^outlierConsecutiveFailures 1.5: /],
      [{ outlierBaseEjectionMs: NaN }, /^outlierBaseEjectionMs NaN: /],
      [
        { outlierBaseEjectionMs: 10_000, outlierMaxEjectionMs: 5_000 },
        /^outlierMaxEjectionMs 5000: .*outlierBaseEjectionMs \(10000\)/,
      ],
    ];
    for (const [bad, message] of cases)
      assert.throws(
        () => withRouterDefaults({ ...base, ...bad }),
        { name: 'TypeError', message },
        JSON.stringify(bad),
      );
    assert.equal(withRouterDefaults({ ...base, retryMaxAttempts: 1 }).retryMaxAttempts, 1);
  });

  void test('the in-flight byte budget: 2 GiB by default, a positive whole number of bytes', () => {
    assert.equal(withRouterDefaults(base).maxInflightBytes, 2 ** 31);
    for (const bad of [0, -1, 1.5, NaN])
      assert.throws(() => withRouterDefaults({ ...base, maxInflightBytes: bad }), {
        name: 'TypeError',
        message: new RegExp(`^maxInflightBytes ${bad}: `),
      });
  });

  void test('authentication: TLS 1.3 and no extra identities by default; contradictions named', () => {
    const o = withRouterDefaults(base);
    assert.deepEqual([o.tlsMinVersion, o.allowClientIdentities, o.tokens], ['TLSv1.3', [], undefined]);
    assert.throws(
      () => withRouterDefaults({ ...base, tokens: { jwksFile: 'jwks.json', issuer: 'i', audience: '' } }),
      /jwksFile, issuer and audience go together/,
    );
    assert.throws(
      () => withRouterDefaults({ ...base, allowClientIdentities: ['router/*'] }),
      /client identity pattern "router\/\*"/,
    );
    assert.throws(
      () => withRouterDefaults({ ...base, tlsMinVersion: 'TLSv1.1' as 'TLSv1.2' }),
      /tlsMinVersion TLSv1.1: must be one of TLSv1.3, TLSv1.2/,
    );
  });
});
