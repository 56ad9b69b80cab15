import { storeTlsFiles } from '../certs/store.js';
import type { BenchMesh } from './bench-mesh.js';
import {
  runPerfAnalyzer,
  warmUp,
  type LoadPoint,
  type MeasurementSettings,
  type PerfAnalyzerRun,
  type WarmUp,
} from './perf-analyzer.js';
import { CostMeter } from './process-cost.js';

/** Where a router's model is, as perf_analyzer runs against it: mutual TLS with the client certificate. */
export interface RouterRun {
  readonly mesh: BenchMesh;
  readonly certsDir: string;
  readonly model: string;
  readonly inputData: string;
  readonly outDir: string;
  readonly label: string;
}

/** Everything of a perf_analyzer run against the router but its concurrency and settings. */
export function routerRun(r: RouterRun): Omit<PerfAnalyzerRun, 'settings' | 'concurrency'> {
  return {
    target: { address: r.mesh.mesh.address, model: r.model, tls: storeTlsFiles(r.certsDir, 'client') },
    inputData: r.inputData,
    outDir: r.outDir,
    label: r.label,
    aliases: { [r.certsDir]: '$CERTS' },
  };
}

/**
 * perf_analyzer against a model behind a mesh's router, over mutual TLS with the client certificate,
 * after `warmUp` when given (perf-analyzer.ts `warmUp`: figures discarded). Around each run it reads
 * the router's and every shard's CPU (/proc) and GC totals and the router's request count
 * (ModelStatistics), so each point carries the cost per request.
 */
export async function measureThroughRouter(
  options: RouterRun & {
    readonly concurrencies: readonly number[];
    readonly settings: MeasurementSettings;
    readonly warmUp?: WarmUp;
  },
): Promise<LoadPoint[]> {
  const common = routerRun(options);
  if (options.warmUp) await warmUp(common, options.warmUp);
  const points: LoadPoint[] = [];
  for (const concurrency of options.concurrencies) {
    const meter = new CostMeter(options.mesh.processes(), options.mesh.gcDir);
    const before = await requestCount(options.mesh, options.model);
    await meter.start();
    const point = await runPerfAnalyzer({ ...common, concurrency, settings: options.settings });
    const cost = await meter.finish({ exact: (await requestCount(options.mesh, options.model)) - before });
    points.push({ ...point, cost });
  }
  return points;
}

interface Statistics {
  model_stats: {
    inference_stats?: { success?: { count?: number | string }; fail?: { count?: number | string } };
  }[];
}

/** Requests the router has answered for `model` (Triton's success + fail counts). */
export async function requestCount(mesh: BenchMesh, model: string): Promise<number> {
  const reply = await mesh.mesh.client.call<Statistics>('ModelStatistics', { name: model, version: '1' });
  const s = reply.model_stats[0]?.inference_stats;
  return Number(s?.success?.count ?? 0) + Number(s?.fail?.count ?? 0);
}
