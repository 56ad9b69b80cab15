import { storeTlsFiles } from '../certs/store.js';
import type { LocalMesh } from '../cli/local-mesh.js';
import { runPerfAnalyzer, type LoadPoint, type MeasurementSettings } from './perf-analyzer.js';

/** perf_analyzer against a model behind a mesh's router, over mutual TLS with the client certificate. */
export async function measureThroughRouter(options: {
  readonly mesh: LocalMesh;
  readonly certsDir: string;
  readonly model: string;
  readonly inputData: string;
  readonly concurrencies: readonly number[];
  readonly settings: MeasurementSettings;
  readonly outDir: string;
  readonly label: string;
}): Promise<LoadPoint[]> {
  const points: LoadPoint[] = [];
  for (const concurrency of options.concurrencies) {
    points.push(
      await runPerfAnalyzer({
        target: {
          address: options.mesh.address,
          model: options.model,
          version: '1',
          tls: storeTlsFiles(options.certsDir, 'client'),
        },
        inputData: options.inputData,
        concurrency,
        settings: options.settings,
        outDir: options.outDir,
        label: options.label,
        aliases: { [options.certsDir]: '$CERTS' },
      }),
    );
  }
  return points;
}
