import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { childNodeOptions } from './bench-mesh.js';
import { topSelfTime, type CpuProfile } from './cpu-profile.js';
import { CostMeter, readGcTotals } from './process-cost.js';
import { treeCpuMs } from './process-cpu.js';
import { GC_DIR_ENV, PROFILE_DIR_ENV } from './process-probe.js';

// Allocates short-lived garbage and burns CPU in a named function until stdin closes, then exits
// normally (which is when the probe writes the profile).
const CHILD = `
function burnForProfile() { let a = []; for (let i = 0; i < 20000; i++) a.push({ i, s: 'x' + i }); return a.length; }
const timer = setInterval(burnForProfile, 1);
process.stdin.on('data', () => {});
process.stdin.on('end', () => { clearInterval(timer); process.exit(0); });
process.stdout.write('ready\\n');
`;

let dir: string;
const children: ChildProcess[] = [];

async function startChild(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', CHILD], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  await once(child.stdout!, 'data');
  return child;
}

describe('the process probe (preloaded with NODE_OPTIONS)', () => {
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bench-probe-'));
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  test('answers GC totals on request, and a meter turns them and /proc into costs per request', async () => {
    const child = await startChild({ NODE_OPTIONS: childNodeOptions(undefined), [GC_DIR_ENV]: dir });
    const pid = child.pid!;
    const first = await readGcTotals(dir, pid);
    assert.ok(first, 'the probe answered');
    const meter = new CostMeter([{ name: 'child', pid }], dir);
    await meter.start();
    // Wait (by what the probe reports, not a fixed sleep) until the child has collected again.
    let now = first;
    for (let i = 0; now.count <= first.count + 2 && i < 1_000; i++) now = (await readGcTotals(dir, pid))!;
    assert.ok(now.seq > first.seq);
    assert.ok(now.ms > 0 && (now.byKind['minor']?.count ?? 0) > 0, JSON.stringify(now));
    const cost = await meter.finish({ exact: 4 });
    assert.equal(cost.requests, 4);
    assert.equal(cost.requestsFrom, 'router statistics');
    const [p] = cost.processes;
    assert.equal(p?.name, 'child');
    assert.ok(p.gc && p.gc.count >= 3, JSON.stringify(p));
    assert.equal(p.gc.msPerRequest, p.gc.ms / 4);
    assert.ok(p.cpuMs >= 0 && p.cpuMsPerRequest === p.cpuMs / 4);
  });

  test('a process without the probe is never signalled (SIGUSR2 would end it)', async () => {
    const child = await startChild({});
    assert.equal(await readGcTotals(dir, child.pid!), undefined);
    const meter = new CostMeter([{ name: 'plain', pid: child.pid! }], dir);
    await meter.start();
    const cost = await meter.finish({ throughputPerSec: 1_000 });
    assert.equal(cost.requestsFrom, 'throughput × wall');
    assert.equal(cost.processes[0]?.gc, undefined);
    assert.equal(child.exitCode, null);
    assert.equal(child.signalCode, null);
  });

  test('writes a CPU profile when the process exits', async () => {
    const profiles = path.join(dir, 'profiles');
    await mkdir(profiles);
    const child = await startChild({
      NODE_OPTIONS: childNodeOptions(undefined),
      [PROFILE_DIR_ENV]: profiles,
    });
    const exited = once(child, 'exit');
    // Let it burn 200 ms of CPU (by /proc, not a fixed sleep), then end it the normal way.
    const start = (await treeCpuMs([child.pid!])).get(child.pid!)!;
    while ((await treeCpuMs([child.pid!])).get(child.pid!)! - start < 200)
      await new Promise((resolve) => setTimeout(resolve, 20));
    child.stdin!.end();
    await exited;
    const file = path.join(profiles, `${child.pid}.cpuprofile`);
    assert.ok(existsSync(file), `${file} written`);
    const top = topSelfTime(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, 20);
    assert.ok(
      top.some((e) => e.name.startsWith('burnForProfile')),
      top.map((e) => e.name).join(', '),
    );
  });

  test('with GC totals on too, profiling starts at the first request for them, not at start-up', async () => {
    const profiles = path.join(dir, 'profiles-windowed');
    await mkdir(profiles);
    const env = { NODE_OPTIONS: childNodeOptions(undefined), [GC_DIR_ENV]: dir, [PROFILE_DIR_ENV]: profiles };
    const idle = await startChild(env);
    const idleExit = once(idle, 'exit');
    idle.stdin!.end();
    await idleExit;
    assert.equal(existsSync(path.join(profiles, `${idle.pid}.cpuprofile`)), false, 'never asked: no profile');
    const child = await startChild(env);
    assert.ok(await readGcTotals(dir, child.pid!));
    const exited = once(child, 'exit');
    child.stdin!.end();
    await exited;
    assert.ok(existsSync(path.join(profiles, `${child.pid}.cpuprofile`)), 'asked once: a profile');
  });
});
