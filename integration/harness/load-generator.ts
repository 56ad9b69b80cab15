import { status as Status, type Client, type ServiceError as GrpcError } from '@grpc/grpc-js';
import { mulberry32 } from '../../lib/random.js';
import { startInfer } from './cancellable-infer.js';
import type { InferResponse } from './compare.js';

/** One request the generator may send, and how to tell a right answer. */
export interface LoadCase {
  readonly request: object;
  isRight(response: InferResponse): boolean;
}

export interface LoadOptions {
  readonly client: { raw: Client };
  readonly cases: readonly LoadCase[];
  /** Picks the case of each request, so a run sends the same sequence every time. */
  readonly seed: number;
  /** Callers sending back to back. */
  readonly concurrency: number;
  /** Each request's deadline. */
  readonly deadlineMs: number;
  /** A caller's pause after a failed request, as a client backing off would. @default 100 */
  readonly pauseAfterFailureMs?: number;
}

/** What one request came to. */
export interface RequestOutcome {
  /** 'OK', 'WRONG' (answered, but not the unsplit model's output), or the gRPC status name. */
  readonly result: string;
  /** UNAVAILABLE before any router took the call: no connection (a router down or restarting). */
  readonly refused: boolean;
  readonly startedAtMs: number;
  readonly latencyMs: number;
}

export interface LoadCounts {
  readonly requests: number;
  readonly ok: number;
  readonly wrong: number;
  /** Failed requests, refused ones excluded, by status. */
  readonly failed: Record<string, number>;
  readonly refused: number;
  readonly maxLatencyMs: number;
}

// grpc-js's words for a call that never reached a server (no router listening). A call a router
// accepted and then dropped, or a router's own UNAVAILABLE ("no healthy replica"), is a failure.
const REFUSED = /No connection established|ECONNREFUSED/;

/**
 * Steady closed-loop load for fault tests: `concurrency` callers, each sending the next request
 * as soon as its last one settled. Every outcome is kept, so a test counts what it asserts on.
 */
export class LoadGenerator {
  readonly outcomes: RequestOutcome[] = [];
  readonly #running: Promise<void>[] = [];
  #stopped = false;

  constructor(private readonly o: LoadOptions) {
    const random = mulberry32(o.seed);
    const pick = (): LoadCase => o.cases[Math.floor(random() * o.cases.length)]!;
    for (let i = 0; i < o.concurrency; i++) this.#running.push(this.#caller(pick));
  }

  async #caller(pick: () => LoadCase): Promise<void> {
    while (!this.#stopped) {
      const outcome = await this.#send(pick());
      this.outcomes.push(outcome);
      if (outcome.result !== 'OK')
        await new Promise((resolve) => setTimeout(resolve, this.o.pauseAfterFailureMs ?? 100));
    }
  }

  async #send(c: LoadCase): Promise<RequestOutcome> {
    const startedAtMs = Date.now();
    const done = (result: string, refused = false): RequestOutcome => ({
      result,
      refused,
      startedAtMs,
      latencyMs: Date.now() - startedAtMs,
    });
    try {
      const response = await startInfer<InferResponse>(this.o.client, c.request, this.o.deadlineMs).result;
      return done(c.isRight(response) ? 'OK' : 'WRONG');
    } catch (error) {
      const e = error as GrpcError;
      const code = typeof e.code === 'number' ? e.code : Status.UNKNOWN;
      return done(Status[code], code === Status.UNAVAILABLE && REFUSED.test(e.details ?? ''));
    }
  }

  /** Lets every caller finish the request it has open, then stops. */
  async stop(): Promise<LoadCounts> {
    this.#stopped = true;
    await Promise.all(this.#running);
    return countOutcomes(this.outcomes);
  }
}

export function countOutcomes(outcomes: readonly RequestOutcome[]): LoadCounts {
  const failed: Record<string, number> = {};
  let ok = 0;
  let wrong = 0;
  let refused = 0;
  let maxLatencyMs = 0;
  for (const o of outcomes) {
    maxLatencyMs = Math.max(maxLatencyMs, o.latencyMs);
    if (o.result === 'OK') ok++;
    else if (o.result === 'WRONG') wrong++;
    else if (o.refused) refused++;
    else failed[o.result] = (failed[o.result] ?? 0) + 1;
  }
  return { requests: outcomes.length, ok, wrong, failed, refused, maxLatencyMs };
}
