"""The calls Triton's published asyncio examples make with tritonclient.grpc.aio, against `simple`.

Usage: triton_aio_examples.py ADDRESS CERTS_DIR CASE
CASE: infer | stream | custom_args | keepalive | health_metadata

As triton_examples.py, for simple_grpc_aio_*.py: each case makes one example's calls the way it
makes them, adding only the address and TLS options, exits 1 with "FAILED: ..." where the example
would fail, and prints one JSON line for the test. No code is taken from Triton's examples.
"""

import asyncio
import json
import sys

import numpy as np
import tritonclient.grpc.aio as grpcclient
from tritonclient.utils import InferenceServerException

from triton_examples import MODEL, check_sum_difference, fail, tls


def example_inputs(batch=1):
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


async def case_infer(address, certs):
    async with grpcclient.InferenceServerClient(url=address, **tls(certs)) as client:
        inputs, input0, input1 = example_inputs()
        result = await client.infer(
            model_name=MODEL, inputs=inputs, outputs=requested_outputs(), headers={"test": "1"}
        )
        statistics = await client.get_inference_statistics(model_name=MODEL)
        if len(statistics.model_stats) != 1:
            fail("Inference Statistics")
        first = check_sum_difference(result, input0, input1)
        result = await client.infer(model_name=MODEL, inputs=inputs, outputs=None)
        return {"with_outputs": first, "no_outputs": check_sum_difference(result, input0, input1)}


async def case_stream(address, certs):
    """stream_infer over an async generator of request dicts; answers matched by request id."""
    sent = {}

    async def requests():
        for i in range(3):
            inputs, input0, input1 = example_inputs(batch=i + 1)
            sent[str(i)] = (input0, input1)
            yield {
                "model_name": MODEL,
                "inputs": inputs,
                "outputs": requested_outputs(),
                "request_id": str(i),
            }

    async with grpcclient.InferenceServerClient(url=address, **tls(certs)) as client:
        results = {}
        responses = client.stream_infer(inputs_iterator=requests())
        async for result, error in responses:
            if error:
                fail(str(error))
            request_id = result.get_response().id
            input0, input1 = sent[request_id]
            results[request_id] = check_sum_difference(result, input0, input1)
            if len(results) == 3:
                break
        return {"ids": sorted(results)}


async def case_custom_args(address, certs):
    channel_args = [
        ("grpc.max_send_message_length", 1024 * 1024),
        ("grpc.max_receive_message_length", 1024 * 1024),
        ("grpc.keepalive_time_ms", 2**31 - 1),
        ("grpc.keepalive_timeout_ms", 20000),
        ("grpc.keepalive_permit_without_calls", False),
        ("grpc.http2.max_pings_without_data", 2),
        ("grpc.dns_enable_srv_queries", 1),
    ]
    async with grpcclient.InferenceServerClient(
        url=address, channel_args=channel_args, **tls(certs)
    ) as client:
        inputs, input0, input1 = example_inputs()
        result = await client.infer(
            model_name=MODEL,
            inputs=inputs,
            outputs=requested_outputs(),
            headers={"test": "1"},
            parameters={"note": "from a test"},
            client_timeout=10.0,
        )
        return check_sum_difference(result, input0, input1)


async def case_keepalive(address, certs):
    keepalive = grpcclient.KeepAliveOptions(
        keepalive_time_ms=2**31 - 1,
        keepalive_timeout_ms=20000,
        keepalive_permit_without_calls=False,
        http2_max_pings_without_data=2,
    )
    async with grpcclient.InferenceServerClient(
        url=address, keepalive_options=keepalive, **tls(certs)
    ) as client:
        inputs, input0, input1 = example_inputs()
        result = await client.infer(
            model_name=MODEL, inputs=inputs, outputs=requested_outputs(), headers={"test": "1"}
        )
        return check_sum_difference(result, input0, input1)


async def case_health_metadata(address, certs):
    async with grpcclient.InferenceServerClient(url=address, **tls(certs)) as client:
        if not await client.is_server_live(headers={"test": "1", "dummy": "2"}):
            fail("is_server_live")
        if not await client.is_server_ready():
            fail("is_server_ready")
        if not await client.is_model_ready(MODEL):
            fail("is_model_ready")
        server = await client.get_server_metadata()
        metadata = await client.get_model_metadata(MODEL, headers={"test": "1", "dummy": "2"})
        if metadata.name != MODEL:
            fail("get_model_metadata")
        try:
            await client.get_model_metadata("wrong_model_name")
            fail("get_model_metadata wrong_model_name answered")
        except InferenceServerException as error:
            if "Request for unknown model" not in error.message():
                fail("get_model_metadata wrong_model_name: " + error.message())
            unknown = error.message()
        config = await client.get_model_config(MODEL)
        if config.config.name != MODEL:
            fail("get_model_config")
        return {
            "server_name": server.name,
            "platform": metadata.platform,
            "max_batch_size": config.config.max_batch_size,
            "unknown": unknown,
        }


CASES = {
    "infer": case_infer,
    "stream": case_stream,
    "custom_args": case_custom_args,
    "keepalive": case_keepalive,
    "health_metadata": case_health_metadata,
}

if __name__ == "__main__":
    address, certs, case = sys.argv[1:4]
    print(json.dumps(asyncio.run(CASES[case](address, certs))))
