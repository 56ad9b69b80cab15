import { bytesLabel } from '../format.js';
import type { BenchResults } from '../results.js';
import { table } from './markdown.js';

/** The machine, the versions, and how each server was configured. */
export function environmentSection(r: BenchResults): string {
  const e = r.environment;
  const rows = [
    ['machine', `${e.cpu}, ${e.cores} cores, ${bytesLabel(e.memoryBytes)}, ${e.os}`],
    ['shardmesh', `${e.shardmesh} on Node ${e.node}, onnxruntime-node ${e.onnxruntimeNode}`],
    [
      'load generator',
      `perf_analyzer ${e.perfAnalyzer}, gRPC, synchronous requests, the same seeded FP32 inputs for every server`,
    ],
    ...Object.entries(e.peers).map(([id, p]) => [id, `${p.version ?? p.error ?? '?'}; ${p.configuration}`]),
  ];
  return (
    `## Environment and configuration\n\n${table(['', ''], rows)}\n\n` +
    'Fairness: every server runs ONNX Runtime on CPU with one intra-op and one inter-op thread, sequential execution and ' +
    "ORT's default graph optimisations (shardmesh's shards, the MLServer and KServe runtime classes, and the floor); " +
    'no server batches requests; no server logs per request. shardmesh pays for mutual TLS on both hops (perf_analyzer → router → shard); ' +
    'MLServer and KServe serve plaintext gRPC (neither terminates TLS itself: in production a proxy does). ' +
    "perf_analyzer needs Triton's ModelConfig and ModelStatistics, which MLServer and KServe lack; " +
    '`bench/peers/triton_extensions.py` adds both to their gRPC server, off the ModelInfer path.\n'
  );
}
