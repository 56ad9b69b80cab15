import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { status as Status } from '@grpc/grpc-js';
import { RetryBudget } from './retry-budget.js';
import { RETRYABLE_CODES, RetryPolicy, type RetryPolicyOptions } from './retry-policy.js';

const options: RetryPolicyOptions = {
  maxAttempts: 5,
  initialBackoffMs: 10,
  maxBackoffMs: 30,
  backoffMultiplier: 2,
};
const FAR = 1e12;
const policy = (o: Partial<RetryPolicyOptions> = {}, random = () => 0.5, budget = new RetryBudget(100, 1)) =>
  new RetryPolicy({ ...options, ...o }, budget, random);

void describe('RetryPolicy', () => {
  void test('retries exactly UNAVAILABLE, RESOURCE_EXHAUSTED and FAILED_PRECONDITION', () => {
    const codes = Object.values(Status).filter((c): c is Status => typeof c === 'number');
    const retried = codes.filter((code) => policy().afterFailure(1, code, 0, FAR).retry);
    assert.deepEqual(retried.map((c) => Status[c]).sort(), [
      'FAILED_PRECONDITION',
      'RESOURCE_EXHAUSTED',
      'UNAVAILABLE',
    ]);
    assert.deepEqual([...RETRYABLE_CODES].sort(), [...retried].sort());
    for (const never of [
      'INVALID_ARGUMENT',
      'NOT_FOUND',
      'DEADLINE_EXCEEDED',
      'CANCELLED',
      'PERMISSION_DENIED',
      'INTERNAL',
      'UNKNOWN',
    ] as const)
      assert.deepEqual(
        policy().afterFailure(1, Status[never], 0, FAR),
        { retry: false, reason: 'not-retryable' },
        never,
      );
  });

  void test('the delay is uniform below a bound that grows by the multiplier up to the maximum', () => {
    const p = policy({}, () => 0.5);
    const delays = [1, 2, 3, 4].map((attempt) => p.afterFailure(attempt, Status.UNAVAILABLE, 0, FAR));
    // bounds 10, 20, 40 -> 30, 80 -> 30; random 0.5 takes half of each.
    assert.deepEqual(
      delays,
      [5, 10, 15, 15].map((delayMs) => ({ retry: true, delayMs })),
    );
    const low = policy({}, () => 0).afterFailure(3, Status.UNAVAILABLE, 0, FAR);
    const high = policy({}, () => 0.999).afterFailure(3, Status.UNAVAILABLE, 0, FAR);
    assert.deepEqual(low, { retry: true, delayMs: 0 });
    assert.ok(high.retry && high.delayMs < 30 && high.delayMs > 29.9, JSON.stringify(high));
  });

  void test('no retry after maxAttempts attempts', () => {
    const p = policy({ maxAttempts: 3 });
    assert.equal(p.afterFailure(2, Status.UNAVAILABLE, 0, FAR).retry, true);
    assert.deepEqual(p.afterFailure(3, Status.UNAVAILABLE, 0, FAR), { retry: false, reason: 'attempts' });
    assert.deepEqual(policy({ maxAttempts: 1 }).afterFailure(1, Status.UNAVAILABLE, 0, FAR), {
      retry: false,
      reason: 'attempts',
    });
  });

  void test('no retry whose delay would reach the deadline', () => {
    const p = policy({}, () => 0.5); // first delay 5 ms
    assert.deepEqual(p.afterFailure(1, Status.UNAVAILABLE, 1000, 1005), { retry: false, reason: 'deadline' });
    assert.deepEqual(p.afterFailure(1, Status.UNAVAILABLE, 1000, 1006), { retry: true, delayMs: 5 });
  });

  void test('retryable failures take budget tokens, others do not; the budget stops retries at half', () => {
    const budget = new RetryBudget(4, 0.5);
    const p = policy({}, () => 0.5, budget);
    p.afterFailure(1, Status.INTERNAL, 0, FAR);
    p.afterFailure(1, Status.INVALID_ARGUMENT, 0, FAR);
    assert.equal(budget.tokens, 4);
    assert.equal(p.afterFailure(1, Status.UNAVAILABLE, 0, FAR).retry, true); // 3 left
    assert.deepEqual(p.afterFailure(1, Status.UNAVAILABLE, 0, FAR), { retry: false, reason: 'budget' }); // 2
    p.onSuccess(); // 2.5
    assert.equal(budget.tokens, 2.5);
    assert.equal(p.afterFailure(1, Status.RESOURCE_EXHAUSTED, 0, FAR).retry, false); // 1.5
    // A failure the attempts limit ends still counts against the budget.
    p.afterFailure(5, Status.UNAVAILABLE, 0, FAR);
    assert.equal(budget.tokens, 0.5);
  });
});

