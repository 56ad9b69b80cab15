import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { topSelfTime, type CpuProfile } from './cpu-profile.js';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)') },
    { id: 2, callFrame: frame('(idle)') },
    { id: 3, callFrame: frame('merge', 'file:///srv/shardmesh/dist/services/router/merge.js', 9) },
    // The same function reached by another path: its time adds up.
    { id: 4, callFrame: frame('merge', 'file:///srv/shardmesh/dist/services/router/merge.js', 9) },
    { id: 5, callFrame: frame('(garbage collector)') },
    { id: 6, callFrame: frame('', 'node:internal/http2/core', 99) },
    { id: 7, callFrame: frame('') },
  ],
  samples: [2, 3, 4, 5, 6, 7, 2],
  timeDeltas: [10_000, 2_000, 1_000, 500, 500, 250, 50_000],
};

describe('cpu profile summary', () => {
  test('sums self time per function, leaves out (idle), and shares are of the busy time', () => {
    assert.deepEqual(topSelfTime(profile), [
      { name: 'merge dist/services/router/merge.js:10', selfMs: 3, percentOfBusy: 70.58823529411765 },
      { name: '(garbage collector)', selfMs: 0.5, percentOfBusy: 11.764705882352942 },
      { name: '(anonymous) node:internal/http2/core:100', selfMs: 0.5, percentOfBusy: 11.764705882352942 },
      // A frame without a script: native code (an addon such as ONNX Runtime).
      { name: '(anonymous) [native]', selfMs: 0.25, percentOfBusy: 5.882352941176471 },
    ]);
    assert.equal(topSelfTime(profile, 1).length, 1);
  });
});
