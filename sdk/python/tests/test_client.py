"""The client against an in-process gRPC server (plaintext, through Client.from_channel; the
live mesh with mutual TLS is integration/sdk-python.test.ts's)."""

import threading
import unittest
from concurrent import futures

import grpc
import numpy as np
from grpc_health.v1 import health, health_pb2_grpc

from shardmesh_client import Client, ShardmeshError
from shardmesh_client._proto.inference import grpc_service_pb2 as pb
from shardmesh_client._proto.inference import grpc_service_pb2_grpc as pb_grpc


class FakeRouter(pb_grpc.GRPCInferenceServiceServicer):
    """"double" returns each input times two; "typed" answers in typed contents; "slow" waits
    for the call's end; any other model is NOT_FOUND."""

    def __init__(self):
        self.deadline_s = None
        self.ended = threading.Event()

    def ModelInfer(self, request, context):
        response = pb.ModelInferResponse(model_name=request.model_name, id=request.id)
        if request.model_name == "double":
            for tensor, raw in zip(request.inputs, request.raw_input_contents):
                response.outputs.add(name=tensor.name + "2", datatype="FP32", shape=tensor.shape)
                response.raw_output_contents.append((np.frombuffer(raw, "<f4") * 2).astype("<f4").tobytes())
        elif request.model_name == "typed":
            response.outputs.add(name="n", datatype="INT64", shape=[2]).contents.int64_contents.extend([-5, 1 << 40])
        elif request.model_name == "slow":
            self.deadline_s = context.time_remaining()
            context.add_callback(self.ended.set)
            self.ended.wait(5)
            context.abort(grpc.StatusCode.CANCELLED, "ended")
        else:
            context.abort(grpc.StatusCode.NOT_FOUND, f"Request for unknown model: '{request.model_name}' is not found")
        return response


class ClientTest(unittest.TestCase):
    def setUp(self):
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        self.router = FakeRouter()
        pb_grpc.add_GRPCInferenceServiceServicer_to_server(self.router, self.server)
        health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), self.server)
        port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()
        self.client = Client.from_channel(grpc.insecure_channel(f"127.0.0.1:{port}"), timeout_s=5)

    def tearDown(self):
        self.client.close()
        self.server.stop(None)

    def test_infer_sends_raw_tensors_and_decodes_outputs_by_name(self):
        x = np.array([[1, -2.5], [0.25, 3]], dtype=np.float32)
        out = self.client.infer("double", {"x": x, "w": np.ones(3, np.float32)})
        self.assertEqual(list(out), ["x2", "w2"])
        np.testing.assert_array_equal(out["x2"], x * 2)
        self.assertEqual(out["x2"].dtype, np.float32)
        np.testing.assert_array_equal(out["w2"], [2, 2, 2])

    def test_typed_contents_read_like_raw(self):
        out = self.client.infer("typed", {})
        np.testing.assert_array_equal(out["n"], np.array([-5, 1 << 40], dtype=np.int64))

    def test_server_status_becomes_shardmesh_error(self):
        with self.assertRaises(ShardmeshError) as caught:
            self.client.infer("nope", {})
        self.assertEqual(caught.exception.code, grpc.StatusCode.NOT_FOUND)
        self.assertIn("unknown model", caught.exception.message)

    def test_timeout_travels_and_ends_the_call(self):
        with self.assertRaises(ShardmeshError) as caught:
            self.client.infer("slow", {}, timeout_s=0.3)
        self.assertEqual(caught.exception.code, grpc.StatusCode.DEADLINE_EXCEEDED)
        # The server rebuilds the deadline from the grpc-timeout header on its own clock, so it can
        # read a hair over 0.3 s (CI saw 0.3005); what matters is that 0.3 s travelled, not 5 s.
        self.assertTrue(0 < self.router.deadline_s < 0.5, self.router.deadline_s)

    def test_health_uses_the_standard_service(self):
        self.assertTrue(self.client.serving(""))

    def test_contradictory_options_are_refused_by_name(self):
        with self.assertRaisesRegex(ValueError, "`cert` and `key` go together"):
            Client("127.0.0.1:1", ca=__file__, cert=__file__)
        with self.assertRaisesRegex(ValueError, "`ca`: cannot read"):
            Client("127.0.0.1:1", ca="/no/such/ca.pem")


if __name__ == "__main__":
    unittest.main()
