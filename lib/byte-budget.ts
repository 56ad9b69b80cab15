import { status as Status } from '@grpc/grpc-js';
import { ServiceError } from './grpc/service-error.js';

/**
 * A process's in-flight byte budget (`--max-inflight-bytes`), shared by the router and the shard.
 * Each request holds one {@link Reservation}: it grows as the request's size becomes known, before
 * its bytes are buffered, and is released once the request's answer has left the process (or the
 * call ended). A request that would take the total past the limit is refused with
 * RESOURCE_EXHAUSTED at once instead of waiting, so memory stays bounded by the limit plus what a
 * process needs anyway, however many clients stop reading.
 *
 * One event loop owns a budget: no locking, and checks and updates happen in the same tick.
 */
export class ByteBudget {
  #inUseBytes = 0;
  #openReservations = 0;

  /**
   * @param limitBytes the most bytes all reservations together may hold
   * @param holder who holds the budget, for messages: 'router' or 'shard'
   */
  constructor(
    readonly limitBytes: number,
    readonly holder: string,
  ) {
    if (!(Number.isSafeInteger(limitBytes) && limitBytes > 0))
      throw new TypeError(`maxInflightBytes ${limitBytes}: must be a positive whole number of bytes`);
  }

  /** Bytes held by every reservation not yet released. */
  get inUseBytes(): number {
    return this.#inUseBytes;
  }

  /** Reservations not yet released: the requests (router) or calls (shard) in flight, for metrics. */
  get openReservations(): number {
    return this.#openReservations;
  }

  /** A reservation of 0 bytes, grown as its request's size becomes known. */
  open(): Reservation {
    this.#openReservations++;
    return new Reservation(
      this,
      (delta) => (this.#inUseBytes += delta),
      () => this.#openReservations--,
    );
  }

  /** The RESOURCE_EXHAUSTED a request needing `bytes` more gets while `inUseBytes` are held. */
  exhausted(bytes: number): ServiceError {
    const whole = bytes > this.limitBytes;
    return new ServiceError(
      Status.RESOURCE_EXHAUSTED,
      whole
        ? `the ${this.holder}'s in-flight byte budget (${this.limitBytes} bytes) is smaller than this request, which needs ${bytes} bytes; send a smaller batch (this is a server limit, not your quota)`
        : `the ${this.holder}'s in-flight byte budget is full (${this.#inUseBytes} of ${this.limitBytes} bytes held by requests in flight; this one needs ${bytes} more); retry later (this is a server limit, not your quota)`,
    );
  }
}

/**
 * The bytes one request holds in a {@link ByteBudget}. Release is idempotent, and a released
 * reservation ignores later growth, so a call that ended while its request was still being
 * prepared can never leak bytes into the budget.
 */
export class Reservation {
  #bytes = 0;
  #released = false;

  constructor(
    private readonly budget: ByteBudget,
    private readonly add: (delta: number) => void,
    private readonly onRelease: () => void = () => undefined,
  ) {}

  get bytes(): number {
    return this.#bytes;
  }

  get released(): boolean {
    return this.#released;
  }

  /** Takes `bytes` more, or throws RESOURCE_EXHAUSTED (holding nothing more) if they do not fit. */
  grow(bytes: number): void {
    if (this.#released || bytes <= 0) return;
    if (this.budget.inUseBytes + bytes > this.budget.limitBytes) throw this.budget.exhausted(bytes);
    this.#bytes += bytes;
    this.add(bytes);
  }

  /**
   * Sets the bytes held to what the request really holds once that is known (outputs whose size
   * the plan left open). Never refuses: the bytes exist already, and refusing now would waste the
   * work done; later requests see them and are refused instead.
   */
  resize(bytes: number): void {
    if (this.#released) return;
    const next = Math.max(0, bytes);
    this.add(next - this.#bytes);
    this.#bytes = next;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.add(-this.#bytes);
    this.#bytes = 0;
    this.onRelease();
  }
}
