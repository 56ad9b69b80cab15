import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCertsInit, runCertsIssue } from '../certs/cli.js';

const quiet = (): void => undefined;

export type CertificateRole = 'router' | 'shard' | 'client';

/** A certificate store made for one benchmark run. */
export interface BenchCertificates {
  readonly dir: string;
  cleanup(): Promise<void>;
}

/**
 * A fresh CA in a temporary folder and a certificate for each [role, name], as `shardmesh up`
 * makes them (the same pattern as integration/harness/mesh.ts, which bench must not import).
 * The router's certificate carries 127.0.0.1, so perf_analyzer's TLS check passes.
 */
export async function makeCertificates(
  names: readonly (readonly [CertificateRole, string])[],
): Promise<BenchCertificates> {
  const dir = await mkdtemp(path.join(tmpdir(), 'shardmesh-bench-certs-'));
  await runCertsInit({ dir }, quiet);
  for (const [role, name] of names) await runCertsIssue({ dir, role, name }, quiet);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Certificates for a router, a client and shards `shard-0` … `shard-(count-1)`. */
export function meshCertificates(shardCount: number): Promise<BenchCertificates> {
  return makeCertificates([
    ['router', 'router'],
    ['client', 'client'],
    ...Array.from({ length: shardCount }, (_, i) => ['shard', `shard-${i}`] as const),
  ]);
}
