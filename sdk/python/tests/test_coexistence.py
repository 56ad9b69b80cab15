"""tritonclient.grpc and shardmesh_client in one process: both stub sets load, in either order,
and encode the same protocol (the live calls through both are in
integration/clients/sdk_python_check.py)."""

import importlib.util
import subprocess
import sys
import unittest

HAS_TRITONCLIENT = importlib.util.find_spec("tritonclient") is not None

SCRIPT = """
import {first}, {second}
import numpy as np
import tritonclient.grpc.service_pb2 as triton_pb
from shardmesh_client._proto.inference import grpc_service_pb2 as ours
request = ours.ModelInferRequest(model_name="m", id="1")
request.inputs.add(name="x", datatype="FP32", shape=[1, 2])
request.raw_input_contents.append(np.array([1, 2], "<f4").tobytes())
theirs = triton_pb.ModelInferRequest.FromString(request.SerializeToString())
assert (theirs.model_name, theirs.inputs[0].shape, theirs.raw_input_contents) == ("m", [1, 2], request.raw_input_contents)
assert ours.ModelInferRequest.FromString(theirs.SerializeToString()) == request
assert ours.DESCRIPTOR.services_by_name["GRPCInferenceService"].full_name == "inference.GRPCInferenceService"
print("ok")
"""


@unittest.skipUnless(HAS_TRITONCLIENT, "tritonclient[grpc] is not installed (npm test's venv has it)")
class CoexistenceTest(unittest.TestCase):
    def run_script(self, first, second):
        # A fresh interpreter per order: import order is what used to matter.
        code = SCRIPT.format(first=first, second=second)
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "ok")

    def test_tritonclient_first(self):
        self.run_script("tritonclient.grpc", "shardmesh_client")

    def test_shardmesh_client_first(self):
        self.run_script("shardmesh_client", "tritonclient.grpc")


if __name__ == "__main__":
    unittest.main()
