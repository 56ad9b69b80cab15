import { Gauge, type Registry } from 'prom-client';
import type { ByteBudget } from '../byte-budget.js';

/**
 * The in-flight gauges of a process's byte budget (`--max-inflight-bytes`), read at each scrape,
 * so the request path pays nothing for them: requests (router) or calls (shard) holding a share,
 * the bytes they hold, and the limit, so `inflight_bytes / inflight_bytes_limit` is how full it is.
 */
export function registerByteBudgetGauges(registry: Registry, budget: ByteBudget): void {
  const holder = budget.holder;
  new Gauge({
    name: 'shardmesh_inflight_requests',
    help: `Requests in flight in this ${holder} (each holds a share of its in-flight byte budget)`,
    registers: [registry],
    collect() {
      this.set(budget.openReservations);
    },
  });
  new Gauge({
    name: 'shardmesh_inflight_bytes',
    help: `Bytes held by the requests in flight in this ${holder}`,
    registers: [registry],
    collect() {
      this.set(budget.inUseBytes);
    },
  });
  new Gauge({
    name: 'shardmesh_inflight_bytes_limit',
    help: `This ${holder}'s in-flight byte budget (--max-inflight-bytes)`,
    registers: [registry],
    collect() {
      this.set(budget.limitBytes);
    },
  });
}
