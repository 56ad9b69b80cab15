import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCsv } from './perf-analyzer.js';

// perf_analyzer 2.60.0's `-f` exports, as written against shardmesh (server statistics present)
// and against a peer whose statistics are all zero (server columns left out).
const WITH_SERVER =
  'Concurrency,Inferences/Second,Client Send,Network+Server Send/Recv,Server Queue,Server Compute Input,' +
  'Server Compute Infer,Server Compute Output,Client Recv,p50 latency,p90 latency,p95 latency,p99 latency\n' +
  '1,126.201,14,7805,0,0,0,0,3,5567,14936,20704,32292\n';
const CLIENT_ONLY =
  'Concurrency,Inferences/Second,Client Send,Client Recv,p50 latency,p90 latency,p95 latency,p99 latency\n' +
  '4,475.654,8,1,1773,2157,3938,7259\n';

describe('parseCsv', () => {
  test('reads columns by their header, whichever columns perf_analyzer wrote', () => {
    const [a] = parseCsv(WITH_SERVER);
    assert.equal(a?.['Concurrency'], '1');
    assert.equal(a?.['Inferences/Second'], '126.201');
    assert.equal(a?.['p50 latency'], '5567');
    assert.equal(a?.['p99 latency'], '32292');
    const [b] = parseCsv(CLIENT_ONLY);
    assert.equal(b?.['Concurrency'], '4');
    assert.equal(b?.['p99 latency'], '7259');
  });

  test('one row per load level, blank lines ignored', () => {
    const rows = parseCsv(`${CLIENT_ONLY}8,500,1,1,10,20,30,40\n\n`);
    assert.deepEqual(
      rows.map((r) => r['Concurrency']),
      ['4', '8'],
    );
  });
});
