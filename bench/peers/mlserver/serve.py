"""Starts `mlserver start FOLDER` with Triton's ModelConfig and ModelStatistics added (see
../triton_extensions.py), so perf_analyzer can drive MLServer as it drives the others.

Usage: python serve.py FOLDER   (FOLDER holds settings.json and one folder per model)
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import triton_extensions  # noqa: E402
import mlserver.grpc.server  # noqa: E402
from mlserver.cli.main import main  # noqa: E402

triton_extensions.install(mlserver.grpc.server)

if __name__ == "__main__":
    sys.argv = ["mlserver", "start", sys.argv[1]]
    main()
