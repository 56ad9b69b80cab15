import path from 'node:path';
import { loadTlsFiles } from '../../certs/credentials.js';
import { storeTlsFiles } from '../../certs/store.js';
import { loadPlan } from '../../lib/plan/repository.js';
import {
  makeCertificates,
  prepareTestModels,
  startMesh,
  TEST_MODELS_DIR,
  type Mesh,
} from '../harness/mesh.js';
import { RawGrpcSession } from '../harness/raw-grpc.js';
import type { FuzzModel } from './cases.js';

/** What the fuzz runs against: a router and two shards (embedded registry), and a raw client. */
export interface FuzzMesh {
  readonly mesh: Mesh;
  readonly session: RawGrpcSession;
  readonly models: readonly FuzzModel[];
  stop(): Promise<void>;
}

/**
 * The demo models as fuzz targets. `outer` answers 64 MiB, so it is drawn rarely; ocr-rec's
 * width stays small so valid requests are cheap.
 */
async function fuzzModels(): Promise<FuzzModel[]> {
  const plan = async (name: string) => (await loadPlan(path.join(TEST_MODELS_DIR, name, '1'))).plan;
  const small = (random: () => number, input: string, axis: number): number =>
    axis === 0 ? 1 + Math.floor(random() * 3) : 8 + Math.floor(random() * 57);
  return [
    { plan: await plan('mlp'), weight: 0.6, dynamicDim: small },
    { plan: await plan('ocr-rec'), weight: 0.38, dynamicDim: small },
    { plan: await plan('outer'), weight: 0.005, dynamicDim: small },
    // BYTES inputs: length-prefixed elements the router checks and a shard reassembles.
    { plan: await plan('simple_string'), weight: 0.2, dynamicDim: small },
  ];
}

export async function startFuzzMesh(): Promise<FuzzMesh> {
  await prepareTestModels();
  const certs = await makeCertificates([
    ['router', 'router'],
    ['client', 'client'],
    ['shard', 'shard-0'],
    ['shard', 'shard-1'],
  ]);
  let mesh: Mesh | undefined;
  try {
    mesh = await startMesh({
      certsDir: certs.dir,
      shards: [
        { name: 'shard-0', serve: ['*/*/*/0'] },
        { name: 'shard-1', serve: ['*/*/*/1'] },
      ],
      models: ['mlp', 'ocr-rec', 'outer', 'simple_string'],
      // The fuzz is about input, not hung replicas: on a loaded 2-core machine the 250 ms floor of
      // the per-attempt timeout cut healthy ocr-rec runs on their only replica (1 of 618 valid
      // requests UNAVAILABLE once the retry budget was spent), which is load, not a verdict.
      routerArgs: ['--attempt-timeout-floor-ms', '5000'],
    });
    const tls = await loadTlsFiles(storeTlsFiles(certs.dir, 'client'));
    const session = new RawGrpcSession(mesh.address, tls);
    const started = mesh;
    return {
      mesh: started,
      session,
      models: await fuzzModels(),
      async stop() {
        session.close();
        await started.stop();
        await certs.cleanup();
      },
    };
  } catch (error) {
    await mesh?.stop();
    await certs.cleanup();
    throw error;
  }
}
