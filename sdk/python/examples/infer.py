"""Calls the demo model of `npm start`'s mesh once, with mutual TLS, and prints the output's shape
and values. Run it from the repository root while `npm start` runs there (it reads the
certificates `npm start` wrote): python sdk/python/examples/infer.py
SHARDMESH_ADDRESS and SHARDMESH_CERTS point it at another router or certificate folder."""
import os

import numpy as np
from shardmesh_client import Client

certs = os.environ.get("SHARDMESH_CERTS", ".shardmesh/certs")
address = os.environ.get("SHARDMESH_ADDRESS", "127.0.0.1:8001")
with Client(address, ca=f"{certs}/ca.pem", cert=f"{certs}/client.pem", key=f"{certs}/client-key.pem") as client:
    x = np.array([[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]], dtype=np.float32)
    y = client.infer("mlp", {"x": x})["y"]
    print(y.shape, y.tolist())
