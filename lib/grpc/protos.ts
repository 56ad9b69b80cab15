// Loads the project's .proto files (proto/ at the repository root) with
// @grpc/proto-loader, once per process, and hands out what grpc-js needs:
// the service definition for `server.addService` / the client constructor,
// and the raw PackageDefinition for @grpc/reflection.
//
// Protos are parsed at run time rather than compiled to code, so the .proto
// files stay the single source of truth and grpcurl/tritonclient see exactly
// what the server serves.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadPackageDefinition } from '@grpc/grpc-js';
import type { GrpcObject, ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { Options, PackageDefinition } from '@grpc/proto-loader';
// The descriptor.proto types of the protobufjs that proto-loader and
// @grpc/reflection use (CommonJS, so a default import).
import pbDescriptor from 'protobufjs/ext/descriptor/index.js';
import type { IDescriptorProto, IFileDescriptorProto } from 'protobufjs/ext/descriptor/index.js';

/**
 * How decoded messages look to handlers; the same options apply when
 * encoding. These are part of the contract with every handler, so change
 * them only together with the code that reads messages.
 *
 * - keepCase: fields keep their proto names (`raw_input_contents`,
 *   `model_name`), as in the protocol's documentation and in tritonclient.
 * - longs: Number. int64/uint64 fields decode to JS numbers. That is exact for
 *   everything shardmesh reads as a number: tensor shapes and dims,
 *   statistics counters and nanosecond totals (2^53 ns is over 100 days of
 *   cumulative time per counter), int64 parameters. It is NOT exact for
 *   typed int64_contents / uint64_contents elements beyond +/-2^53; clients
 *   that send such values must use raw_input_contents, which every mainstream
 *   client (tritonclient, perf_analyzer) does anyway. The alternative,
 *   longs: String, would make every shape a string[] for the sake of that
 *   rare case. Encoding accepts numbers, decimal strings or Long objects.
 * - enums: String. Enum fields read and write as their names ("TYPE_FP32",
 *   "SERVING"), which is what the rest of the code compares against.
 * - defaults: true. Absent scalars, lists and maps decode as their proto3
 *   defaults ("" / 0 / false / [] / {}) instead of undefined, so handlers do
 *   not need a second "missing" case. Absent sub-messages stay null.
 * - oneofs: true. A decoded oneof also carries a virtual property naming the
 *   member that is set, e.g. `parameter_choice: 'int64_param'`.
 * - bytes: left at the default, Buffer, so tensor data is not copied or
 *   base64-encoded on the way through.
 */
export const LOADER_OPTIONS: Readonly<Options> = Object.freeze({
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
});

/** Fully qualified service names, as they appear in method paths. */
export const INFERENCE_SERVICE = 'inference.GRPCInferenceService';
export const HEALTH_SERVICE = 'grpc.health.v1.Health';
export const SHARD_SERVICE = 'shardmesh.v1.Shard';

/** Proto files, relative to the proto root. */
const INFERENCE_PROTO = 'inference/grpc_service.proto';
const HEALTH_PROTO = 'grpc/health/v1/health.proto';
const SHARD_PROTO = 'shardmesh/v1/shard.proto';

/** What a loaded proto file gives its users. */
export interface LoadedPackage {
  /** Raw definition: what `new ReflectionService(...)` takes. */
  readonly packageDefinition: PackageDefinition;
  /** grpc-js object tree: package namespaces, service constructors, types. */
  readonly grpcObject: GrpcObject;
  /**
   * The package's service. `service.service` is the ServiceDefinition for
   * `server.addService`; `new service(address, credentials)` is a client.
   */
  readonly service: ServiceClientConstructor;
}

let cachedProtoRoot: string | undefined;

/**
 * Absolute path of the repository's proto/ folder. Found by walking up from
 * this module's own location, so it works both from the TypeScript source
 * (lib/grpc/) and from the compiled output (dist/lib/grpc/), and does not
 * depend on the process's working directory.
 */
export function protoRoot(): string {
  if (cachedProtoRoot !== undefined) return cachedProtoRoot;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ;) {
    // Look for a file we own rather than any folder called proto/, so an
    // unrelated proto/ higher up (or in dist/) cannot be picked by mistake.
    if (existsSync(join(dir, 'proto', INFERENCE_PROTO))) {
      cachedProtoRoot = join(dir, 'proto');
      return cachedProtoRoot;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`cannot find proto/${INFERENCE_PROTO} in ${start} or any folder above it`);
    }
    dir = parent;
  }
}

const cache = new Map<string, LoadedPackage>();

function load(file: string, serviceName: string): LoadedPackage {
  const cached = cache.get(file);
  if (cached !== undefined) return cached;
  const root = protoRoot();
  const path = join(root, file);
  if (!existsSync(path)) throw new Error(`proto file not found: ${path}`);
  // Load by include-relative name so imports between our protos resolve
  // against the same root (grpc_service.proto imports
  // "inference/model_config.proto").
  const packageDefinition = loadSync(file, { ...LOADER_OPTIONS, includeDirs: [root] });
  const grpcObject = loadPackageDefinition(packageDefinition);
  const loaded: LoadedPackage = Object.freeze({
    packageDefinition,
    grpcObject,
    service: lookupService(grpcObject, serviceName, file),
  });
  cache.set(file, loaded);
  return loaded;
}

