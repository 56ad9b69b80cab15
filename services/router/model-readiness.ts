import type { Plan } from '../../lib/plan/schema.js';
import type { RoutingTable } from './routing-table.js';

/** The first partition of `plan` with no passing replica in `table`, in stage then partition order. */
export function firstMissingPartition(
  plan: Plan,
  table: RoutingTable,
): { readonly stage: string; readonly partition: number } | undefined {
  for (const stage of plan.stages)
    for (let p = 0; p < stage.partitions.length; p++)
      if (table.replicas(plan.name, plan.version, stage.name, p).length === 0)
        return { stage: stage.name, partition: p };
  return undefined;
}

/** A model version is ready when every partition of every stage has at least one passing replica. */
export const modelReady = (plan: Plan, table: RoutingTable): boolean =>
  firstMissingPartition(plan, table) === undefined;
