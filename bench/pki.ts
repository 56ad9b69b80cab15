import { makeCertificates } from '../cli/local-mesh.js';

/** A certificate store made for one benchmark run. */
export interface BenchCertificates {
  readonly dir: string;
  cleanup(): Promise<void>;
}

/** Certificates for a router, a client and shards `shard-0` … `shard-(count-1)`. */
export function meshCertificates(shardCount: number): Promise<BenchCertificates> {
  return makeCertificates([
    ['router', 'router'],
    ['client', 'client'],
    ...Array.from({ length: shardCount }, (_, i) => ['shard', `shard-${i}`] as const),
  ]);
}
