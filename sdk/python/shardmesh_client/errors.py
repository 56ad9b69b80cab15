"""The one error type the client raises for a call that fails."""

from __future__ import annotations

import grpc


class ShardmeshError(Exception):
    """A call failed; `code` is the gRPC status the mesh answered with (the error table in
    proto/inference/grpc_service.proto), or INVALID_ARGUMENT for a request the client refused to
    send, or DEADLINE_EXCEEDED / CANCELLED for the caller's own timeout or cancellation.

    `message` is for people and never carries the mesh's internal detail. UNAVAILABLE and
    RESOURCE_EXHAUSTED are the codes where a retry can help.
    """

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message

    @classmethod
    def from_rpc(cls, error: grpc.RpcError) -> ShardmeshError:
        """The status a failed gRPC call carried."""
        call = error if isinstance(error, grpc.Call) else None
        code = call.code() if call is not None else grpc.StatusCode.UNKNOWN
        details = (call.details() if call is not None else None) or str(error)
        return cls(code, details)


def invalid_argument(message: str) -> ShardmeshError:
    return ShardmeshError(grpc.StatusCode.INVALID_ARGUMENT, message)
