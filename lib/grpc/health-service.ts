import type {
  sendUnaryData,
  ServerUnaryCall,
  ServerWritableStream,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { status as Status } from '@grpc/grpc-js';
import { quote } from './status-text.js';

type ServingStatus = 'SERVING' | 'NOT_SERVING';
interface HealthRequest {
  service: string;
}
interface HealthResponse {
  status: ServingStatus | 'SERVICE_UNKNOWN';
}

/**
 * `grpc.health.v1.Health` for one process. `''` stands for the whole server, as the protocol
 * says; every named service shares its status, since a shard or router drains as a whole.
 */
export class HealthStatus {
  #status: ServingStatus = 'SERVING';
  readonly #watchers = new Set<ServerWritableStream<HealthRequest, HealthResponse>>();

  constructor(private readonly services: readonly string[]) {}

  set(status: ServingStatus): void {
    this.#status = status;
    for (const call of this.#watchers) call.write({ status });
  }

  get status(): ServingStatus {
    return this.#status;
  }

  #statusOf(service: string): HealthResponse['status'] | undefined {
    return service === '' || this.services.includes(service) ? this.#status : undefined;
  }

  implementation(): UntypedServiceImplementation {
    return {
      Check: (
        call: ServerUnaryCall<HealthRequest, HealthResponse>,
        callback: sendUnaryData<HealthResponse>,
      ) => {
        const status = this.#statusOf(call.request.service);
        if (status === undefined)
          callback({ code: Status.NOT_FOUND, details: `unknown service ${quote(call.request.service)}` });
        else callback(null, { status });
      },
      Watch: (call: ServerWritableStream<HealthRequest, HealthResponse>) => {
        call.write({ status: this.#statusOf(call.request.service) ?? 'SERVICE_UNKNOWN' });
        this.#watchers.add(call);
        call.on('cancelled', () => this.#watchers.delete(call));
      },
    };
  }

  /** Ends open Watch streams so a graceful shutdown is not held up by them. */
  close(): void {
    for (const call of this.#watchers) call.end();
    this.#watchers.clear();
  }
}
