"""A thin client of a shardmesh router (or any Open Inference Protocol server) over TLS."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import grpc
import numpy as np
from grpc_health.v1 import health_pb2, health_pb2_grpc

from ._proto.inference import grpc_service_pb2 as pb
from ._proto.inference import grpc_service_pb2_grpc as pb_grpc
from .errors import ShardmeshError
from .tensors import DATATYPES, decode, encode

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 30.0
"""The deadline of a call that names none."""

# Typed InferTensorContents fields by datatype, for servers that answer without raw contents.
_TYPED_FIELDS = {
    "BOOL": "bool_contents", "INT8": "int_contents", "INT16": "int_contents", "INT32": "int_contents",
    "INT64": "int64_contents", "UINT8": "uint_contents", "UINT16": "uint_contents",
    "UINT32": "uint_contents", "UINT64": "uint64_contents", "FP32": "fp32_contents",
    "FP64": "fp64_contents",
}  # fmt: skip


class Client:
    """Calls one router over one gRPC channel; safe to share between threads.

    TLS is required: `ca` (PEM file) verifies the router; `cert` and `key` (PEM files) add a
    client certificate (mutual TLS), and/or `token` sends `authorization: Bearer TOKEN`.
    `npm start` prints .shardmesh/certs/ca.pem, client.pem, client-key.pem and a token.
    `timeout_s` is the deadline of calls that pass none (default 30 s).
    """

    def __init__(
        self,
        address: str,
        *,
        ca: str | Path,
        cert: str | Path | None = None,
        key: str | Path | None = None,
        token: str | None = None,
        server_name: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        channel_options: Sequence[tuple[str, Any]] = (),
    ) -> None:
        if (cert is None) != (key is None):
            raise ValueError("Client: `cert` and `key` go together (the client certificate and its key)")
        if timeout_s <= 0:
            raise ValueError(f"Client: `timeout_s` must be positive, got {timeout_s}")
        if token == "":
            raise ValueError("Client: `token` is empty")
        credentials = grpc.ssl_channel_credentials(
            root_certificates=_read(ca, "ca"),
            private_key=_read(key, "key") if key is not None else None,
            certificate_chain=_read(cert, "cert") if cert is not None else None,
        )
        if token is not None:
            credentials = grpc.composite_channel_credentials(credentials, grpc.access_token_call_credentials(token))
        options = list(channel_options)
        if server_name:
            options.append(("grpc.ssl_target_name_override", server_name))
        self._init(grpc.secure_channel(address, credentials, options=options), timeout_s)

    @classmethod
    def from_channel(cls, channel: grpc.Channel, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> Client:
        """A client on a channel the caller built (and closes, through `close()` or its own)."""
        client = cls.__new__(cls)
        client._init(channel, timeout_s)
        return client

    def _init(self, channel: grpc.Channel, timeout_s: float) -> None:
        self._channel = channel
        self._timeout_s = timeout_s
        self.stub = pb_grpc.GRPCInferenceServiceStub(channel)
        """The generated V2 stub on the same channel, for calls the helpers do not wrap."""
        self._health = health_pb2_grpc.HealthStub(channel)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def server_live(self, *, timeout_s: float | None = None) -> bool:
        return self._call(self.stub.ServerLive, pb.ServerLiveRequest(), timeout_s).live

    def server_ready(self, *, timeout_s: float | None = None) -> bool:
        """True when some model has a replica for every partition."""
        return self._call(self.stub.ServerReady, pb.ServerReadyRequest(), timeout_s).ready

    def model_ready(self, model: str, version: str = "", *, timeout_s: float | None = None) -> bool:
        """True when every partition of the model has a healthy replica; NOT_FOUND for an unknown model."""
        request = pb.ModelReadyRequest(name=model, version=version)
        return self._call(self.stub.ModelReady, request, timeout_s).ready

    def serving(self, service: str = "", *, timeout_s: float | None = None) -> bool:
        """The standard gRPC health check (grpc.health.v1, from grpcio-health-checking): is
        `service` SERVING? "" asks about the router process as a whole."""
        request = health_pb2.HealthCheckRequest(service=service)
        response = self._call(self._health.Check, request, timeout_s)
        return response.status == health_pb2.HealthCheckResponse.SERVING

    def model_metadata(self, model: str, version: str = "", *, timeout_s: float | None = None) -> pb.ModelMetadataResponse:
        """Versions, inputs and outputs (name, datatype, shape with -1 for a variable dim)."""
        request = pb.ModelMetadataRequest(name=model, version=version)
        return self._call(self.stub.ModelMetadata, request, timeout_s)

    def infer(
        self,
        model: str,
        inputs: Mapping[str, np.ndarray],
        outputs: Sequence[str] | None = None,
        *,
        version: str = "",
        request_id: str = "",
        timeout_s: float | None = None,
    ) -> dict[str, np.ndarray]:
        """Runs `model` on `inputs` (name to array; the dtype picks the datatype, e.g. float32 is
        FP32, an object/bytes array is BYTES) and returns its outputs by name, in the order asked
        (`outputs`, default all of the model's). Raises ShardmeshError with the router's status."""
        request = pb.ModelInferRequest(model_name=model, model_version=version, id=request_id)
        for name, array in inputs.items():
            datatype, shape, raw = encode(name, np.asarray(array))
            request.inputs.add(name=name, datatype=datatype, shape=shape)
            request.raw_input_contents.append(raw)
        for name in outputs or ():
            request.outputs.add(name=name)
        response = self._call(self.stub.ModelInfer, request, timeout_s)
        return _outputs(response)

    def _call(self, method: Callable[..., T], request: object, timeout_s: float | None) -> T:
        try:
            return method(request, timeout=self._timeout_s if timeout_s is None else timeout_s)
        except grpc.RpcError as error:
            raise ShardmeshError.from_rpc(error) from None


def _outputs(response: pb.ModelInferResponse) -> dict[str, np.ndarray]:
    raw = list(response.raw_output_contents)
    if raw and len(raw) != len(response.outputs):
        raise ShardmeshError(grpc.StatusCode.INTERNAL, "the response has a different number of raw contents than outputs")
    result = {}
    for i, output in enumerate(response.outputs):
        shape = list(output.shape)
        if raw:
            result[output.name] = decode(output.name, output.datatype, shape, raw[i])
        elif output.datatype == "BYTES":
            result[output.name] = np.array(list(output.contents.bytes_contents), dtype=object).reshape(shape)
        elif output.datatype in _TYPED_FIELDS:
            field = getattr(output.contents, _TYPED_FIELDS[output.datatype])
            result[output.name] = np.array(list(field), dtype=DATATYPES[output.datatype]).reshape(shape)
        else:
            message = f'output "{output.name}": {output.datatype} came without raw contents'
            raise ShardmeshError(grpc.StatusCode.INTERNAL, message)
    return result


def _read(path: str | Path, option: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise ValueError(f"Client: `{option}`: cannot read {path}: {error.strerror}") from None
