import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LocalMeshOptions } from '../../cli/local-mesh.js';
import { loadPlan, planDir } from '../../lib/plan/repository.js';
import type { Plan } from '../../lib/plan/schema.js';
import { prepareModelRepository } from '../../partition/models/demo-models.js';
import { OCR_MODELS, prepareOcrModel, variantName, type OcrModel } from '../models.js';
import { shardPerPartition } from '../partitioned-mesh.js';
import { meshCertificates, type BenchCertificates } from '../pki.js';

/** A model as the probes serve it, and a local mesh's options to serve it. */
export interface ProbeModel {
  readonly plan: Plan;
  /** The PP-OCR model of that name (`cls`, `rec`), if it is one: its input shape is the bench's. */
  readonly ocr: OcrModel | undefined;
  /** Certificates for the router, a client and one shard per partition; `cleanup` removes them. */
  readonly certs: BenchCertificates;
  /** One shard process per partition (`shardPerPartition`). */
  readonly meshOptions: LocalMeshOptions;
}

/**
 * Prepares `model` (a demo model, or `cls` / `rec` whole on one shard and `cls-p2` / `rec-p2` cut
 * in two, as the bench's overhead suite serves them) in the repository at `modelsDir`, with certificates for its mesh. The demo
 * models are cut `partitions` ways (their default, 2, when not given); a repository holds one cut,
 * so give each count its own `modelsDir`.
 */
export async function probeModel(model: string, modelsDir: string, partitions?: number): Promise<ProbeModel> {
  const repo = await prepareModelRepository(modelsDir, partitions === undefined ? {} : { partitions });
  // `rec-p2` is rec cut as the overhead suite cuts it: same input shape.
  const ocr = Object.values(OCR_MODELS).find((m) => m.name === model || variantName(m.name, 2) === model);
  if (ocr) await prepareOcrModel(repo.root, ocr);
  const { plan } = await loadPlan(planDir(repo.root, model, '1'));
  const shards = Math.max(...plan.stages.map((s) => s.partitions.length));
  const certs = await meshCertificates(shards);
  return {
    plan,
    ocr,
    certs,
    meshOptions: {
      certsDir: certs.dir,
      modelsDir: repo.root,
      shards: shardPerPartition(model, shards),
      models: [model],
    },
  };
}

/**
 * `probeModel`'s repository and cut for a probe's `--partitions N` and `--models DIR` options:
 * each cut of the demo models gets its own folder under the system's temporary one unless a
 * folder is given.
 */
export function modelsFor(partitions: string | undefined, models: string | undefined): [string, number?] {
  if (partitions === undefined) return [models ?? path.join(tmpdir(), 'shardmesh-probe-models')];
  const n = Number(partitions);
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`--partitions ${partitions}: a whole number from 1`);
  return [models ?? path.join(tmpdir(), `shardmesh-probe-models-p${n}`), n];
}
