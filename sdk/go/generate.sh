#!/usr/bin/env bash
# Regenerates this module's inference/ package from proto/inference/ with pinned generators:
# protoc from grpcio-tools in the test venv (scripts/bootstrap/requirements.txt; its version is
# written into the generated headers) and protoc-gen-go / protoc-gen-go-grpc at the versions of
# go.mod's `tool` lines. Run it after any change to proto/inference/, comments included (they
# become the generated code's doc comments); integration/sdk-go.test.ts fails while the committed
# code differs from what this writes.
#
# Usage: sdk/go/generate.sh [OUT_DIR]   (default: this module; the drift test writes elsewhere)
# Needs: go, and .tools/venv (npm test's bootstrap) or SHARDMESH_PYTHON with grpcio-tools 1.81.1.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$(mkdir -p "${1:-$HERE}" && cd "${1:-$HERE}" && pwd)"
PYTHON="${SHARDMESH_PYTHON:-$ROOT/.tools/venv/bin/python}"
MODULE="$(cd "$HERE" && go list -m)"

cd "$HERE"
GEN_GO="$(go tool -n protoc-gen-go)"
GEN_GO_GRPC="$(go tool -n protoc-gen-go-grpc)"
cd "$ROOT/proto"
"$PYTHON" -m grpc_tools.protoc -I . \
  --plugin=protoc-gen-go="$GEN_GO" --go_out="$OUT" --go_opt=module="$MODULE" \
  --plugin=protoc-gen-go-grpc="$GEN_GO_GRPC" --go-grpc_out="$OUT" --go-grpc_opt=module="$MODULE" \
  inference/grpc_service.proto inference/model_config.proto
