"""The calls Triton's published Python examples make with tritonclient.grpc, against `simple`.

Usage: triton_examples.py ADDRESS CERTS_DIR CASE
CASE: infer | batch_limit | explicit_int | async_infer | stream | custom_args | keepalive | health_metadata

Each case makes the calls of one of Triton's examples (simple_grpc_infer_client.py,
grpc_explicit_int_content_client.py, ...) the way it makes them, adding only the address and the
TLS options, and checks what that example checks. It exits 1 with "FAILED: ..." on stderr where the
example would fail, and prints one JSON line of what the server said for the test to assert on.
Written for shardmesh's tests; no code is taken from Triton's examples.
"""

import json
import os
import queue
import sys
from functools import partial

import grpc
import numpy as np
import tritonclient.grpc as grpcclient
from tritonclient.grpc import service_pb2, service_pb2_grpc
from tritonclient.utils import InferenceServerException

MODEL = "simple"


def fail(message):
    print("FAILED: " + message, file=sys.stderr)
    sys.exit(1)


def tls(certs):
    """The only options added to the examples' calls: TLS with a client certificate."""
    return {
        "ssl": True,
        "root_certificates": os.path.join(certs, "ca.pem"),
        "private_key": os.path.join(certs, "client-key.pem"),
        "certificate_chain": os.path.join(certs, "client.pem"),
    }


def example_inputs(batch=1):
    """INPUT0 = 0..15 and INPUT1 = all ones, per row, as the examples feed `simple`."""
    input0 = np.tile(np.arange(16, dtype=np.int32), (batch, 1))
    input1 = np.ones((batch, 16), dtype=np.int32)
    inputs = [
        grpcclient.InferInput("INPUT0", [batch, 16], "INT32"),
        grpcclient.InferInput("INPUT1", [batch, 16], "INT32"),
    ]
    inputs[0].set_data_from_numpy(input0)
    inputs[1].set_data_from_numpy(input1)
    return inputs, input0, input1


def requested_outputs():
    return [grpcclient.InferRequestedOutput("OUTPUT0"), grpcclient.InferRequestedOutput("OUTPUT1")]


def check_sum_difference(result, input0, input1):
    """The examples' check: OUTPUT0 is the sum and OUTPUT1 the difference, element by element."""
    output0 = result.as_numpy("OUTPUT0")
    output1 = result.as_numpy("OUTPUT1")
    if output0 is None or output1 is None:
        fail("an output is missing")
    if not np.array_equal(output0, input0 + input1):
        fail("incorrect sum: %s" % output0.tolist())
    if not np.array_equal(output1, input0 - input1):
        fail("incorrect difference: %s" % output1.tolist())
    return {"OUTPUT0": output0.tolist(), "OUTPUT1": output1.tolist(), "dtype": str(output0.dtype)}


def case_infer(address, certs):
    client = grpcclient.InferenceServerClient(url=address, **tls(certs))
    inputs, input0, input1 = example_inputs()
    result = client.infer(
        model_name=MODEL,
        inputs=inputs,
        outputs=requested_outputs(),
        client_timeout=None,
        headers={"test": "1"},
        compression_algorithm=None,
    )
    statistics = client.get_inference_statistics(model_name=MODEL)
    if len(statistics.model_stats) != 1:
        fail("Inference Statistics: %d entries" % len(statistics.model_stats))
    with_outputs = check_sum_difference(result, input0, input1)
    # With no outputs named, every output comes back.
    result = client.infer(model_name=MODEL, inputs=inputs, outputs=None)
    all_outputs = check_sum_difference(result, input0, input1)
    return {"with_outputs": with_outputs, "no_outputs": all_outputs}


