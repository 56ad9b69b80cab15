"""The call Triton's simple_grpc_string_infer_client.py makes, made our own way with tritonclient.

Usage: triton_string_check.py ADDRESS CERTS_DIR
Sends INPUT0 = 0..15 and INPUT1 = 1s to `simple_string` as BYTES tensors built from numpy object
arrays of UTF-8 bytes (InferInput(name, [1, 16], "BYTES") and set_data_from_numpy, as the example
does), reads OUTPUT0 and OUTPUT1 with as_numpy, and checks them against the sum and difference as
the example does (int() of each element). Exits 1 on a mismatch; prints one JSON line of what it
received, for the test to assert on. Only the address and TLS options differ from the example.
"""

import json
import os
import sys

import numpy as np
import tritonclient.grpc as grpcclient


def main() -> None:
    address, certs = sys.argv[1:3]
    client = grpcclient.InferenceServerClient(
        url=address,
        ssl=True,
        root_certificates=os.path.join(certs, "ca.pem"),
        private_key=os.path.join(certs, "client-key.pem"),
        certificate_chain=os.path.join(certs, "client.pem"),
    )
    model_name = "simple_string"

    in0 = np.expand_dims(np.arange(start=0, stop=16, dtype=np.int32), axis=0)
    in1 = np.ones(shape=(1, 16), dtype=np.int32)
    expected_sum = np.add(in0, in1)
    expected_diff = np.subtract(in0, in1)

    # Elements as bytes in numpy object arrays: what tritonclient serializes as BYTES.
    input0_data = np.array([str(x).encode("utf-8") for x in in0.reshape(in0.size)], dtype=np.object_).reshape(
        in0.shape
    )
    input1_data = np.array([str(x).encode("utf-8") for x in in1.reshape(in1.size)], dtype=np.object_).reshape(
        in1.shape
    )

    inputs = [
        grpcclient.InferInput("INPUT0", [1, 16], "BYTES"),
        grpcclient.InferInput("INPUT1", [1, 16], "BYTES"),
    ]
    inputs[0].set_data_from_numpy(input0_data)
    inputs[1].set_data_from_numpy(input1_data)
    outputs = [grpcclient.InferRequestedOutput("OUTPUT0"), grpcclient.InferRequestedOutput("OUTPUT1")]

    results = client.infer(model_name=model_name, inputs=inputs, outputs=outputs)
    output0_data = results.as_numpy("OUTPUT0")
    output1_data = results.as_numpy("OUTPUT1")

    failures = []
    for i in range(16):
        if expected_sum[0][i] != int(output0_data[0][i]):
            failures.append(f"sum {i}: {output0_data[0][i]!r}")
        if expected_diff[0][i] != int(output1_data[0][i]):
            failures.append(f"difference {i}: {output1_data[0][i]!r}")
    print(
        json.dumps(
            {
                "output0": [e.decode("utf-8") for e in output0_data.reshape(-1)],
                "output1": [e.decode("utf-8") for e in output1_data.reshape(-1)],
                "shape": list(output0_data.shape),
                "dtype": str(output0_data.dtype),
                "datatype": results.get_output("OUTPUT0").datatype,
                "failures": failures,
            }
        )
    )
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
