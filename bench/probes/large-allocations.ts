// Where a router's or shard's large Buffers come from: preload it into the children of a probe run
// and each writes, when it exits, the call sites that allocated Buffers of 16 KiB or more, by bytes.
//
//   NODE_OPTIONS="--import $PWD/dist/bench/probes/large-allocations.js" LARGE_ALLOCATIONS_DIR=/tmp/a \
//     node dist/bench/probes/router-hop.js --model cls --concurrency 16 --seconds 10
//   head /tmp/a/router-*.txt /tmp/a/shard-*.txt
//
// Each such Buffer is a fresh ArrayBuffer outside V8's heap, counted as external memory: enough of
// them between two scavenges makes V8 run a full mark-compact (the probe's `markCompactFlags`
// 64). Buffer.alloc* calls are seen (Buffer.concat's too); node:http2's own chunk buffers are not.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const MIN_BYTES = 16 << 10;
const FRAMES = 7;
const dir = process.env['LARGE_ALLOCATIONS_DIR'];
const role = ['router', 'shard'].find((r) => process.argv.includes(r));

if (dir !== undefined && role !== undefined) {
  const sites = new Map<string, { count: number; bytes: number }>();
  const record = (kind: string, bytes: number): void => {
    if (bytes < MIN_BYTES) return;
    const stack = (new Error().stack ?? '').split('\n').slice(3, 3 + FRAMES);
    const key = `${kind} ${stack.map((l) => l.trim().replace(/^at /, '')).join(' < ')}`;
    const site = sites.get(key) ?? { count: 0, bytes: 0 };
    site.count += 1;
    site.bytes += bytes;
    sites.set(key, site);
  };
  for (const name of ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const) {
    const original = Buffer[name] as (size: number, ...rest: unknown[]) => Buffer;
    (Buffer as unknown as Record<string, unknown>)[name] = function (size: number, ...rest: unknown[]) {
      record(name, size);
      return original.call(Buffer, size, ...rest);
    };
  }
  process.on('exit', () => {
    mkdirSync(dir, { recursive: true });
    const lines = [...sites]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .map(([site, s]) => `${(s.bytes / 2 ** 20).toFixed(1)} MiB  ${s.count}×  ${site}`);
    writeFileSync(path.join(dir, `${role}-${process.pid}.txt`), `${lines.join('\n')}\n`);
  });
}
