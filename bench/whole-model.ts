import type { ModelProto } from '../partition/onnx/graph.js';
import { partitionEntry, planHeader, type PartitionedModel } from '../partition/onnx/partitioned-model.js';

const STAGE = 'whole';

/**
 * A model served unsplit: one stage, one partition holding the whole graph, every input passed as
 * it is and every output taken as it comes. This is what "the router with one shard" serves, so
 * the benchmark measures the mesh's own overhead rather than a split's.
 */
export function wholeModel(model: ModelProto, name: string, version = '1'): PartitionedModel {
  const header = planHeader(model, { name, version }, STAGE);
  return {
    plan: {
      ...header,
      stages: [
        {
          name: STAGE,
          partitions: [partitionEntry(STAGE, 0, model)],
          inputs: header.inputs.map((i) => ({ name: i.name, scatter: { kind: 'replicate' as const } })),
          outputs: header.outputs.map((o) => ({
            name: o.name,
            gather: { kind: 'concat' as const, axis: 0 },
          })),
        },
      ],
    },
    models: [[model]],
  };
}
