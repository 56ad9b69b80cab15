import { test } from 'node:test';
import assert from 'node:assert/strict';

import type { MethodDefinition, ServiceClientConstructor } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import pbDescriptor from 'protobufjs/ext/descriptor/index.js';
import type { IDescriptorProto, IFileDescriptorProto } from 'protobufjs/ext/descriptor/index.js';

import {
  forReflection,
  loadHealthPackage,
  loadInferencePackage,
  loadShardPackage,
  protoRoot,
  routerReflectionDefinition,
} from './protos.js';

type AnyMethod = MethodDefinition<object, object>;

function method(service: ServiceClientConstructor, name: string): AnyMethod {
  const m = service.service[name];
  assert.ok(m, `method ${name} is missing`);
  return m;
}

/** Field name -> number of one top-level message, from the loaded descriptor. */
function fieldNumbers(def: PackageDefinition, messageName: string): Record<string, number> {
  const type = def[messageName];
  assert.ok(type && 'format' in type, `${messageName} is not a message in the package`);
  const descriptor = type.type as IDescriptorProto;
  const out: Record<string, number> = {};
  for (const f of descriptor.field ?? []) out[f.name ?? '?'] = f.number ?? -1;
  return out;
}

/** Same for a message nested in a top-level one. */
function nestedFieldNumbers(def: PackageDefinition, parent: string, child: string): Record<string, number> {
  const type = def[parent];
  assert.ok(type && 'format' in type);
  const nested = ((type.type as IDescriptorProto).nestedType ?? []).find((n) => n.name === child);
  assert.ok(nested, `${parent}.${child} is missing`);
  const out: Record<string, number> = {};
  for (const f of nested.field ?? []) out[f.name ?? '?'] = f.number ?? -1;
  return out;
}

/** Decodes protobuf wire bytes into [field number, wire type] of each top-level field. */
function wireTags(bytes: Uint8Array): Array<[number, number]> {
  const tags: Array<[number, number]> = [];
  let i = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[i++];
      assert.ok(b !== undefined, 'truncated varint');
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  };
  while (i < bytes.length) {
    const key = varint();
    const wireType = key & 7;
    tags.push([Math.floor(key / 8), wireType]);
    if (wireType === 0) varint();
    else if (wireType === 1) i += 8;
    else if (wireType === 2) {
      const length = varint(); // read before adding: `i += varint()` would lose the advance
      i += length;
    } else if (wireType === 5) i += 4;
    else assert.fail(`unexpected wire type ${wireType}`);
  }
  return tags;
}

void test('the proto root is found from the compiled module', () => {
  assert.match(protoRoot(), /[/\\]proto$/);
});

void test('inference service: methods, paths and streaming flags', () => {
  const { service } = loadInferencePackage();
  assert.equal(service.serviceName, 'GRPCInferenceService');
  const unary = [
    'ServerLive',
    'ServerReady',
    'ModelReady',
    'ServerMetadata',
    'ModelMetadata',
    'ModelInfer',
    'ModelConfig',
    'ModelStatistics',
    'RepositoryIndex',
    'RepositoryModelLoad',
    'RepositoryModelUnload',
  ];
  assert.deepEqual(Object.keys(service.service).sort(), [...unary, 'ModelStreamInfer'].sort());
  for (const name of unary) {
    const m = method(service, name);
    assert.equal(m.path, `/inference.GRPCInferenceService/${name}`);
    assert.equal(m.requestStream, false, name);
    assert.equal(m.responseStream, false, name);
  }
  const stream = method(service, 'ModelStreamInfer');
  assert.equal(stream.path, '/inference.GRPCInferenceService/ModelStreamInfer');
  assert.equal(stream.requestStream, true);
  assert.equal(stream.responseStream, true);
});

