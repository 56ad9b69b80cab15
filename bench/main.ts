#!/usr/bin/env node
/**
 * `npm run bench [-- --quick] [-- --suites overhead,fan-out] [-- --profile]`: runs the benchmark
 * suites and writes bench/results/RUN_ID.json, RUN_ID.md (the report, with ratios to the previous
 * run of the same mode) and RUN_ID.png (the chart), with perf_analyzer's CSVs, every server's log
 * and, with --profile, each router's and shard's .cpuprofile under bench/results/RUN_ID/. Never part of `npm test`, and never
 * fails on timing: a suite or a server that cannot be measured is reported with what went wrong.
 */
import { Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dropIpServernameWarning } from '../cli/ip-servername-warning.js';
import { PACKAGE_ROOT } from '../cli/paths.js';
import { FULL_PROFILE, QUICK_PROFILE } from './bench-profile.js';
import { renderChart } from './chart.js';
import { describeEnvironment } from './environment.js';
import { KSERVE } from './peers/kserve/kserve-peer.js';
import { MLSERVER } from './peers/mlserver/mlserver-peer.js';
import type { Peer } from './peers/peer.js';
import { findPreviousRun } from './previous-run.js';
import { renderReport } from './report.js';
import { goalMet, headlineFigures } from './report/goals.js';
import type { BenchResults } from './results.js';
import type { SuiteContext } from './suite-context.js';
import { runBigModelSuite } from './suites/big-model.js';
import { runDynamicBatchingSuite } from './suites/dynamic-batching.js';
import { runFanOutSuite } from './suites/fan-out.js';
import { runLargeTensorsSuite } from './suites/large-tensors.js';
import { runOverheadSuite } from './suites/overhead.js';

dropIpServernameWarning();

const SUITES = {
  overhead: runOverheadSuite,
  'large-tensors': runLargeTensorsSuite,
  'big-model': runBigModelSuite,
  'fan-out': runFanOutSuite,
  'dynamic-batching': runDynamicBatchingSuite,
} as const;
type SuiteName = keyof typeof SUITES;
const RESULT_KEYS: Record<SuiteName, keyof BenchResults['suites']> = {
  overhead: 'overhead',
  'large-tensors': 'largeTensors',
  'big-model': 'bigModel',
  'fan-out': 'fanOut',
  'dynamic-batching': 'dynamicBatching',
};
const ALL_PEERS: readonly Peer[] = [MLSERVER, KSERVE];

interface CliOptions {
  quick: boolean;
  suites: string;
  peers: string;
  out: string;
  profile: boolean;
}

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

function parseList<T extends string>(value: string, allowed: readonly T[], option: string): T[] {
  const items = value.split(',').filter((s) => s !== '');
  for (const item of items) {
    if (!allowed.includes(item as T))
      throw new TypeError(`${option}: unknown "${item}" (one of ${allowed.join(', ')})`);
  }
  return items as T[];
}

