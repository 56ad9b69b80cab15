import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cpuMs, parseProcStat, processTree, treeCpuMs, type ProcStat } from './process-cpu.js';

// A real line from /proc/PID/stat, with a command name that holds spaces and parentheses.
const LINE =
  '4242 (node (router) x) S 4200 4242 4200 0 -1 4194560 1234 0 0 0 250 37 0 0 20 0 11 0 987654 ' +
  '1234567890 54321 18446744073709551615 1 1 0 0 0 0 0 16781312 17410 0 0 0 17 1 0 0 0 0 0\n';

const stat = (pid: number, ppid: number, ticks: number): ProcStat => ({
  pid,
  ppid,
  comm: `p${pid}`,
  utimeTicks: ticks,
  stimeTicks: 0,
});

describe('/proc/PID/stat', () => {
  test('fields are counted from the last parenthesis, so a name with spaces and ")" parses', () => {
    assert.deepEqual(parseProcStat(LINE), {
      pid: 4242,
      comm: 'node (router) x',
      ppid: 4200,
      utimeTicks: 250,
      stimeTicks: 37,
    });
  });

  test('utime + stime in ticks become milliseconds', () => {
    assert.equal(cpuMs(parseProcStat(LINE), 100), 2_870);
    assert.equal(cpuMs(parseProcStat(LINE), 1_000), 287);
  });

  test('a line that is not a stat line is refused', () => {
    assert.throws(() => parseProcStat('garbage'), /not a \/proc\/PID\/stat line/);
    assert.throws(() => parseProcStat('1 (x) S 0 1 2'), /field 14/);
  });

  test("a process tree holds the root and every descendant, not its parent's other children", () => {
    const stats = [stat(1, 0, 1), stat(10, 1, 2), stat(11, 10, 4), stat(12, 11, 8), stat(20, 1, 16)];
    assert.deepEqual(
      processTree(stats, 10).map((s) => s.pid),
      [10, 11, 12],
    );
    assert.deepEqual(processTree(stats, 99), []);
  });

  test("this process's CPU, read from /proc, follows what process.cpuUsage says", async () => {
    const usage = process.cpuUsage();
    const before = (await treeCpuMs([process.pid])).get(process.pid)!;
    // Burn 200 ms of CPU (not of wall time: the machine may be shared).
    const burn = process.cpuUsage();
    let x = 0;
    while ((({ user, system }) => user + system)(process.cpuUsage(burn)) < 200_000) x += Math.sqrt(x + 1);
    assert.ok(x > 0);
    const after = (await treeCpuMs([process.pid])).get(process.pid)!;
    const spent = process.cpuUsage(usage);
    const span = (spent.user + spent.system) / 1_000;
    // /proc counts in 10 ms ticks: its delta lies within the span cpuUsage saw around it.
    assert.ok(after - before >= 180, `/proc ${after - before} ms for 200 ms of CPU`);
    assert.ok(after - before <= span + 20, `/proc ${after - before} ms, cpuUsage ${span} ms around it`);
  });
});
