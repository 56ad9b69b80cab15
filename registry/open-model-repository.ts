import path from 'node:path';
import { ConsulClient } from './consul-client.js';
import { ConsulModelRepository } from './consul-model-repository.js';
import { FolderModelRepository } from './folder-model-repository.js';
import type { ModelRepository } from './model-repository.js';
import { parseRegistryUrl } from './open-registry.js';

/**
 * The model repository that goes with a registry URL: Consul KV for `consul://` (the router needs
 * no model folder), the `modelsDir` folder for `embedded:DIR` (one host, shared disk), with the
 * models' desired states in `DIR/desired/`.
 */
export function openModelRepository(
  registryUrl: string,
  modelsDir: string,
  options: { readonly pollMs?: number } = {},
): ModelRepository {
  const location = parseRegistryUrl(registryUrl);
  if (location.kind === 'consul')
    return new ConsulModelRepository(
      new ConsulClient(location.host, location.port),
      `consul://${location.host}:${location.port}`,
    );
  return new FolderModelRepository(modelsDir, path.join(location.dir, 'desired'), options.pollMs);
}

/** The Consul repository for `publish`: refuses any other registry with a message that says why. */
export function openConsulModelRepository(registryUrl: string, prefix?: string): ConsulModelRepository {
  const location = parseRegistryUrl(registryUrl);
  if (location.kind !== 'consul')
    throw new TypeError(
      `--registry ${registryUrl}: publish writes to Consul KV (consul://HOST:PORT); with the embedded registry the router reads plans from its --models folder`,
    );
  return new ConsulModelRepository(
    new ConsulClient(location.host, location.port),
    `consul://${location.host}:${location.port}`,
    prefix === undefined ? {} : { prefix },
  );
}
