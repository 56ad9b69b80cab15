import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { CLI_ENTRY } from '../cli/paths.js';
import { mulberry32 } from '../lib/random.js';
import { runModel } from '../partition/verify/verify.js';
import { toolPath } from './harness/tools.js';
import { alive, childrenOf, startUp, type Up } from './harness/up-process.js';

/**
 * `shardmesh up` and `shardmesh infer` as a user runs them: real processes of this build, in an
 * empty temporary folder (so `.shardmesh/` is the test's own, never the repository's), the router
 * on a free port (`--port 0`). The answer is checked against ONNX Runtime running the unsplit demo
 * model that `up` wrote to `.shardmesh/originals/`, and SIGTERM must leave no process behind.
 */

async function shardmesh(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI_ENTRY, ...args], {
    cwd,
    timeout: 60_000,
  });
  return stdout;
}

/** What `shardmesh infer --seed S` sends for input `i`: mulberry32(S + i) scaled to [-1, 1). */
function seededValues(count: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: count }, () => next() * 2 - 1);
}

void describe('shardmesh up, then shardmesh infer', () => {
  let cwd: string;
  let up: Up;
  let children: { pid: number; cmdline: string }[];

  before(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'shardmesh-up-'));
    // Info: the children's log files (checked below) hold their start-up lines.
    up = await startUp(cwd, ['--port', '0', '--metrics-port', '0', '--partitions', '2'], {
      SHARDMESH_LOG_LEVEL: 'info',
    });
    children = await childrenOf(up.process.pid!);
  });
  after(async () => {
    if (up?.process.exitCode === null && up.process.signalCode === null) up.process.kill('SIGKILL');
    for (const child of children ?? []) if (await alive(child.pid)) process.kill(child.pid, 'SIGKILL');
    await rm(cwd, { recursive: true, force: true });
  });

  void test('up starts a router on a free port and one shard process per partition', () => {
    assert.match(up.address, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(up.address, '127.0.0.1:8001');
    const roles = children.map((c) => / (router|shard) /.exec(`${c.cmdline} `)?.[1]).sort();
    assert.deepEqual(roles, ['router', 'shard', 'shard'], JSON.stringify(children));
  });

  void test('infer --json answers what ONNX Runtime computes on the unsplit demo model', async () => {
    const seed = 3;
    const answer = JSON.parse(
      await shardmesh(
        cwd,
        'infer',
        'mlp',
        '--address',
        up.address,
        '--certs',
        '.shardmesh/certs',
        '--seed',
        `${seed}`,
        '--json',
      ),
    ) as { model: string; outputs: { name: string; datatype: string; shape: number[]; data: number[] }[] };

    // The demo MLP's one input is x [1, 8] (cli/demo-request.ts); infer fills input i from seed + i.
    const x = seededValues(8, seed);
    const expected = await runModel(path.join(cwd, '.shardmesh', 'originals', 'mlp.onnx'), [
      { name: 'x', datatype: 'FP32', shape: [1, 8], data: Buffer.from(x.buffer, x.byteOffset, x.byteLength) },
    ]);
    assert.equal(answer.model, 'mlp');
    assert.deepEqual(
      answer.outputs.map((o) => [o.name, o.datatype, o.shape]),
      expected.map((t) => [t.name, 'FP32', [1, 32]]),
    );
    for (const [k, out] of answer.outputs.entries()) {
      const want = expected[k]!.data;
      const wanted = new Float32Array(want.buffer, want.byteOffset, want.byteLength / 4);
      assert.equal(out.data.length, wanted.length);
      // Tensor parallel: the router sums two partial products, so rounding may differ in the last bits.
      out.data.forEach((v, i) =>
        assert.ok(
          Math.abs(v - wanted[i]!) <= 1e-5 * Math.max(1, Math.abs(wanted[i]!)),
          `${out.name}[${i}]: ${v} vs ${wanted[i]}`,
        ),
      );
      assert.ok(
        wanted.some((v) => v !== 0),
        'the model computes something',
      );
    }
  });

  void test("infer fills INT32 and BYTES inputs and prints what Triton's simple models compute", async () => {
    type Shown = { name: string; datatype: string; shape: number[]; data: (number | string)[] };
    for (const model of ['simple', 'simple_string']) {
      const answer = JSON.parse(
        await shardmesh(
          cwd,
          'infer',
          model,
          '--address',
          up.address,
          '--certs',
          '.shardmesh/certs',
          '--json',
        ),
      ) as { inputs: Shown[]; outputs: Shown[] };
      const [a, b] = answer.inputs.map((t) => t.data.map(Number));
      const want = {
        OUTPUT0: a!.map((v, i) => v + b![i]!),
        OUTPUT1: a!.map((v, i) => v - b![i]!),
      };
      const datatype = model === 'simple' ? 'INT32' : 'BYTES';
      assert.deepEqual(
        answer.inputs.map((t) => [t.name, t.datatype, t.shape]),
        [
          ['INPUT0', datatype, [1, 16]],
          ['INPUT1', datatype, [1, 16]],
        ],
      );
      assert.notDeepEqual(a, b, 'each input is seeded apart');
      for (const out of answer.outputs) {
        assert.equal(out.datatype, datatype, out.name);
        // BYTES outputs come back as text, the numbers Triton's simple_string prints.
        if (datatype === 'BYTES') assert.ok(out.data.every((v) => typeof v === 'string'));
        assert.deepEqual(out.data.map(Number), want[out.name as keyof typeof want], `${model} ${out.name}`);
      }
    }
  });

  void test('infer without --json prints each output, its first values and the time', async () => {
    const text = await shardmesh(cwd, 'infer', 'mlp', '--address', up.address, '--certs', '.shardmesh/certs');
    assert.match(text, /^\S+ FP32 \[1,32\] first( -?\d\.\d+(e-?\d+)?){6}\n\d+\.\d ms\n$/);
  });

  void test("up's printed grpcurl lines answer, with the client certificate and with the bearer token", async () => {
    // The lines as printed, run by a shell in up's folder; only grpcurl's path differs (the
    // repository's .tools, not the test folder's).
    const lines = up
      .stdout()
      .split('\n')
      .filter((l) => l.trim().startsWith('.tools/bin/grpcurl'));
    assert.equal(lines.length, 2, up.stdout());
    assert.match(lines[1]!, /-H 'authorization: Bearer [\w-]+\.[\w-]+\.[\w-]+'/);
    assert.doesNotMatch(lines[1]!, / -cert /);
    for (const line of lines) {
      const { stdout } = await promisify(execFile)(
        'bash',
        ['-c', line.trim().replace('.tools/bin/grpcurl', toolPath('bin/grpcurl'))],
        { cwd, timeout: 60_000 },
      );
      assert.match(stdout, /"model_name": "mlp"/);
    }
  });

  void test('up prints a short line per process, and each process logs JSON lines to its own file', async () => {
    const started = up.stdout().match(/^started \S+ +127\.0\.0\.1:\d+ {2}log \S+$/gm) ?? [];
    assert.deepEqual(
      started.map((l) => l.split(/\s+/)[1]).sort(),
      ['router', 'shard-0', 'shard-1'],
      up.stdout(),
    );
    for (const line of started) {
      const file = line.split(' log ')[1]!;
      assert.match(file, /^\.shardmesh\/logs\/(router|shard-\d)\.log$/);
      const first = (await readFile(path.join(cwd, file), 'utf8')).split('\n')[0]!;
      const component = (JSON.parse(first) as { component?: string }).component ?? '';
      assert.equal(component.split(':')[0], file.includes('router') ? 'router' : 'shard', first);
    }
    assert.doesNotMatch(up.stderr(), /"level":/, 'no JSON log line on the terminal without --verbose');
  });

  void test('SIGTERM stops the mesh: up exits 0, its children are gone, the shards deregistered', async () => {
    up.process.kill('SIGTERM');
    const [code, signal] = await up.exited;
    assert.equal(signal, null, up.stderr());
    assert.equal(code, 0, up.stderr());
    const left = [];
    for (const c of children) if (await alive(c.pid)) left.push(c);
    assert.deepEqual(left, []);
    const registry = await readdir(path.join(cwd, '.shardmesh', 'registry')).catch(() => []);
    assert.deepEqual(
      registry.filter((f) => f.endsWith('.json')),
      [],
      'no heartbeat record left',
    );
  });
});