def case_explicit_int(address, certs):
    """Raw stubs, typed int_contents in, raw_output_contents read back by index."""
    files = tls(certs)
    read = lambda key: open(files[key], "rb").read()
    credentials = grpc.ssl_channel_credentials(
        read("root_certificates"), read("private_key"), read("certificate_chain")
    )
    stub = service_pb2_grpc.GRPCInferenceServiceStub(grpc.secure_channel(address, credentials))
    request = service_pb2.ModelInferRequest()
    request.model_name = MODEL
    request.model_version = ""
    input0_data = list(range(16))
    input1_data = [1] * 16
    for name, data in (("INPUT0", input0_data), ("INPUT1", input1_data)):
        tensor = service_pb2.ModelInferRequest().InferInputTensor()
        tensor.name = name
        tensor.datatype = "INT32"
        tensor.shape.extend([1, 16])
        tensor.contents.int_contents[:] = data
        request.inputs.extend([tensor])
    for name in ("OUTPUT0", "OUTPUT1"):
        output = service_pb2.ModelInferRequest().InferRequestedOutputTensor()
        output.name = name
        request.outputs.extend([output])
    response = stub.ModelInfer(request)
    results = []
    for index, output in enumerate(response.outputs):
        values = np.frombuffer(response.raw_output_contents[index], dtype=np.int32)
        results.append(np.resize(values, list(output.shape)))
    if len(results) != 2:
        fail("expected two output results")
    for i in range(16):
        if input0_data[i] + input1_data[i] != results[0][0][i]:
            fail("incorrect sum")
        if input0_data[i] - input1_data[i] != results[1][0][i]:
            fail("incorrect difference")
    # Raw bytes for one input besides typed contents: the example expects a refusal.
    request.raw_input_contents.extend([np.array(input0_data[0:8]).tobytes()])
    request.inputs[0].contents.int_contents[:] = input0_data[8:]
    try:
        stub.ModelInfer(request)
        fail("raw_input_contents beside contents was accepted")
    except grpc.RpcError as error:
        refusal = {"code": error.code().name, "details": error.details()}
    return {
        "names": [o.name for o in response.outputs],
        "typed_contents": [o.HasField("contents") for o in response.outputs],
        "OUTPUT0": results[0].tolist(),
        "OUTPUT1": results[1].tolist(),
        "mixed_refusal": refusal,
    }


def case_async_infer(address, certs):
    client = grpcclient.InferenceServerClient(url=address, **tls(certs))
    inputs, input0, input1 = example_inputs()
    answers = queue.Queue()

    def callback(user_data, result, error):
        user_data.put(error if error else result)

    client.async_infer(
        model_name=MODEL,
        inputs=inputs,
        callback=partial(callback, answers),
        outputs=requested_outputs(),
        client_timeout=None,
    )
    answer = answers.get(timeout=10)
    if isinstance(answer, InferenceServerException):
        fail(str(answer))
    return check_sum_difference(answer, input0, input1)


def case_stream(address, certs):
    """start_stream / async_stream_infer / stop_stream, answers matched by request id."""
    client = grpcclient.InferenceServerClient(url=address, **tls(certs))
    answers = queue.Queue()
    client.start_stream(callback=partial(lambda q, result, error: q.put((result, error)), answers))
    sent = {}
    for i in range(3):
        inputs, input0, input1 = example_inputs(batch=i + 1)
        client.async_stream_infer(
            model_name=MODEL, inputs=inputs, request_id=str(i), outputs=requested_outputs()
        )
        sent[str(i)] = (input0, input1)
    # A wrong shape: answered on the stream with an error, and the stream carries on.
    bad = grpcclient.InferInput("INPUT0", [1, 15], "INT32")
    bad.set_data_from_numpy(np.zeros((1, 15), dtype=np.int32))
    client.async_stream_infer(model_name=MODEL, inputs=[bad, example_inputs()[0][1]], request_id="bad")
    results, errors = {}, []
    for _ in range(4):
        result, error = answers.get(timeout=10)
        if error is not None:
            errors.append(error.message())
            continue
        request_id = result.get_response().id
        input0, input1 = sent[request_id]
        results[request_id] = check_sum_difference(result, input0, input1)
    client.stop_stream()
    return {"ids": sorted(results), "shapes": [len(results[k]["OUTPUT0"]) for k in sorted(results)], "errors": errors}


