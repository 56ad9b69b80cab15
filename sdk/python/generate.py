"""Regenerates shardmesh_client/_proto/ from proto/inference/ with grpcio-tools' protoc.

Usage: python sdk/python/generate.py [--check]
  (no flag)  rewrite the committed stubs; run it after any change to proto/inference/,
             comments included (they become the service stubs' docstrings)
  --check    regenerate into a temporary folder and exit 1, naming the files, if the committed
             stubs differ (integration/sdk-python.test.ts runs this); exit 3 if grpcio-tools is
             not installed

The stubs are generated as they are, then three things are rewritten so that they can live in one
process with tritonclient's own stubs of the same protocol: imports name our package instead of a
top-level `inference`; the files register in a private descriptor pool (_proto/_pool.py) instead
of protobuf's default pool, where tritonclient's `inference.*` messages would clash with ours
("duplicate symbol"); message classes report their real module. Message and service names are
untouched, so the wire paths stay /inference.GRPCInferenceService/... .
"""

from __future__ import annotations

import filecmp
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROTO_ROOT = HERE.parent.parent / "proto"
TARGET = HERE / "shardmesh_client" / "_proto"
PACKAGE = "shardmesh_client._proto"
SOURCES = ["inference/grpc_service.proto", "inference/model_config.proto"]
# model_config.proto has no service, so its _grpc module would be empty.
KEEP = [
    "inference/grpc_service_pb2.py",
    "inference/grpc_service_pb2.pyi",
    "inference/grpc_service_pb2_grpc.py",
    "inference/model_config_pb2.py",
    "inference/model_config_pb2.pyi",
]
POOL_IMPORT = f"from {PACKAGE}._pool import POOL as _POOL\n"


def rewrite(name: str, text: str) -> str:
    """Applies the rewrites the module docstring explains; each must apply, or the generator changed."""
    module = name.rsplit(".", 1)[0].replace("/", ".")
    replacements = []
    if name.startswith("inference/grpc_service"):  # the files that import model_config or the messages
        replacements.append(("from inference import ", f"from {PACKAGE}.inference import "))
    if name.endswith("_pb2.py"):
        replacements += [
            ("_descriptor_pool.Default().AddSerializedFile(", "_POOL.AddSerializedFile("),
            ("# @@protoc_insertion_point(imports)\n", f"# @@protoc_insertion_point(imports)\n{POOL_IMPORT}"),
            (f"'{module}'", f"'{PACKAGE}.{module}'"),
        ]
    for old, new in replacements:
        if old not in text:
            raise SystemExit(f"generate.py: {name} has no {old!r}: the generator changed; update rewrite()")
        text = text.replace(old, new)
    return text


def generate(out: Path) -> None:
    try:
        from grpc_tools import protoc
    except ImportError:
        print("generate.py: grpcio-tools is not installed (scripts/bootstrap/requirements.txt)", file=sys.stderr)
        raise SystemExit(3)
    with tempfile.TemporaryDirectory() as raw:
        args = ["protoc", f"-I{PROTO_ROOT}", f"--python_out={raw}", f"--pyi_out={raw}", f"--grpc_python_out={raw}"]
        if protoc.main(args + SOURCES) != 0:
            raise SystemExit("generate.py: protoc failed")
        for name in KEEP:
            text = rewrite(name, (Path(raw) / name).read_text())
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_text(text)
    for package in (out, out / "inference"):
        init = package / "__init__.py"
        if not init.exists():
            init.write_text('"""Generated; see sdk/python/generate.py."""\n')


def check() -> int:
    with tempfile.TemporaryDirectory() as fresh:
        generate(Path(fresh))
        stale = [name for name in KEEP if not (TARGET / name).exists() or not filecmp.cmp(Path(fresh) / name, TARGET / name, shallow=False)]
    if stale:
        print(
            f"the committed stubs differ from proto/: {', '.join(stale)}; "
            "run `.tools/venv/bin/python sdk/python/generate.py` and commit the result",
            file=sys.stderr,
        )
        return 1
    print(f"{len(KEEP)} generated files match proto/")
    return 0


if __name__ == "__main__":
    os.chdir(HERE)
    if sys.argv[1:] == ["--check"]:
        sys.exit(check())
    generate(TARGET)
