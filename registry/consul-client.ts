import { EventEmitter } from 'node:events';
import Consul from 'consul';

/**
 * The few Consul agent calls the registry makes, typed. The `consul` package (2.0.1) ships
 * typings, but they omit the options blocking queries need (`index`, `wait`, `timeout`, `ctx`),
 * type every health answer as `any`, and mark a check's `timeout` required even for TTL checks.
 * This adapter is the one place that talks to the package, so the rest of the folder sees plain
 * typed values and an `AbortSignal` instead of the package's EventEmitter `ctx`.
 */

export interface TtlServiceRegistration {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
  readonly check: {
    readonly checkId: string;
    readonly ttl: string;
    readonly deregisterCriticalServiceAfter: string;
    readonly status: 'passing' | 'critical';
    readonly notes?: string;
  };
}

/** One element of `GET /v1/health/service/:name`, reduced to what we read; untrusted. */
export interface HealthServiceEntry {
  readonly Node?: { readonly Address?: unknown };
  readonly Service?: {
    readonly ID?: unknown;
    readonly Address?: unknown;
    readonly Port?: unknown;
    readonly Meta?: unknown;
  };
  /** The instance's checks and its node's (`serfHealth`): it passes only when all of them do. */
  readonly Checks?: unknown;
}

export interface BlockingAnswer<T> {
  /** `X-Consul-Index`; undefined when the header is missing or not a number. */
  readonly index: bigint | undefined;
  readonly body: T;
}

/** A papi `ResponseError` carries the HTTP status; other failures (socket, abort) do not. */
export function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** For every call but blocking queries: agent calls answer in milliseconds when healthy. */
const REQUEST_TIMEOUT_MS = 10_000;

// The package's own shape for what we call, including the untyped options it does accept.
interface RawConsul {
  agent: {
    self(): Promise<unknown>;
    service: {
      register(options: Record<string, unknown>): Promise<unknown>;
      deregister(options: { id: string }): Promise<unknown>;
    };
    check: {
      pass(options: { id: string; note?: string }): Promise<unknown>;
      fail(options: { id: string; note?: string }): Promise<unknown>;
    };
  };
  health: {
    service(options: Record<string, unknown>): Promise<[{ headers: Record<string, unknown> }, unknown]>;
  };
  kv: {
    get(options: Record<string, unknown>): Promise<[{ headers: Record<string, unknown> }, unknown]>;
    set(options: Record<string, unknown>): Promise<unknown>;
    del(options: { key: string }): Promise<unknown>;
  };
  transaction: {
    create(operations: readonly object[]): Promise<unknown>;
  };
  session: {
    create(options: Record<string, unknown>): Promise<unknown>;
    renew(options: { id: string }): Promise<unknown>;
    destroy(options: { id: string }): Promise<unknown>;
  };
  destroy(): void;
}

/** Where a blocking query starts, how long Consul may hold it, and what aborts it. */
export interface BlockingQuery {
  readonly index: bigint;
  readonly waitMs: number;
  readonly signal: AbortSignal;
}

interface BlockingParams {
  index: string;
  wait: string;
  timeout: number;
  ctx: EventEmitter;
}

export class ConsulClient {
  readonly #consul: RawConsul;

  constructor(host: string, port: number) {
    // `timeout` (papi's, per request) is untyped in the package; without it a hung agent would
    // stall the heartbeat queue for good. Blocking queries set their own, longer one.
    const options = { host, port, timeout: REQUEST_TIMEOUT_MS };
    this.#consul = new Consul(options) as unknown as RawConsul;
  }

