import type { Plan } from '../../lib/plan/schema.js';
import type { ReplicaActivity } from './replica-window.js';
import type { RoutingTable } from './routing-table.js';

/** One replica as this router sees it: its calls now and over the last minute. */
export interface ReplicaView extends ReplicaActivity {
  readonly inFlight: number;
  /** The outlier detector has ejected it (it keeps failing); the router avoids it. */
  readonly ejected: boolean;
}

/**
 * The router's `GET /status` answer on its metrics port, read by `shardmesh status`: the plans it
 * knows (the partitions every model needs), its view of each replica in its routing table, and
 * its own certificate's expiry. Version 1; fields are only added.
 */
export interface RouterStatus {
  readonly statusVersion: 1;
  readonly certificateNotAfter: string;
  readonly routingTableAgeSeconds: number;
  readonly plans: readonly {
    model: string;
    version: string;
    stages: { stage: string; partitions: number }[];
  }[];
  /** By registry instance id. */
  readonly replicas: Readonly<Record<string, ReplicaView>>;
}

export interface RouterStatusSource {
  readonly table: () => RoutingTable;
  readonly plans: () => readonly Plan[];
  readonly inFlight: (replicaId: string) => number;
  readonly ejected: (replicaId: string) => boolean;
  readonly activity: (replicaId: string) => ReplicaActivity | undefined;
  readonly certificateNotAfter: () => Date;
  readonly tableUpdatedMs: () => number;
  readonly nowMs: () => number;
}

const IDLE: ReplicaActivity = { requestsPerSecond: 0, p50Ms: null, p99Ms: null, failures: 0 };

export function routerStatus(s: RouterStatusSource): RouterStatus {
  const replicas: Record<string, ReplicaView> = {};
  for (const instance of s.table().instances)
    replicas[instance.id] = {
      inFlight: s.inFlight(instance.id),
      ejected: s.ejected(instance.id),
      ...(s.activity(instance.id) ?? IDLE),
    };
  return {
    statusVersion: 1,
    certificateNotAfter: s.certificateNotAfter().toISOString(),
    routingTableAgeSeconds: (s.nowMs() - s.tableUpdatedMs()) / 1000,
    plans: s.plans().map((plan) => ({
      model: plan.name,
      version: plan.version,
      stages: plan.stages.map((stage) => ({ stage: stage.name, partitions: stage.partitions.length })),
    })),
    replicas,
  };
}
