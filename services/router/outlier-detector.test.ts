import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from './manual-clock.js';
import { OutlierDetector } from './outlier-detector.js';

const setup = (consecutiveFailures = 3) => {
  const clock = new ManualClock();
  const detector = new OutlierDetector(
    { consecutiveFailures, baseEjectionMs: 1_000, maxEjectionMs: 2_500 },
    clock,
  );
  return { clock, detector };
};
const pair = ['a', 'b'];

void describe('OutlierDetector', () => {
  void test('ejects after N failures in a row, for the base time', async () => {
    const { clock, detector } = setup();
    assert.equal(detector.onFailure('a', pair), undefined);
    assert.equal(detector.onFailure('a', pair), undefined);
    assert.equal(detector.isEjected('a'), false);
    assert.equal(detector.onFailure('a', pair), 1_000);
    assert.equal(detector.isEjected('a'), true);
    assert.equal(detector.isEjected('b'), false);
    await clock.advance(999);
    assert.equal(detector.isEjected('a'), true);
    await clock.advance(1);
    assert.equal(detector.isEjected('a'), false);
  });

  void test('a success between failures resets the count', () => {
    const { detector } = setup();
    detector.onFailure('a', pair);
    detector.onFailure('a', pair);
    detector.onSuccess('a');
    detector.onFailure('a', pair);
    detector.onFailure('a', pair);
    assert.equal(detector.isEjected('a'), false);
  });

  void test('a readmitted replica that fails again is ejected at once, for longer, up to the cap', async () => {
    const { clock, detector } = setup();
    for (let i = 0; i < 3; i++) detector.onFailure('a', pair);
    await clock.advance(1_000);
    assert.equal(detector.onFailure('a', pair), 2_000);
    await clock.advance(2_000);
    assert.equal(detector.onFailure('a', pair), 2_500);
  });

  void test('the ejection multiplier restarts after maxEjectionMs without an ejection', async () => {
    const { clock, detector } = setup();
    for (let i = 0; i < 3; i++) detector.onFailure('a', pair);
    await clock.advance(1_000 + 2_501);
    assert.equal(detector.onFailure('a', pair), 1_000);
  });

  void test("never ejects a partition's last admitted replica", () => {
    const { detector } = setup(1);
    assert.equal(detector.onFailure('a', pair), 1_000);
    assert.equal(detector.onFailure('b', pair), undefined, 'b is the only one left');
    assert.equal(detector.isEjected('b'), false);
    assert.equal(detector.onFailure('c', ['c']), undefined, 'a lone replica');
  });

  void test('consecutiveFailures 0 never ejects', () => {
    const { detector } = setup(0);
    for (let i = 0; i < 10; i++) assert.equal(detector.onFailure('a', pair), undefined);
    assert.equal(detector.isEjected('a'), false);
  });
});
