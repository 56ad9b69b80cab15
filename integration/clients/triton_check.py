"""Drives the router with Triton's own Python client, as a user of tritonclient would.

Usage: triton_check.py ADDRESS CERTS_DIR MODEL INPUT_NAME SHAPE(comma) INPUT.raw OUTPUT.raw
Reads the FP32 input from INPUT.raw, infers over TLS with a client certificate, writes the first
output's bytes to OUTPUT.raw and prints one JSON line of what the server said, for the test to
assert on.
"""

import json
import os
import sys

import numpy as np
import tritonclient.grpc as grpcclient


def main() -> None:
    address, certs, model, input_name, shape, input_path, output_path = sys.argv[1:8]
    dims = [int(d) for d in shape.split(",")]
    client = grpcclient.InferenceServerClient(
        url=address,
        ssl=True,
        root_certificates=os.path.join(certs, "ca.pem"),
        private_key=os.path.join(certs, "client-key.pem"),
        certificate_chain=os.path.join(certs, "client.pem"),
    )
    metadata = client.get_model_metadata(model, as_json=True)
    data = np.fromfile(input_path, dtype="<f4").reshape(dims)
    infer_input = grpcclient.InferInput(input_name, dims, "FP32")
    infer_input.set_data_from_numpy(data)
    output_name = metadata["outputs"][0]["name"]
    result = client.infer(model, [infer_input], outputs=[grpcclient.InferRequestedOutput(output_name)])
    output = result.as_numpy(output_name)
    output.astype("<f4").tofile(output_path)
    print(
        json.dumps(
            {
                "live": client.is_server_live(),
                "ready": client.is_server_ready(),
                "model_ready": client.is_model_ready(model),
                "metadata": metadata,
                "output_shape": list(output.shape),
            }
        )
    )


if __name__ == "__main__":
    main()
