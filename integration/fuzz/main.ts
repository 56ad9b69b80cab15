import { Command, InvalidArgumentError } from 'commander';
import { formatCounts, runFuzz } from './run-fuzz.js';
import { startFuzzMesh } from './fuzz-mesh.js';

// `npm run fuzz -- --cases 100000 [--seed N]`: the hostile-input fuzz of `integration/fuzz.test.ts`
// for long runs, against the same mesh. Prints the counts and every broken promise; exits 1 if
// there is one, so a run can gate a release.

const count = (value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
};

const program = new Command('fuzz')
  .description('hostile-input fuzz of a real router and shards')
  .option('--cases <n>', 'cases to run', count, 100_000)
  .option('--seed <n>', 'seed of the case generator (default: from the clock, printed)', count)
  .option('--concurrency <n>', 'calls in flight', count, 8)
  .option('--deadline-ms <n>', "each call's gRPC deadline", count, 30_000)
  .option(
    '--only <indices>',
    'run only these cases of the seed, to repeat a reported one (e.g. --seed 99 --only 18623,20731)',
    (value: string) => value.split(',').map(count),
  )
  .parse();

const options = program.opts<{
  cases: number;
  seed?: number;
  concurrency: number;
  deadlineMs: number;
  only?: number[];
}>();
const seed = options.seed ?? Date.now() % 2 ** 31;
console.log(
  `fuzz: ${options.only ? `cases ${options.only.join(', ')}` : `${options.cases} cases`}, seed ${seed}, ` +
    `concurrency ${options.concurrency}`,
);
const fuzz = await startFuzzMesh();
let failed = true;
try {
  const report = await runFuzz(fuzz.session, fuzz.models, {
    seed,
    cases: options.cases,
    ...(options.only ? { only: options.only } : {}),
    concurrency: options.concurrency,
    deadlineMs: options.deadlineMs,
    progress: { every: 5_000, report: (done) => console.log(`  ${done} cases`) },
  });
  const children = [fuzz.mesh.router, ...fuzz.mesh.shards.values()];
  const dead = children.filter((c) => c.process.exitCode !== null || c.process.signalCode !== null);
  console.log(formatCounts(report.counts));
  console.log(
    `hangs ${report.hangs}, dead processes ${dead.length}, connections ${fuzz.session.connections}, ` +
      `largest status message ${report.maxDetailsBytes} bytes (${report.maxDetailsWireBytes} on the wire)`,
  );
  console.log(
    `${report.load.length} valid requests met load (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED)`,
  );
  for (const l of report.load) console.log(`  load: ${l}`);
  for (const v of report.violations) console.log(`  ${v}`);
  failed = report.violations.length > 0 || dead.length > 0 || fuzz.session.connections !== 1;
} finally {
  await fuzz.stop();
}
process.exitCode = failed ? 1 : 0;
