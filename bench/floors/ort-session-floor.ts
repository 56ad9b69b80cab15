import * as ort from 'onnxruntime-node';
import type { Tensor } from '../../lib/tensor/tensor.js';
import { elapsedUs, summarize } from '../latency-stats.js';

/** The floor of the overhead suite at one concurrency: `session.run` with nothing around it. */
export interface SessionFloorPoint {
  readonly concurrency: number;
  readonly throughputPerSec: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  readonly command: string;
}

export interface SessionFloorOptions {
  readonly file: string;
  readonly inputs: readonly Tensor[];
  readonly concurrencies: readonly number[];
  /** How long each concurrency level runs, after `warmupRuns`. */
  readonly durationMs: number;
  readonly warmupRuns: number;
  /** Printed as the command that produced the figures. */
  readonly command: string;
}

/**
 * ONNX Runtime in this process, configured as a shard configures it (services/shard/ort-runner.ts:
 * intra-op 1, inter-op 1, sequential, default graph optimisations), with `concurrency` loops each
 * awaiting `session.run` back to back on the same seeded inputs perf_analyzer sends. No network,
 * no serialisation: what is left when every server's overhead is taken away.
 */
export async function measureSessionFloor(options: SessionFloorOptions): Promise<SessionFloorPoint[]> {
  const session = await ort.InferenceSession.create(options.file, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  try {
    const feeds = Object.fromEntries(
      options.inputs.map((t) => [
        t.name,
        new ort.Tensor('float32', new Float32Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 4), [
          ...t.shape,
        ]),
      ]),
    );
    for (let i = 0; i < options.warmupRuns; i++) await session.run(feeds);
    const points: SessionFloorPoint[] = [];
    for (const concurrency of options.concurrencies) {
      const samples: number[] = [];
      const started = process.hrtime.bigint();
      const until = Date.now() + options.durationMs;
      const loop = async (): Promise<void> => {
        while (Date.now() < until) {
          const t0 = process.hrtime.bigint();
          await session.run(feeds);
          samples.push(elapsedUs(t0));
        }
      };
      await Promise.all(Array.from({ length: concurrency }, loop));
      const seconds = elapsedUs(started) / 1e6;
      const summary = summarize(samples);
      points.push({
        concurrency,
        throughputPerSec: summary.count / seconds,
        p50Us: summary.p50Us,
        p90Us: summary.p90Us,
        p99Us: summary.p99Us,
        command: options.command,
      });
    }
    return points;
  } finally {
    await session.release();
  }
}