  async registerService(service: TtlServiceRegistration): Promise<void> {
    const { check } = service;
    await this.#consul.agent.service.register({
      id: service.id,
      name: service.name,
      address: service.address,
      port: service.port,
      tags: [...service.tags],
      meta: { ...service.meta },
      check: {
        checkid: check.checkId,
        ttl: check.ttl,
        deregistercriticalserviceafter: check.deregisterCriticalServiceAfter,
        status: check.status,
        ...(check.notes === undefined ? {} : { notes: check.notes }),
      },
    });
  }

  async deregisterService(id: string): Promise<void> {
    await this.#consul.agent.service.deregister({ id });
  }

  /** Refreshes a TTL check (and sets its status): `PUT /v1/agent/check/{pass,fail}/:id`. */
  async updateTtl(checkId: string, status: 'passing' | 'critical', note?: string): Promise<void> {
    const options = note === undefined ? { id: checkId } : { id: checkId, note };
    if (status === 'passing') await this.#consul.agent.check.pass(options);
    else await this.#consul.agent.check.fail(options);
  }

  /** Every instance of a service with its checks, critical ones too (`GET /v1/health/service/:service`). */
  async allInstances(service: string): Promise<unknown> {
    const ctx = Object.assign(new EventEmitter(), { includeResponse: true });
    const [, body] = await this.#consul.health.service({ service, ctx });
    return body;
  }

  /** A blocking query for the passing instances of a service (`GET /v1/health/service/:service?passing`). */
  passingInstances(service: string, query: BlockingQuery): Promise<BlockingAnswer<unknown>> {
    return this.#blocking(query, (params) =>
      this.#consul.health.service({ service, passing: true, ...params }),
    );
  }

  /**
   * A blocking recursive read of every key under `prefix` (`GET /v1/kv/:prefix?recurse`); values
   * come back as text. No key under the prefix is an empty list, not an error.
   */
  async keysUnder(prefix: string, query: BlockingQuery): Promise<BlockingAnswer<unknown>> {
    const answer = await this.#blocking(query, (params) =>
      this.#consul.kv.get({ key: prefix, recurse: true, ...params }),
    );
    return { index: answer.index, body: answer.body ?? [] };
  }

  /**
   * One blocking query: Consul's `index` and `wait` parameters, a client timeout past Consul's
   * own jitter, and the package's `ctx` emitter so that aborting `signal` aborts the HTTP request
   * (a closed watch does not hold a socket for the rest of the wait).
   */
  async #blocking(
    query: BlockingQuery,
    call: (params: BlockingParams) => Promise<[{ headers: Record<string, unknown> }, unknown]>,
  ): Promise<BlockingAnswer<unknown>> {
    const ctx = Object.assign(new EventEmitter(), { includeResponse: true });
    const cancel = () => ctx.emit('cancel');
    query.signal.throwIfAborted();
    query.signal.addEventListener('abort', cancel, { once: true });
    try {
      const [response, body] = await call({
        index: query.index.toString(),
        wait: `${query.waitMs}ms`,
        // Consul may add up to wait/16 of jitter; past that (plus slack) the agent is stuck.
        timeout: Math.ceil(query.waitMs * (17 / 16)) + 5000,
        ctx,
      });
      return { index: parseIndex(response.headers['x-consul-index']), body };
    } finally {
      query.signal.removeEventListener('abort', cancel);
    }
  }

  /** One key's value as text, undefined when there is none. */
  async readKey(key: string): Promise<string | undefined> {
    const ctx = Object.assign(new EventEmitter(), { includeResponse: true });
    const [, body] = await this.#consul.kv.get({ key, ctx });
    const value = (body as { Value?: unknown } | undefined)?.Value;
    return typeof value === 'string' ? value : body === undefined ? undefined : '';
  }

  /**
   * Writes `value` at `key`; with `cas`, only if the key's ModifyIndex is `cas` (0: only if it does
   * not exist). Resolves whether Consul wrote it.
   */
  async writeKey(key: string, value: string, cas?: number): Promise<boolean> {
    const answer = await this.#consul.kv.set({ key, value, ...(cas === undefined ? {} : { cas }) });
    return answer === true || answer === 'true';
  }

  async deleteKey(key: string): Promise<void> {
    await this.#consul.kv.del({ key });
  }

  /**
   * Creates a session (`PUT /v1/session/create`) on the agent's node, so it also ends when the
   * node fails its serf health check; `ttl` ('10s') ends it when not renewed, `behavior: 'delete'`
   * deletes the keys it holds then. Resolves with its id.
   */
  async createSession(options: {
    readonly name: string;
    readonly ttl: string;
    readonly lockDelay: string;
    readonly behavior: 'release' | 'delete';
  }): Promise<string> {
    const body = (await this.#consul.session.create({
      name: options.name,
      ttl: options.ttl,
      lockdelay: options.lockDelay,
      behavior: options.behavior,
    })) as { ID?: unknown };
    if (typeof body.ID !== 'string') throw new Error('Consul created a session without an ID');
    return body.ID;
  }

  /** Renews a session; resolves false when Consul no longer knows it (it expired). */
  async renewSession(id: string): Promise<boolean> {
    try {
      const body = await this.#consul.session.renew({ id });
      return Array.isArray(body) ? body.length > 0 : body !== undefined;
    } catch (error) {
      if (httpStatusOf(error) === 404) return false;
      throw error;
    }
  }

  async destroySession(id: string): Promise<void> {
    await this.#consul.session.destroy({ id });
  }

  /** `PUT /v1/kv/:key?acquire=:session`: resolves whether this session now holds the key. */
  async acquireKey(key: string, value: string, session: string): Promise<boolean> {
    const answer = await this.#consul.kv.set({ key, value, acquire: session });
    return answer === true || answer === 'true';
  }

  /**
   * Writes (`value`) or deletes (`null`) keys in one transaction (`PUT /v1/txn`) that first checks
   * that `lock.session` still holds `lock.key`: a deposed leader's late writes change nothing.
   * Resolves false when the check failed. At most 63 writes (Consul allows 64 operations).
   */
  async writeIfHolding(
    lock: { readonly key: string; readonly session: string },
    writes: readonly { readonly key: string; readonly value: string | null }[],
  ): Promise<boolean> {
    const operations = [
      { KV: { Verb: 'check-session', Key: lock.key, Session: lock.session } },
      ...writes.map((w) =>
        w.value === null
          ? { KV: { Verb: 'delete', Key: w.key } }
          : { KV: { Verb: 'set', Key: w.key, Value: Buffer.from(w.value).toString('base64') } },
      ),
    ];
    try {
      await this.#consul.transaction.create(operations);
      return true;
    } catch (error) {
      if (httpStatusOf(error) === 409) return false;
      throw error;
    }
  }

  /** The Consul node name of the agent this client talks to (`GET /v1/agent/self`). */
  async nodeName(): Promise<string> {
    const body = (await this.#consul.agent.self()) as { Config?: { NodeName?: unknown } };
    const name = body.Config?.NodeName;
    if (typeof name !== 'string' || name === '') throw new Error('Consul agent/self has no Config.NodeName');
    return name;
  }

  /** Closes the keep-alive sockets the package's own HTTP agent holds. */
  close(): void {
    this.#consul.destroy();
  }
}

function parseIndex(header: unknown): bigint | undefined {
  return typeof header === 'string' && /^\d+$/.test(header) ? BigInt(header) : undefined;
}