function lookupService(grpcObject: GrpcObject, serviceName: string, file: string): ServiceClientConstructor {
  let node: GrpcObject[string] | undefined = grpcObject;
  for (const part of serviceName.split('.')) {
    if (node === undefined || typeof node !== 'object' || 'format' in node) {
      node = undefined;
      break;
    }
    node = (node as GrpcObject)[part];
  }
  // Service client constructors are functions carrying a `service` property;
  // namespaces and message types are plain objects.
  if (typeof node !== 'function' || !('service' in node)) {
    throw new Error(`${file} does not define service ${serviceName}`);
  }
  return node;
}

/** The public API, `inference.GRPCInferenceService` (imports model_config.proto). */
export function loadInferencePackage(): LoadedPackage {
  return load(INFERENCE_PROTO, INFERENCE_SERVICE);
}

/** The standard health service, `grpc.health.v1.Health`. */
export function loadHealthPackage(): LoadedPackage {
  return load(HEALTH_PROTO, HEALTH_SERVICE);
}

/** The internal router-to-shard API, `shardmesh.v1.Shard`. */
export function loadShardPackage(): LoadedPackage {
  return load(SHARD_PROTO, SHARD_SERVICE);
}

let cachedRouterReflection: PackageDefinition | undefined;

/**
 * What a router hands to `new ReflectionService(...)`: one PackageDefinition
 * holding every service it serves publicly (inference and health), so that
 * grpcurl can list and describe both, with its descriptors repaired by
 * {@link forReflection}. Definitions are keyed by fully qualified names,
 * which do not collide across our packages.
 */
export function routerReflectionDefinition(): PackageDefinition {
  cachedRouterReflection ??= forReflection({
    ...loadInferencePackage().packageDefinition,
    ...loadHealthPackage().packageDefinition,
  });
  return cachedRouterReflection;
}

/**
 * A copy of `definition` whose embedded FileDescriptorProtos (what
 * @grpc/reflection serves) are valid for descriptor-based clients.
 *
 * protobufjs, which proto-loader uses to write those descriptors, names the
 * synthetic message of a map field after the field ("Parameters",
 * "Response_stats") where protobuf requires `<CamelCaseField>Entry`
 * ("ParametersEntry", "ResponseStatsEntry"). Go's protobuf runtime rejects
 * such a file ("invalid map: incorrect implicit map entry name"), so grpcurl
 * fails on every service whose messages contain a map (grpcurl issue 519),
 * and the Open Inference Protocol has maps in ModelInferRequest and others.
 * Only the reflection copy is changed: map entries never appear on the wire
 * under their names, so encoding and decoding are unaffected.
 */
export function forReflection(definition: PackageDefinition): PackageDefinition {
  const repaired = new Map<Buffer, Buffer>();
  const repair = (file: Buffer): Buffer => {
    let fixed = repaired.get(file);
    if (fixed === undefined) {
      fixed = repairFileDescriptor(file);
      repaired.set(file, fixed);
    }
    return fixed;
  };
  const out: PackageDefinition = {};
  for (const [name, def] of Object.entries(definition)) {
    // Message and enum definitions carry the files; service definitions do
    // not (reflection finds services inside the files).
    const files: unknown = (def as { fileDescriptorProtos?: unknown }).fileDescriptorProtos;
    out[name] = Array.isArray(files)
      ? ({ ...def, fileDescriptorProtos: (files as Buffer[]).map(repair) } as typeof def)
      : def;
  }
  return out;
}

function repairFileDescriptor(bytes: Buffer): Buffer {
  const file = pbDescriptor.FileDescriptorProto.decode(bytes) as IFileDescriptorProto;
  for (const message of file.messageType ?? []) renameMapEntries(message);
  return Buffer.from(pbDescriptor.FileDescriptorProto.encode(file).finish());
}

function renameMapEntries(message: IDescriptorProto): void {
  const nested = message.nestedType ?? [];
  for (const field of message.field ?? []) {
    const typeName = field.typeName;
    if (field.name === undefined || typeName === undefined || typeName === '') continue;
    // protobufjs writes references to nested types as the bare name.
    const entry = nested.find((n) => n.name === typeName && n.options?.mapEntry === true);
    if (entry === undefined) continue;
    const wanted = mapEntryName(field.name);
    entry.name = wanted;
    field.typeName = wanted;
  }
  for (const n of nested) renameMapEntries(n);
}

/** protobuf's rule: "response_stats" -> "ResponseStatsEntry". */
function mapEntryName(fieldName: string): string {
  return (
    fieldName
      .split('_')
      .filter((part) => part !== '')
      .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
      .join('') + 'Entry'
  );
}
