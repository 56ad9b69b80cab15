#!/usr/bin/env bash
# Installs the external tools that shardmesh's tests need into .tools/ (git-ignored); `npm test`
# runs it first, `npm start` runs its grpcurl step.
#
#   step     installs                by scripts/tools/
#   consul   .tools/bin/consul       consul.sh: Consul v1.14.11 (MPL-2.0), built from the Go
#                                    module proxy, licence-checked
#   grpcurl  .tools/bin/grpcurl      grpcurl.sh: grpcurl v1.9.3
#   venv     .tools/venv/bin/python  test-venv.sh: the pins of scripts/bootstrap/requirements.txt
#                                    (tritonclient[grpc], numpy, kubernetes-validate)
#   perf-analyzer .tools/bin/perf_analyzer  perf-analyzer.sh: Triton's perf_analyzer 2.60.0 from
#                                    PyPI; on hosts older than glibc 2.38 it runs through Debian
#                                    trixie's loader, libc and libstdc++ (apt-get into .tools/bench/)
#   helm     .tools/bin/helm         helm.sh: Helm v3.22.0 (Apache-2.0) from the Go module proxy,
#                                    licence-checked, for the chart's tests (about 4.5 minutes)
#   prometheus .tools/bin/prometheus prometheus.sh: Prometheus 3.16.0 (Go module v0.316.0,
#                                    Apache-2.0), static targets only (tag remove_all_sd), no web UI
#   jaeger   .tools/bin/jaeger       jaeger.sh: Jaeger v1.76.0 `cmd/jaeger` (Apache-2.0), built from
#                                    the Go module proxy, licence-checked (the tracing test's backend)
#
# Usage: bootstrap.sh [STEP...] (default: every step above). The benchmarks' tools are installed by
# scripts/bootstrap-bench.sh. Idempotent and safe to rerun from any directory: a tool is skipped
# when its stamp under .tools/stamps/ matches its pins and it answers with the pinned version
# (scripts/tools/lib.sh, ensure_installed). The first run builds Consul (about 7 minutes on 2
# cores with an empty Go cache) and Jaeger (about 15); later runs take a few seconds.
# Needs: go (1.26 here; GOTOOLCHAIN=local), python3 >= 3.11 (or BOOTSTRAP_PYTHON), the Go module
# proxy and PyPI. SHARDMESH_TOOLS_DIR installs elsewhere than .tools/ (to try the bootstrap).
# shellcheck source-path=SCRIPTDIR source=tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/tools/lib.sh"

declare -A SCRIPT=([consul]=consul.sh [grpcurl]=grpcurl.sh [venv]=test-venv.sh [perf-analyzer]=perf-analyzer.sh [helm]=helm.sh [prometheus]=prometheus.sh [jaeger]=jaeger.sh)
STEPS="$(select_steps "consul grpcurl venv perf-analyzer helm prometheus jaeger" "bench tools: scripts/bootstrap-bench.sh" "$@")" || exit
hold_lock
START=$SECONDS
for step in $STEPS; do
  bash "$ROOT/scripts/tools/${SCRIPT[$step]}"
done
log "all tools ready in $((SECONDS - START))s"
