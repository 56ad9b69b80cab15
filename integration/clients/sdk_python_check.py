"""shardmesh_client and tritonclient.grpc imported in one process, both calling a live router.

Usage: sdk_python_check.py ADDRESS CERTS_DIR TOKEN INPUT.raw OURS.raw TRITON.raw
Reads an FP32 [3, 8] input for the demo model `mlp`, infers it over mutual TLS through both
clients (tritonclient's stubs are imported first, so ours load second into a process that already
holds its `inference` package), and through shardmesh_client again with the bearer TOKEN and only
the CA; writes each `y` to the .raw files, and prints one JSON line of what the calls said.
"""

import json
import os
import sys

import tritonclient.grpc as grpcclient  # first: its stubs register `inference.*` in the default pool

import numpy as np
from shardmesh_client import Client, ShardmeshError


def main() -> None:
    address, certs, token, input_path, ours_path, triton_path = sys.argv[1:7]
    ca, cert, key = (os.path.join(certs, f) for f in ("ca.pem", "client.pem", "client-key.pem"))
    x = np.fromfile(input_path, dtype="<f4").reshape(3, 8)

    triton = grpcclient.InferenceServerClient(
        url=address, ssl=True, root_certificates=ca, private_key=key, certificate_chain=cert
    )
    infer_input = grpcclient.InferInput("x", [3, 8], "FP32")
    infer_input.set_data_from_numpy(x)
    triton.infer("mlp", [infer_input]).as_numpy("y").astype("<f4").tofile(triton_path)

    with Client(address, ca=ca, cert=cert, key=key) as ours:
        y = ours.infer("mlp", {"x": x}, outputs=["y"], timeout_s=30)["y"]
        y.astype("<f4").tofile(ours_path)
        try:
            ours.infer("no-such-model", {"x": x})
            unknown = "no error"
        except ShardmeshError as error:
            unknown = error.code.name
        said = {
            "live": ours.server_live(),
            "ready": ours.server_ready(),
            "model_ready": ours.model_ready("mlp"),
            "serving": ours.serving(""),
            "metadata_inputs": [[t.name, t.datatype, list(t.shape)] for t in ours.model_metadata("mlp").inputs],
            "shape": list(y.shape),
            "dtype": str(y.dtype),
            "unknown_model": unknown,
        }
    with Client(address, ca=ca, token=token) as by_token:
        said["token_equal"] = bool(np.array_equal(by_token.infer("mlp", {"x": x})["y"], y))
    print(json.dumps(said))


if __name__ == "__main__":
    main()
