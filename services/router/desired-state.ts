import { invalidArgument, notFound, unavailable } from '../../lib/grpc/service-error.js';
import { clip, MAX_QUOTED_BYTES } from '../../lib/grpc/status-text.js';
import type { Logger } from '../../lib/log.js';
import type { ModelRepository } from '../../registry/model-repository.js';
import type { ModelCatalog } from './model-catalog.js';

/**
 * Records a model's desired state in the repository, then in the router's own catalog so its
 * answers follow at once. NOT_FOUND for a model that is not published.
 */
export async function setDesiredState(
  ctx: {
    readonly catalog: ModelCatalog;
    readonly repository: Pick<ModelRepository, 'setDesired'>;
    readonly log: Logger;
  },
  name: string,
  desired: Parameters<ModelRepository['setDesired']>[1],
): Promise<void> {
  if (typeof name !== 'string' || name === '') throw invalidArgument('model_name is empty');
  if (!ctx.catalog.has(name))
    throw notFound(`Request for unknown model: '${clip(name, MAX_QUOTED_BYTES)}' is not found`);
  try {
    await ctx.repository.setDesired(name, desired);
  } catch (error) {
    ctx.log.warn({ err: error, model: name }, 'writing the desired state failed');
    throw unavailable('the model repository did not take the change (is it reachable?); try again', error);
  }
  ctx.catalog.setDesired(name, desired);
}
