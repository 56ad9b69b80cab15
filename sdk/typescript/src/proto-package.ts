import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';

/** The Open Inference Protocol service, relative to the proto root. */
const SERVICE_PROTO = 'inference/grpc_service.proto';

/**
 * How messages look to this client: proto field names, int64 as decimal strings (so INT64 typed
 * contents stay exact; shapes are converted to numbers where read), bytes as Buffers, absent
 * fields as their defaults.
 */
const LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** The packages whose folder holds the protos: this one when installed, the repository in a checkout. */
const OWNERS = new Set(['@shardmesh/client', 'shardmesh']);

/**
 * The proto/ folder beside the package.json that owns this module: the installed package's copy
 * (its prepack script puts it there), or the repository's own proto/ when this runs from the
 * repository's build. Only an owner's folder is used, so an unrelated proto/ on the way up (a
 * project with Triton's protos, say) is never picked.
 */
export function protoRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (name !== undefined && OWNERS.has(name)) {
        const root = join(dir, 'proto');
        if (!existsSync(join(root, SERVICE_PROTO)))
          throw new Error(`${name} at ${dir} lacks proto/${SERVICE_PROTO}; reinstall the package`);
        return root;
      }
    }
    if (dirname(dir) === dir) throw new Error(`no @shardmesh/client package.json above ${start}`);
  }
}

let cached: ServiceClientConstructor | undefined;

/** The `inference.GRPCInferenceService` client constructor, loaded once per process. */
export function inferenceService(): ServiceClientConstructor {
  if (cached !== undefined) return cached;
  const root = protoRoot();
  const definition = loadSync(SERVICE_PROTO, { ...LOADER_OPTIONS, includeDirs: [root] });
  const inference = loadPackageDefinition(definition)['inference'] as Record<string, unknown>;
  cached = inference['GRPCInferenceService'] as ServiceClientConstructor;
  return cached;
}