void test("inference field numbers are Triton's", () => {
  const def = loadInferencePackage().packageDefinition;
  // Numbers as in Triton's grpc_service.proto and model_config.proto.
  assert.deepEqual(fieldNumbers(def, 'inference.ModelInferRequest'), {
    model_name: 1,
    model_version: 2,
    id: 3,
    parameters: 4,
    inputs: 5,
    outputs: 6,
    raw_input_contents: 7,
  });
  assert.deepEqual(nestedFieldNumbers(def, 'inference.ModelInferRequest', 'InferInputTensor'), {
    name: 1,
    datatype: 2,
    shape: 3,
    parameters: 4,
    contents: 5,
  });
  assert.deepEqual(fieldNumbers(def, 'inference.ModelInferResponse'), {
    model_name: 1,
    model_version: 2,
    id: 3,
    parameters: 4,
    outputs: 5,
    raw_output_contents: 6,
  });
  assert.deepEqual(fieldNumbers(def, 'inference.ModelStreamInferResponse'), {
    error_message: 1,
    infer_response: 2,
  });
  assert.deepEqual(fieldNumbers(def, 'inference.InferParameter'), {
    bool_param: 1,
    int64_param: 2,
    string_param: 3,
    double_param: 4,
    uint64_param: 5,
  });
  assert.deepEqual(fieldNumbers(def, 'inference.InferTensorContents'), {
    bool_contents: 1,
    int_contents: 2,
    int64_contents: 3,
    uint_contents: 4,
    uint64_contents: 5,
    fp32_contents: 6,
    fp64_contents: 7,
    bytes_contents: 8,
  });
  assert.deepEqual(fieldNumbers(def, 'inference.StatisticDuration'), { count: 1, ns: 2 });
  assert.deepEqual(fieldNumbers(def, 'inference.ModelConfigRequest'), { name: 1, version: 2 });
  assert.deepEqual(fieldNumbers(def, 'inference.ModelConfigResponse'), { config: 1 });
  const config = fieldNumbers(def, 'inference.ModelConfig');
  assert.equal(config.name, 1);
  assert.equal(config.platform, 2);
  assert.equal(config.max_batch_size, 4);
  assert.equal(config.input, 5);
  assert.equal(config.output, 6);
  assert.equal(config.backend, 17);
  assert.equal(config.dynamic_batching, 11);
  assert.deepEqual(fieldNumbers(def, 'inference.ModelDynamicBatching'), {
    preferred_batch_size: 1,
    max_queue_delay_microseconds: 2,
  });
  assert.deepEqual(
    Object.fromEntries(
      Object.entries(fieldNumbers(def, 'inference.ModelInput')).filter(([k]) =>
        ['name', 'data_type', 'format', 'dims'].includes(k),
      ),
    ),
    { name: 1, data_type: 2, format: 3, dims: 4 },
  );
  const output = fieldNumbers(def, 'inference.ModelOutput');
  assert.deepEqual([output.name, output.data_type, output.dims], [1, 2, 3]);

  const dataType = def['inference.DataType'];
  assert.ok(dataType && 'format' in dataType);
  const values = Object.fromEntries(
    ((dataType.type as { value: Array<{ name: string; number: number }> }).value ?? []).map((v) => [
      v.name,
      v.number,
    ]),
  );
  assert.deepEqual(values, {
    TYPE_INVALID: 0,
    TYPE_BOOL: 1,
    TYPE_UINT8: 2,
    TYPE_UINT16: 3,
    TYPE_UINT32: 4,
    TYPE_UINT64: 5,
    TYPE_INT8: 6,
    TYPE_INT16: 7,
    TYPE_INT32: 8,
    TYPE_INT64: 9,
    TYPE_FP16: 10,
    TYPE_FP32: 11,
    TYPE_FP64: 12,
    TYPE_STRING: 13,
    TYPE_BF16: 14,
  });
});

void test('encoded messages carry the right wire tags', () => {
  const { service } = loadInferencePackage();
  const infer = method(service, 'ModelInfer');
  // raw_input_contents: field 7, length-delimited: key byte 0x3a.
  const raw = infer.requestSerialize({ raw_input_contents: [Buffer.from([1, 2, 3])] });
  assert.deepEqual([...raw], [0x3a, 0x03, 1, 2, 3]);

  const full = infer.requestSerialize({
    model_name: 'm',
    model_version: '1',
    id: 'r',
    inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2] }],
    outputs: [{ name: 'y' }],
    raw_input_contents: [Buffer.alloc(8)],
  });
  assert.deepEqual(
    wireTags(full).map(([n]) => n),
    [1, 2, 3, 5, 6, 7],
  );

  // ModelStreamInferResponse.infer_response: field 2 (key 0x12), holding
  // ModelInferResponse.raw_output_contents: field 6 (key 0x32).
  const stream = method(service, 'ModelStreamInfer');
  const answer = stream.responseSerialize({ infer_response: { raw_output_contents: [Buffer.from([9])] } });
  assert.deepEqual([...answer], [0x12, 0x03, 0x32, 0x01, 9]);
  assert.deepEqual(wireTags(stream.responseSerialize({ error_message: 'bad' })), [[1, 2]]);
});

void test('loader options: snake_case, numeric int64, string enums, defaults, oneof names', () => {
  const { service } = loadInferencePackage();
  const infer = method(service, 'ModelInfer');
  const decoded = infer.requestDeserialize(
    infer.requestSerialize({
      model_name: 'm',
      inputs: [{ name: 'x', datatype: 'INT64', shape: [-1, 3] }],
      parameters: { priority: { int64_param: 5 } },
    }),
  ) as Record<string, unknown>;
  assert.equal(decoded.model_name, 'm');
  assert.equal(decoded.model_version, '');
  assert.deepEqual(decoded.raw_input_contents, []);
  const inputs = decoded.inputs as Array<Record<string, unknown>>;
  assert.deepEqual(inputs[0]?.shape, [-1, 3]);
  assert.deepEqual((decoded.parameters as Record<string, unknown>).priority, {
    int64_param: 5,
    parameter_choice: 'int64_param',
  });

  const configMethod = method(service, 'ModelConfig');
  const bytes = configMethod.responseSerialize({
    config: { name: 'm', input: [{ name: 'x', data_type: 'TYPE_FP32', dims: [4] }] },
  });
  const config = (
    configMethod.responseDeserialize(bytes) as { config: { input: Array<Record<string, unknown>> } }
  ).config;
  assert.equal(config.input[0]?.data_type, 'TYPE_FP32');
  assert.equal(config.input[0]?.format, 'FORMAT_NONE');
});

