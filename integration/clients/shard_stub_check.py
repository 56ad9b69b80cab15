"""Calls a shard with Python stubs generated from shard.proto, as a client in another language would.

Usage: shard_stub_check.py PROTO_ROOT OUT_DIR ADDRESS CERTS_DIR MODEL STAGE PARTITION INPUT_NAME SHAPE(comma) INPUT.raw
Generates shardmesh/v1/shard_pb2*.py into OUT_DIR with grpc_tools.protoc, then sends ONE call on one
Shard.Infer stream over mutual TLS with the router's certificate: a header (call_id left at its
default, 0), the FP32 input as one chunk, then half-closes. Prints one JSON line: the kinds of
the messages that came back, their call ids, the output specs, the output bytes (hex) and the
trailer's instance id, for the test to assert on.
"""

import json
import os
import sys


def main() -> None:
    proto_root, out_dir, address, certs, model, stage, partition, name, shape, input_path = sys.argv[1:11]
    from grpc_tools import protoc

    code = protoc.main(
        ["protoc", f"-I{proto_root}", f"--python_out={out_dir}", f"--grpc_python_out={out_dir}",
         os.path.join(proto_root, "shardmesh", "v1", "shard.proto")]
    )
    if code != 0:
        raise SystemExit(f"protoc failed with {code}")
    sys.path.insert(0, out_dir)
    import grpc
    from shardmesh.v1 import shard_pb2, shard_pb2_grpc

    def read(file: str) -> bytes:
        with open(os.path.join(certs, file), "rb") as f:
            return f.read()

    credentials = grpc.ssl_channel_credentials(
        root_certificates=read("ca.pem"),
        private_key=read("router-key.pem"),
        certificate_chain=read("router.pem"),
    )
    with open(input_path, "rb") as f:
        data = f.read()
    dims = [int(d) for d in shape.split(",")]
    header = shard_pb2.InferHeader(
        request_id="python-stub", model=model, version="1", stage=stage, partition=int(partition),
        inputs=[shard_pb2.TensorSpec(name=name, datatype="FP32", shape=dims)], timeout_us=30_000_000,
    )
    requests = [
        shard_pb2.ShardRequest(header=header),
        shard_pb2.ShardRequest(chunk=shard_pb2.TensorChunk(tensor=0, offset=0, data=data)),
    ]
    with grpc.secure_channel(address, credentials) as channel:
        stub = shard_pb2_grpc.ShardStub(channel)
        said = {"kinds": [], "call_ids": [], "outputs": [], "data": "", "instance_id": "", "error": None}
        output = bytearray()
        for response in stub.Infer(iter(requests), timeout=60):
            kind = response.WhichOneof("kind")
            said["kinds"].append(kind)
            said["call_ids"].append(response.call_id)
            if kind == "header":
                said["outputs"] = [
                    {"name": o.name, "datatype": o.datatype, "shape": list(o.shape)} for o in response.header.outputs
                ]
            elif kind == "chunk":
                end = response.chunk.offset + len(response.chunk.data)
                output.extend(b"\0" * max(0, end - len(output)))
                output[response.chunk.offset:end] = response.chunk.data
            elif kind == "trailer":
                said["instance_id"] = response.trailer.instance_id
            elif kind == "error":
                said["error"] = {"code": response.error.code, "message": response.error.message}
        said["data"] = bytes(output).hex()
    print(json.dumps(said))


if __name__ == "__main__":
    main()
