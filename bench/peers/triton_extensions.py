"""Triton's ModelConfig and ModelStatistics RPCs for peers that lack them, so perf_analyzer can drive them.

perf_analyzer (service kind `triton`) asks a server for ModelConfig once at start and for
ModelStatistics around each measurement window. MLServer 1.7 and the KServe 0.21 model server
serve the rest of the Open Inference Protocol (ModelInfer included) but not these two, and
perf_analyzer then stops with "failed to get model config: Method not found!". `install()` wraps
the function each server calls to register its GRPCInferenceService so that the same gRPC server
also answers these two methods from a JSON description of the models. Nothing here is on the
ModelInfer path that the benchmark measures; statistics are answered with zero counts, so
perf_analyzer's server-side columns read 0 for peers (its client-side figures are the ones used).

The responses are encoded by hand (a few protobuf fields), so the peers' virtual environments
need nothing beyond the server itself.
"""

import json
import os

import grpc

MODELS_ENV = "SHARDMESH_BENCH_TRITON_MODELS"
SERVICE = "inference.GRPCInferenceService"
DATA_TYPES = {
    "BOOL": 1, "UINT8": 2, "UINT16": 3, "UINT32": 4, "UINT64": 5, "INT8": 6, "INT16": 7,
    "INT32": 8, "INT64": 9, "FP16": 10, "FP32": 11, "FP64": 12, "BYTES": 13, "BF16": 14,
}


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # int64 -1 is ten bytes on the wire
    out = bytearray()
    while True:
        low = n & 0x7F
        n >>= 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _int(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _text(number: int, value: str) -> bytes:
    return _field(number, value.encode())


def _tensor(spec: dict, dims_field: int) -> bytes:
    dims = b"".join(_varint(d) for d in spec["shape"])
    return (
        _text(1, spec["name"])
        + _int(2, DATA_TYPES[spec["datatype"]])
        + _field(dims_field, dims)
    )


def model_config_response(model: dict) -> bytes:
    config = (
        _text(1, model["name"])
        + _text(2, "onnxruntime_onnx")
        + b"".join(_field(5, _tensor(t, 4)) for t in model["inputs"])
        + b"".join(_field(6, _tensor(t, 3)) for t in model["outputs"])
    )
    return _field(1, config)


def model_statistics_response(models: list) -> bytes:
    return b"".join(
        _field(1, _text(1, m["name"]) + _text(2, m["version"]) + _field(6, b""))
        for m in models
    )


def _request_name(request: bytes) -> str:
    """Field 1 (name) of ModelConfigRequest / ModelStatisticsRequest."""
    i = 0
    while i < len(request):
        key, i = _read_varint(request, i)
        if key & 7 == 2:
            size, i = _read_varint(request, i)
            if key >> 3 == 1:
                return request[i : i + size].decode()
            i += size
        else:
            _, i = _read_varint(request, i)
    return ""


def _read_varint(data: bytes, i: int):
    shift = value = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, i


def _handler(models: dict) -> grpc.GenericRpcHandler:
    async def config(request: bytes, context) -> bytes:
        model = models.get(_request_name(request))
        if model is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, "unknown model")
        return model_config_response(model)

    async def statistics(request: bytes, context) -> bytes:
        name = _request_name(request)
        return model_statistics_response([m for m in models.values() if name in ("", m["name"])])

    raw = dict(request_deserializer=None, response_serializer=None)
    return grpc.method_handlers_generic_handler(
        SERVICE,
        {
            "ModelConfig": grpc.unary_unary_rpc_method_handler(config, **raw),
            "ModelStatistics": grpc.unary_unary_rpc_method_handler(statistics, **raw),
        },
    )


def install(module, function: str = "add_GRPCInferenceServiceServicer_to_server") -> None:
    """Wraps `module.function(servicer, server)` to add the two methods to the same server."""
    with open(os.environ[MODELS_ENV]) as f:
        models = {m["name"]: m for m in json.load(f)}
    original = getattr(module, function)

    def add_with_extensions(servicer, server):
        original(servicer, server)
        server.add_generic_rpc_handlers((_handler(models),))

    setattr(module, function, add_with_extensions)
