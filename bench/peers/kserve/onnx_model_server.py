"""The KServe Python model server serving ONNX files with ONNX Runtime on CPU.

Usage: python onnx_model_server.py --model NAME=FILE [--model ...] --grpc_port P --http_port P
(KServe's ModelServer reads its own flags, such as --grpc_port and --workers, from sys.argv.)

KServe ships no ONNX runtime for its Python server (ONNX models go to Triton there), so this is
the short `kserve.Model` a user would write, configured like a shardmesh shard: one intra-op
thread, one inter-op thread, sequential execution, ORT's default graph optimisations, no batching.
`predict` is synchronous, as in KServe's own sklearn and xgboost servers.
"""

import argparse
import os
import sys

import onnxruntime as ort

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import triton_extensions  # noqa: E402
from kserve.protocol.grpc import grpc_predict_v2_pb2_grpc  # noqa: E402

triton_extensions.install(grpc_predict_v2_pb2_grpc)

from kserve import InferOutput, InferRequest, InferResponse, Model, ModelServer  # noqa: E402
from kserve.utils.numpy_codec import from_np_dtype  # noqa: E402


ORT_TYPES = {
    "tensor(float)": "FP32", "tensor(double)": "FP64", "tensor(float16)": "FP16",
    "tensor(int64)": "INT64", "tensor(int32)": "INT32", "tensor(int16)": "INT16",
    "tensor(int8)": "INT8", "tensor(uint8)": "UINT8", "tensor(bool)": "BOOL",
}


def tensor_metadata(arg) -> dict:
    """ModelMetadata's view of an ORT NodeArg: dynamic dims are -1."""
    shape = [d if isinstance(d, int) else -1 for d in arg.shape]
    return {"name": arg.name, "datatype": ORT_TYPES[arg.type], "shape": shape}


class OnnxRuntimeModel(Model):
    def __init__(self, name: str, path: str):
        super().__init__(name)
        self.path = path
        self.load()

    def load(self) -> bool:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self.session = ort.InferenceSession(self.path, options, providers=["CPUExecutionProvider"])
        self.output_names = [o.name for o in self.session.get_outputs()]
        self.ready = True
        return self.ready

    def get_input_types(self) -> list:
        return [tensor_metadata(i) for i in self.session.get_inputs()]

    def get_output_types(self) -> list:
        return [tensor_metadata(o) for o in self.session.get_outputs()]

    def predict(self, payload: InferRequest, headers=None, response_headers=None) -> InferResponse:
        feeds = {i.name: i.as_numpy() for i in payload.inputs}
        results = self.session.run(self.output_names, feeds)
        outputs = [
            InferOutput(name=name, shape=list(value.shape), datatype=from_np_dtype(value.dtype), data=value)
            for name, value in zip(self.output_names, results)
        ]
        return InferResponse(response_id=payload.id, model_name=self.name, infer_outputs=outputs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", action="append", required=True, help="NAME=FILE")
    own, _ = parser.parse_known_args()
    models = [OnnxRuntimeModel(*spec.split("=", 1)) for spec in own.model]
    ModelServer().start(models)
