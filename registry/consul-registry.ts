import { ConsulClient, httpStatusOf } from './consul-client.js';
import { SHARD_SERVICE_NAME, checkIdFor, listedFromHealthEntry, toConsulService } from './consul-record.js';
import { watchPassingShards, type ConsulWatchOptions } from './consul-watch.js';
import { asError } from './errors.js';
import { Heartbeat } from './heartbeat.js';
import type {
  ListedInstance,
  RegisterOptions,
  Registration,
  Registry,
  ShardInstance,
  Watch,
} from './registry.js';
import { checkShardInstance, withRegisterDefaults, type ResolvedRegisterOptions } from './shard-instance.js';

/**
 * The registry of a real mesh: each shard registers with its local Consul agent under a TTL check
 * it refreshes itself (design.md explains why not a gRPC check: the agent cannot present a client
 * certificate), and routers watch the passing instances with blocking queries.
 */

export interface ConsulRegistryOptions {
  /** The Consul agent's HTTP API. */
  readonly host: string;
  readonly port: number;
  /**
   * Where heartbeat failures go; nothing is logged here, the owner decides. A failure is not fatal:
   * the next heartbeat tries again, and re-registers if the agent lost the service.
   * @default ignore
   */
  readonly onError?: (error: Error) => void;
  /** Tuning for watches; tests shorten the waits. */
  readonly watch?: ConsulWatchOptions;
}

export class ConsulRegistry implements Registry {
  readonly description: string;
  readonly #client: ConsulClient;
  readonly #onError: (error: Error) => void;
  readonly #watchOptions: ConsulWatchOptions;

  constructor(options: ConsulRegistryOptions) {
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
      throw new TypeError(`port must be an integer in [1, 65535], got ${options.port}`);
    }
    if (options.host === '') throw new TypeError('host must not be empty');
    this.description = `consul://${options.host}:${options.port}`;
    this.#client = new ConsulClient(options.host, options.port);
    this.#onError = options.onError ?? (() => {});
    this.#watchOptions = options.watch ?? {};
  }

  async register(instance: ShardInstance, options?: RegisterOptions): Promise<Registration> {
    const registration = new ConsulRegistration(
      this.#client,
      checkShardInstance(instance),
      withRegisterDefaults(options),
      this.#onError,
    );
    await registration.start();
    return registration;
  }

  watch(onChange: (instances: readonly ShardInstance[]) => void, onError?: (error: Error) => void): Watch {
    return watchPassingShards(this.#client, onChange, onError ?? (() => {}), this.#watchOptions);
  }

  /** Every instance Consul lists, critical ones too; a malformed one is left out, as watches do. */
  async list(): Promise<readonly ListedInstance[]> {
    const body = await this.#client.allInstances(SHARD_SERVICE_NAME);
    if (!Array.isArray(body)) throw new Error('Consul answered a health query with a non-array body');
    return body.flatMap((entry: unknown) => {
      try {
        return [listedFromHealthEntry(entry)];
      } catch {
        return [];
      }
    });
  }

  /** Closes idle keep-alive sockets; call after deregistering and closing watches. */
  close(): void {
    this.#client.close();
  }
}

class ConsulRegistration implements Registration {
  #status: 'passing' | 'critical' = 'passing';
  #note: string | undefined;
  /** Set when the agent no longer knows our check (it restarted, or reaped us after a stall). */
  #lost = false;
  #heartbeat: Heartbeat | undefined;
  #deregistered: Promise<void> | undefined;
  readonly #checkId: string;

  constructor(
    private readonly client: ConsulClient,
    private readonly instance: ShardInstance,
    private readonly options: ResolvedRegisterOptions,
    private readonly onError: (error: Error) => void,
  ) {
    this.#checkId = checkIdFor(instance.id);
  }

  async start(): Promise<void> {
    await this.client.registerService(toConsulService(this.instance, this.options, 'passing'));
    // Three beats per TTL, so one lost or slow beat does not turn the instance critical.
    const intervalMs = Math.max(10, Math.floor(this.options.ttlMs / 3));
    this.#heartbeat = new Heartbeat(() => this.#beat(), intervalMs, this.onError);
  }

  async #beat(): Promise<void> {
    if (this.#lost) {
      // A critical instance is invisible to routers anyway; only a passing one is worth restoring.
      if (this.#status === 'critical') return;
      await this.client.registerService(toConsulService(this.instance, this.options, 'passing', this.#note));
      this.#lost = false;
      return;
    }
    await this.#updateTtl();
  }

  async #updateTtl(): Promise<void> {
    try {
      await this.client.updateTtl(this.#checkId, this.#status, this.#note);
    } catch (error) {
      if (isUnknownCheck(error)) this.#lost = true;
      throw asError(error);
    }
  }

  setStatus(status: 'passing' | 'critical', note?: string): Promise<void> {
    const heartbeat = this.#heartbeat;
    // After deregister there is nothing to mark; a late drain call is harmless.
    if (heartbeat === undefined || heartbeat.stopped) return Promise.resolve();
    return heartbeat.exclusive(async () => {
      this.#status = status;
      this.#note = note;
      if (!this.#lost) await this.#updateTtl();
    });
  }

  deregister(): Promise<void> {
    this.#deregistered ??= (async () => {
      await this.#heartbeat?.stop();
      try {
        await this.client.deregisterService(this.instance.id);
      } catch (error) {
        // Already gone (reaped, or the agent restarted): that is what we wanted.
        if (httpStatusOf(error) !== 404) throw asError(error);
      }
    })();
    return this.#deregistered;
  }
}

/**
 * The agent answers a TTL update for a check it does not know with 404 "Unknown check ID"
 * (checked against 1.14.11, the version scripts/bootstrap.sh builds).
 */
function isUnknownCheck(error: unknown): boolean {
  return httpStatusOf(error) === 404;
}