def case_custom_args(address, certs):
    """channel_args as simple_grpc_custom_args_client.py sets them, request parameters, timeouts."""
    channel_args = [
        ("grpc.max_send_message_length", 1024 * 1024),
        ("grpc.max_receive_message_length", 1024 * 1024),
        ("grpc.keepalive_time_ms", 2**31 - 1),
        ("grpc.keepalive_timeout_ms", 20000),
        ("grpc.keepalive_permit_without_calls", False),
        ("grpc.http2.max_pings_without_data", 2),
        ("grpc.dns_enable_srv_queries", 1),
    ]
    client = grpcclient.InferenceServerClient(url=address, channel_args=channel_args, **tls(certs))
    inputs, input0, input1 = example_inputs()
    result = client.infer(
        model_name=MODEL, inputs=inputs, outputs=requested_outputs(), headers={"test": "1"}
    )
    custom = check_sum_difference(result, input0, input1)
    result = client.infer(
        model_name=MODEL,
        inputs=inputs,
        outputs=requested_outputs(),
        parameters={"note": "from a test", "attempt": 1, "urgent": True},
        client_timeout=10.0,
    )
    parameters = check_sum_difference(result, input0, input1)
    try:
        client.infer(model_name=MODEL, inputs=inputs, client_timeout=0.000001)
        fail("a 1 µs client timeout did not expire")
    except InferenceServerException as error:
        expired = {"status": error.status(), "message": error.message()}
    return {"channel_args": custom, "parameters": parameters, "expired": expired}


def case_keepalive(address, certs):
    keepalive = grpcclient.KeepAliveOptions(
        keepalive_time_ms=2**31 - 1,
        keepalive_timeout_ms=20000,
        keepalive_permit_without_calls=False,
        http2_max_pings_without_data=2,
    )
    client = grpcclient.InferenceServerClient(url=address, keepalive_options=keepalive, **tls(certs))
    inputs, input0, input1 = example_inputs()
    result = client.infer(
        model_name=MODEL, inputs=inputs, outputs=requested_outputs(), headers={"test": "1"}
    )
    return check_sum_difference(result, input0, input1)


def case_health_metadata(address, certs):
    client = grpcclient.InferenceServerClient(url=address, **tls(certs))
    if not client.is_server_live(headers={"test": "1", "dummy": "2"}):
        fail("is_server_live")
    if not client.is_server_ready():
        fail("is_server_ready")
    if not client.is_model_ready(MODEL):
        fail("is_model_ready")
    # Triton's example also checks that the server calls itself "triton"; shardmesh answers with
    # its own name (the test asserts "shardmesh"), the one check of those examples not mirrored.
    server = client.get_server_metadata()
    metadata = client.get_model_metadata(MODEL, headers={"test": "1", "dummy": "2"})
    if metadata.name != MODEL:
        fail("get_model_metadata")
    try:
        client.get_model_metadata("wrong_model_name")
        fail("get_model_metadata wrong_model_name answered")
    except InferenceServerException as error:
        if "Request for unknown model" not in error.message():
            fail("get_model_metadata wrong_model_name: " + error.message())
        unknown = {"status": error.status(), "message": error.message()}
    config = client.get_model_config(MODEL)
    if config.config.name != MODEL:
        fail("get_model_config")
    return {
        "server": client.get_server_metadata(as_json=True),
        "server_name": server.name,
        "model_metadata": client.get_model_metadata(MODEL, as_json=True),
        "model_config": client.get_model_config(MODEL, as_json=True)["config"],
        "unknown": unknown,
    }


def case_batch_limit(address, certs):
    """Not one of Triton's examples: max_batch_size 8 lets a batch of 8 run and refuses 9."""
    client = grpcclient.InferenceServerClient(url=address, **tls(certs))
    inputs, input0, input1 = example_inputs(batch=8)
    eight = check_sum_difference(client.infer(MODEL, inputs), input0, input1)
    try:
        client.infer(MODEL, example_inputs(batch=9)[0])
        fail("a batch of 9 ran")
    except InferenceServerException as error:
        refused = {"status": error.status(), "message": error.message()}
    return {"rows": len(eight["OUTPUT0"]), "nine": refused}


CASES = {
    "infer": case_infer,
    "batch_limit": case_batch_limit,
    "explicit_int": case_explicit_int,
    "async_infer": case_async_infer,
    "stream": case_stream,
    "custom_args": case_custom_args,
    "keepalive": case_keepalive,
    "health_metadata": case_health_metadata,
}

if __name__ == "__main__":
    address, certs, case = sys.argv[1:4]
    print(json.dumps(CASES[case](address, certs)))