void test('health service: Check is unary, Watch streams responses', () => {
  const { service, packageDefinition } = loadHealthPackage();
  assert.deepEqual(Object.keys(service.service).sort(), ['Check', 'Watch']);
  const check = method(service, 'Check');
  assert.equal(check.path, '/grpc.health.v1.Health/Check');
  assert.equal(check.requestStream, false);
  assert.equal(check.responseStream, false);
  const watch = method(service, 'Watch');
  assert.equal(watch.path, '/grpc.health.v1.Health/Watch');
  assert.equal(watch.requestStream, false);
  assert.equal(watch.responseStream, true);
  assert.deepEqual(fieldNumbers(packageDefinition, 'grpc.health.v1.HealthCheckRequest'), { service: 1 });
  assert.deepEqual(fieldNumbers(packageDefinition, 'grpc.health.v1.HealthCheckResponse'), { status: 1 });
  // status SERVING (1) in field 1, varint: 08 01.
  assert.deepEqual([...check.responseSerialize({ status: 'SERVING' })], [0x08, 0x01]);
  assert.deepEqual([...check.responseSerialize({ status: 'SERVICE_UNKNOWN' })], [0x08, 0x03]);
});

void test('shard service: Infer is a bidirectional stream', () => {
  const { service } = loadShardPackage();
  const infer = method(service, 'Infer');
  assert.equal(infer.path, '/shardmesh.v1.Shard/Infer');
  assert.equal(infer.requestStream, true);
  assert.equal(infer.responseStream, true);
});

void test('loaded packages are cached', () => {
  assert.equal(loadInferencePackage(), loadInferencePackage());
  assert.equal(loadHealthPackage(), loadHealthPackage());
  assert.equal(routerReflectionDefinition(), routerReflectionDefinition());
});

/** Every FileDescriptorProto embedded in a definition, decoded. */
function embeddedFiles(def: PackageDefinition): IFileDescriptorProto[] {
  const seen = new Set<Buffer>();
  for (const d of Object.values(def)) {
    const files = (d as { fileDescriptorProtos?: Buffer[] }).fileDescriptorProtos;
    for (const f of files ?? []) seen.add(f);
  }
  return [...seen].map((b) => pbDescriptor.FileDescriptorProto.decode(b) as IFileDescriptorProto);
}

function allMessages(file: IFileDescriptorProto): IDescriptorProto[] {
  const out: IDescriptorProto[] = [];
  const walk = (m: IDescriptorProto): void => {
    out.push(m);
    for (const n of m.nestedType ?? []) walk(n);
  };
  for (const m of file.messageType ?? []) walk(m);
  return out;
}

void test('reflection descriptors name map entries as protobuf requires', () => {
  const def = routerReflectionDefinition();
  assert.ok(def['inference.ModelInferRequest']);
  assert.ok(def['grpc.health.v1.HealthCheckRequest']);
  const messages = embeddedFiles(def).flatMap(allMessages);
  const entries = messages.filter((m) => m.options?.mapEntry === true).map((m) => m.name);
  assert.ok(entries.includes('ParametersEntry'));
  assert.ok(entries.includes('ResponseStatsEntry'));
  assert.deepEqual(
    entries.filter((n) => !n?.endsWith('Entry')),
    [],
  );
  // Each renamed entry is still what its map field refers to.
  for (const m of messages) {
    for (const entry of (m.nestedType ?? []).filter((n) => n.options?.mapEntry === true)) {
      assert.ok(
        (m.field ?? []).some((f) => f.typeName === entry.name),
        `${m.name}.${entry.name} is not referenced by any field`,
      );
    }
  }
  // The definitions grpc-js uses are left as loaded.
  assert.notEqual(
    def['inference.ModelInferRequest'],
    loadInferencePackage().packageDefinition['inference.ModelInferRequest'],
  );
  assert.doesNotThrow(() => new ReflectionService(def));
  assert.doesNotThrow(() => new ReflectionService(forReflection(loadShardPackage().packageDefinition)));
});

void test('no `reserved` ranges in our descriptors (protobufjs writes them invalid)', () => {
  // protobufjs stores `reserved 5;` as [5, 5] and emits it unchanged, while
  // descriptor.proto's end is exclusive: reflection clients then reject the
  // file. Keep field numbers that must not be reused in comments instead.
  for (const def of [
    loadInferencePackage().packageDefinition,
    loadHealthPackage().packageDefinition,
    loadShardPackage().packageDefinition,
  ]) {
    for (const m of embeddedFiles(def).flatMap(allMessages)) {
      assert.deepEqual(m.reservedRange ?? [], [], `message ${m.name} declares reserved numbers`);
    }
  }
});
