import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { status as Status } from '@grpc/grpc-js';
import { ByteBudget } from './byte-budget.js';
import { ServiceError } from './grpc/service-error.js';

const exhausted = (error: unknown): boolean =>
  error instanceof ServiceError &&
  error.code === Status.RESOURCE_EXHAUSTED &&
  /router's in-flight byte budget/.test(error.details) &&
  /not your quota/.test(error.details);

void describe('ByteBudget', () => {
  test('reservations add up to the limit; one byte more is RESOURCE_EXHAUSTED and holds nothing', () => {
    const budget = new ByteBudget(100, 'router');
    const a = budget.open();
    const b = budget.open();
    a.grow(60);
    b.grow(40);
    assert.equal(budget.inUseBytes, 100);
    const c = budget.open();
    assert.throws(() => c.grow(1), exhausted);
    assert.equal(c.bytes, 0);
    assert.equal(budget.inUseBytes, 100);
    a.release();
    assert.equal(budget.inUseBytes, 40);
    c.grow(60);
    assert.equal(budget.inUseBytes, 100);
  });

  test('release is idempotent and a released reservation ignores growth and resizing', () => {
    const budget = new ByteBudget(100, 'shard');
    const r = budget.open();
    r.grow(30);
    r.release();
    r.release();
    r.grow(50);
    r.resize(70);
    assert.equal(budget.inUseBytes, 0);
    assert.equal(r.bytes, 0);
    assert.ok(r.released);
  });

  test('resize sets what is held, past the limit if the bytes exist already', () => {
    const budget = new ByteBudget(100, 'router');
    const r = budget.open();
    r.grow(10);
    r.resize(150);
    assert.equal(budget.inUseBytes, 150);
    assert.throws(() => budget.open().grow(1), exhausted);
    r.resize(20);
    assert.equal(budget.inUseBytes, 20);
    r.release();
    assert.equal(budget.inUseBytes, 0);
  });

  test('a request larger than the whole budget is told so', () => {
    const budget = new ByteBudget(100, 'router');
    assert.throws(
      () => budget.open().grow(101),
      (e: unknown) =>
        exhausted(e) && /smaller than this request, which needs 101 bytes/.test((e as Error).message),
    );
  });

  test('a limit that is not a positive whole number is refused, naming the option', () => {
    for (const bad of [0, -1, 1.5, NaN, Infinity])
      assert.throws(() => new ByteBudget(bad, 'router'), /maxInflightBytes/);
  });
});
