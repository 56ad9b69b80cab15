"""shardmesh_client: a thin, typed client of a shardmesh router (the Open Inference Protocol,
KServe V2 / Triton gRPC), with numpy arrays in and out.

    from shardmesh_client import Client
    client = Client("127.0.0.1:8001", ca="ca.pem", cert="client.pem", key="client-key.pem")
    outputs = client.infer("mlp", {"x": x})

The generated stubs live in shardmesh_client._proto (a private descriptor pool, so tritonclient
can be imported in the same process); `Client.stub` is the generated V2 stub.
"""

from .client import DEFAULT_TIMEOUT_S, Client
from .errors import ShardmeshError

__all__ = ["Client", "ShardmeshError", "DEFAULT_TIMEOUT_S"]