async function main(o: CliOptions): Promise<void> {
  const suiteNames = parseList(o.suites, Object.keys(SUITES) as SuiteName[], '--suites');
  const peerIds = parseList(
    o.peers,
    ALL_PEERS.map((p) => p.id),
    '--peers',
  );
  const profile = o.quick ? QUICK_PROFILE : FULL_PROFILE;
  const runId = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}${o.quick ? '-quick' : ''}${o.profile ? '-profile' : ''}`;
  const outDir = path.resolve(o.out);
  const workDir = path.join(outDir, runId);
  await mkdir(workDir, { recursive: true });
  const args = process.argv.slice(2);
  const command = args.length > 0 ? `npm run bench -- ${args.join(' ')}` : 'npm run bench';
  const chosenPeers = ALL_PEERS.filter((p) => peerIds.includes(p.id));
  const environment = await describeEnvironment(chosenPeers);
  const previous = await findPreviousRun(
    outDir,
    runId,
    { quick: profile.quick, profile: o.profile },
    suiteNames.map((name) => RESULT_KEYS[name]),
  );
  const results: BenchResults = {
    runId,
    quick: profile.quick,
    ...(o.profile ? { profile: true, profiles: [] } : {}),
    ...(previous ? { previousRunId: previous.runId } : {}),
    command,
    startedAt: new Date().toISOString(),
    environment,
    suites: {},
    timingsSec: {},
  };
  for (const [id, peer] of Object.entries(environment.peers)) {
    if (peer.error) log(`${id}: ${peer.error}; it is left out and the report says so`);
  }
  const ctx: SuiteContext = {
    profile,
    modelsDir: path.join(PACKAGE_ROOT, '.shardmesh', 'bench', 'models'),
    workDir,
    peers: chosenPeers.map((peer) => ({
      peer,
      ...(environment.peers[peer.id]?.error ? { error: environment.peers[peer.id]!.error } : {}),
    })),
    command,
    cpuProfile: o.profile,
    profiles: results.profiles ?? [],
    log,
  };
  const jsonFile = path.join(outDir, `${runId}.json`);
  const save = (): Promise<void> => writeFile(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
  const started = Date.now();
  for (const name of suiteNames) {
    const t0 = Date.now();
    log(`suite ${name}`);
    try {
      (results.suites as Record<string, unknown>)[RESULT_KEYS[name]] = await SUITES[name](ctx);
    } catch (error) {
      log(`suite ${name} failed: ${(error as Error).stack ?? String(error)}`);
      (results.suites as Record<string, unknown>)[RESULT_KEYS[name]] = { error: (error as Error).message };
    }
    results.timingsSec[name] = Math.round((Date.now() - t0) / 100) / 10;
    await save();
  }
  results.finishedAt = new Date().toISOString();
  results.goals = headlineFigures(results).map((f) => ({
    key: f.key,
    label: f.label,
    ...(f.value === undefined ? {} : { value: f.value }),
    ...(f.spread ? { spread: f.spread, singlePass: f.singlePass } : {}),
    unit: f.unit,
    ...(f.goal ? { goal: `${f.goal.op} ${f.goal.value}` } : {}),
    met: goalMet(f.value, f.goal).replace(/\*/g, ''),
  }));
  results.timingsSec['total'] = Math.round((Date.now() - started) / 100) / 10;
  await save();
  const pngFile = path.join(outDir, `${runId}.png`);
  const chart = await renderChart(jsonFile, pngFile);
  if (chart.error) log(`chart not drawn: ${chart.error}`);
  const reportFile = path.join(outDir, `${runId}.md`);
  await writeFile(
    reportFile,
    renderReport(results, chart.error ? undefined : path.basename(pngFile), previous),
  );
  log(
    `wrote ${path.relative(process.cwd(), jsonFile)}, ${path.relative(process.cwd(), reportFile)}${chart.error ? '' : `, ${path.relative(process.cwd(), pngFile)}`}`,
  );
  log(`done in ${results.timingsSec['total']} s`);
}

const program = new Command('bench')
  .description('benchmark shardmesh against the floor and its peers (MLServer, KServe) with perf_analyzer')
  .option(
    '--quick',
    'short windows and a 256 MiB stand-in for the 1 GiB model (about 22 minutes on 2 cores)',
    false,
  )
  .option(
    '--suites <list>',
    `comma-separated suites (${Object.keys(SUITES).join(', ')})`,
    Object.keys(SUITES).join(','),
  )
  .option(
    '--peers <list>',
    `comma-separated peers to compare (${ALL_PEERS.map((p) => p.id).join(', ')})`,
    ALL_PEERS.map((p) => p.id).join(','),
  )
  .option(
    '--profile',
    "run V8's CPU profiler in every router and shard; their .cpuprofile files go to RUN_ID/profiles/ and the report names them",
    false,
  )
  .option('--out <dir>', 'where results go', path.join(PACKAGE_ROOT, 'bench', 'results'))
  .action((o: CliOptions) => main(o));

program.parseAsync().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
