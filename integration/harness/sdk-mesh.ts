// The mesh an SDK's live tests call: `mlp` on two shards behind a router that takes client
// certificates and dev bearer tokens, with certificates and token keys made at run time, and a
// scratch folder for what the test builds or installs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DEV_TOKEN_AUDIENCE,
  DEV_TOKEN_ISSUER,
  ensureDevTokenKeys,
  signDevToken,
} from '../../certs/dev-tokens.js';
import type { PreparedRepository } from '../../partition/models/demo-models.js';
import { makeCertificates, prepareTestModels, startMesh, type Mesh } from './mesh.js';

export interface SdkMesh {
  readonly mesh: Mesh;
  /** The certificates folder (ca.pem, client.pem, client-key.pem, …). */
  readonly certsDir: string;
  /** The demo repository, for comparing with ONNX Runtime on the unsplit models. */
  readonly models: PreparedRepository;
  /** A dev bearer token the router accepts, for ten minutes. */
  readonly token: string;
  /** A scratch folder, removed by `stop`. */
  readonly work: string;
  stop(): Promise<void>;
}

/** Starts the mesh; `name` labels the token's subject and the scratch folder (e.g. "sdk-go"). */
export async function startSdkMesh(name: string): Promise<SdkMesh> {
  const models = await prepareTestModels();
  const certs = await makeCertificates([
    ['router', 'router'],
    ['client', 'client'],
    ['shard', 'shard-0'],
    ['shard', 'shard-1'],
  ]);
  const work = await mkdtemp(path.join(tmpdir(), `shardmesh-${name}-`));
  let mesh: Mesh | undefined;
  const stop = async (): Promise<void> => {
    await mesh?.stop();
    await certs.cleanup();
    await rm(work, { recursive: true, force: true });
  };
  try {
    const { jwksFile } = await ensureDevTokenKeys(certs.dir);
    const token = await signDevToken(certs.dir, { subject: name, ttlSeconds: 600 });
    mesh = await startMesh({
      registryUrl: `embedded:${path.join(work, 'registry')}`,
      certsDir: certs.dir,
      routerArgs: [
        '--jwks',
        jwksFile,
        '--token-issuer',
        DEV_TOKEN_ISSUER,
        '--token-audience',
        DEV_TOKEN_AUDIENCE,
      ],
      shards: [
        { name: 'shard-0', serve: ['*/*/*/0'] },
        { name: 'shard-1', serve: ['*/*/*/1'] },
      ],
      models: ['mlp'],
    });
    return { mesh, certsDir: certs.dir, models, token, work, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
