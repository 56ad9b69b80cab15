import { InferenceClient } from '../../cli/inference-client.js';
import { publishRepository } from '../../cli/publish-version.js';
import { storeTlsFiles } from '../../certs/store.js';
import { randomTensor } from '../../partition/models/synthetic.js';
import { relativeMaxError, runModel } from '../../partition/verify/verify.js';
import { ChildLogs } from './child-logs.js';
import { rawInferRequest } from './compare.js';
import { startConsulAgent, type ConsulAgent } from './consul-agent.js';
import type { LoadCase } from './load-generator.js';
import { makeCertificates, prepareTestModels, startMesh, TEST_MODELS_DIR, type Mesh } from './mesh.js';

/**
 * The router's test-sized per-attempt timeouts and ejections: a hung replica costs an attempt at
 * most ATTEMPT_CEILING_MS (the windows hold the mlp's few-ms latencies, so timeouts sit at the
 * floor, 250 ms, once warm), and two such attempts in a row eject it for 2 s, then 4 s, …
 */
export const ATTEMPT_CEILING_MS = 1_000;
export const ROUTER_FLAGS = [
  '--attempt-timeout-floor-ms',
  '250',
  '--attempt-timeout-ceiling-ms',
  String(ATTEMPT_CEILING_MS),
  '--outlier-consecutive-failures',
  '2',
  '--outlier-base-ejection-ms',
  '2000',
  '--outlier-max-ejection-ms',
  '10000',
];

/** Two replicas of each of the mlp's two partitions: `p<partition>-<replica>`. */
export const SHARDS = ['p0-a', 'p0-b', 'p1-a', 'p1-b'] as const;

export interface FaultMesh {
  readonly mesh: Mesh;
  /** Reconnects within 100–500 ms of a router coming back, as a client that expects restarts would. */
  readonly client: InferenceClient;
  /** Seeded requests of 1–4 rows, each checked against the unsplit model's output. */
  readonly cases: readonly LoadCase[];
  consul: ConsulAgent;
  /** The router's log, re-tapped after `mesh.restartRouter`. */
  routerLogs(): ChildLogs;
  /** Stops Consul and starts it again on the same ports (dev mode: it comes back empty), then publishes the models again. */
  restartConsul(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startFaultMesh(seed: number): Promise<FaultMesh> {
  const models = await prepareTestModels();
  let consul = await startConsulAgent();
  const certs = await makeCertificates([
    ['router', 'router'],
    ['client', 'client'],
    ...SHARDS.map((name) => ['shard', name] as const),
  ]);
  let mesh: Mesh | undefined;
  let client: InferenceClient | undefined;
  const stop = async (): Promise<void> => {
    client?.close();
    await mesh?.stop();
    await consul.stop();
    await certs.cleanup();
  };
  try {
    mesh = await startMesh({
      registryUrl: consul.url,
      certsDir: certs.dir,
      logs: 'pipe',
      logLevel: 'warn',
      routerArgs: ROUTER_FLAGS,
      shards: SHARDS.map((name) => ({ name, serve: [`mlp/1/*/${name[1]}`] })),
    });
    for (const child of [mesh.router, ...mesh.shards.values()]) ChildLogs.tap(child);
    await mesh.waitForModel('mlp');
    client = await InferenceClient.connect(mesh.address, storeTlsFiles(certs.dir, 'client'), {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 500,
    });
    const cases: LoadCase[] = [];
    for (let i = 0; i < 8; i++) {
      const x = randomTensor('x', [1 + (i % 4), 8], seed + i);
      const [expected] = await runModel(models.models.mlp.original, [x]);
      cases.push({
        request: rawInferRequest('mlp', [x]),
        isRight: (r) =>
          r.raw_output_contents[0] !== undefined &&
          r.raw_output_contents[0].length === expected!.data.length &&
          relativeMaxError({ ...expected!, data: r.raw_output_contents[0] }, expected!) <= 1e-5,
      });
    }
    const m = mesh;
    const fault: FaultMesh = {
      mesh: m,
      client,
      cases,
      consul,
      routerLogs: () => ChildLogs.tap(m.router),
      async restartConsul(downMs) {
        const ports = consul.ports;
        await consul.stop();
        await new Promise((resolve) => setTimeout(resolve, downMs));
        consul = await startConsulAgent({ ports });
        fault.consul = consul;
        // What an operator does after a Consul that lost its data: publish the models again (a
        // running router keeps the versions it knew meanwhile; a router started later needs them).
        await publishRepository(TEST_MODELS_DIR, { registryUrl: consul.url });
      },
      stop,
    };
    return fault;
  } catch (error) {
    await stop();
    throw error;
  }
}