void describe('RetryBudget, one replica at a time', () => {
  void test("an unreachable replica's burst takes one token; many failing replicas still drain it", () => {
    const budget = new RetryBudget(10, 1, 1_000);
    const p = policy({}, () => 0.5, budget);
    // The link to replica a is cut: its 6 open calls fail within one attempt timeout.
    for (let i = 0; i < 6; i++)
      assert.equal(p.afterFailure(1, Status.UNAVAILABLE, 250 + i * 10, FAR, 'a').retry, true, `call ${i}`);
    assert.equal(budget.tokens, 9);
    // A second burst from a, a window later, is charged again.
    p.afterFailure(1, Status.UNAVAILABLE, 1_300, FAR, 'a');
    assert.equal(budget.tokens, 8);
    // Failures from 4 more replicas at once: one token each, and retries stop at half.
    for (const r of ['b', 'c', 'd']) p.afterFailure(1, Status.UNAVAILABLE, 1_400, FAR, r);
    assert.deepEqual(p.afterFailure(1, Status.UNAVAILABLE, 1_400, FAR, 'e'), {
      retry: false,
      reason: 'budget',
    });
  });

  void test('overload is charged every time, and a failure without a replica too', () => {
    const budget = new RetryBudget(10, 1, 1_000);
    const p = policy({}, () => 0.5, budget);
    for (let i = 0; i < 3; i++) p.afterFailure(1, Status.RESOURCE_EXHAUSTED, 0, FAR, 'a');
    assert.equal(budget.tokens, 7);
    p.afterFailure(1, Status.UNAVAILABLE, 0, FAR);
    p.afterFailure(1, Status.UNAVAILABLE, 0, FAR);
    assert.equal(budget.tokens, 5);
  });
});

void describe('RetryBudget', () => {
  void test('starts full, never goes below 0 or above its size, allows retries above half', () => {
    const budget = new RetryBudget(10, 1);
    assert.equal(budget.tokens, 10);
    for (let i = 0; i < 4; i++) budget.onFailure();
    assert.equal(budget.canRetry, true); // 6 > 5
    budget.onFailure();
    assert.equal(budget.canRetry, false); // 5 is not above 5
    for (let i = 0; i < 20; i++) budget.onFailure();
    assert.equal(budget.tokens, 0);
    budget.onSuccess();
    assert.equal(budget.tokens, 1);
    for (let i = 0; i < 20; i++) budget.onSuccess();
    assert.equal(budget.tokens, 10);
    assert.equal(budget.canRetry, true);
  });

  void test('with one success refunding one failure, one dead replica of two never throttles', () => {
    const budget = new RetryBudget(10, 1);
    // Worst case: every request tries the dead replica first, then succeeds on the live one.
    for (let i = 0; i < 1000; i++) {
      budget.onFailure();
      assert.equal(budget.canRetry, true);
      budget.onSuccess();
    }
    // When failures outnumber successes two to one, the budget closes.
    const failing = new RetryBudget(10, 1);
    let allowed = 0;
    for (let i = 0; i < 100; i++) {
      failing.onFailure();
      if (failing.canRetry) allowed += 1;
      failing.onFailure();
      failing.onSuccess();
    }
    assert.ok(allowed < 10, `${allowed} retries allowed`);
  });
});
