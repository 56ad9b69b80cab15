#!/usr/bin/env bash
# Installs what `npm run bench` needs, besides what scripts/bootstrap.sh installs, into .tools/:
#
#   step           installs                  by scripts/tools/bench/
#   perf-analyzer  .tools/bin/perf_analyzer  ../perf-analyzer.sh (also a step of bootstrap.sh: the
#                                            tests run it too); skipped when already installed
#   mlserver       .tools/bench/mlserver     venv.sh: MLServer 1.7.1 + onnxruntime
#   kserve         .tools/bench/kserve       venv.sh: KServe 0.21.0 + onnxruntime
#   chart          .tools/bench/chart        venv.sh: matplotlib
#
# Usage: bootstrap-bench.sh [STEP...] (default: all). Idempotent, like scripts/bootstrap.sh. A
# perf_analyzer that cannot be installed stops it; a peer's venv that fails does not stop the
# others: the benchmark reports that peer as not installed.
# shellcheck source-path=SCRIPTDIR source=tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/tools/lib.sh"

STEPS="$(select_steps "perf-analyzer mlserver kserve chart" "test tools: scripts/bootstrap.sh" "$@")" || exit
hold_lock
START=$SECONDS
pids=()
for step in $STEPS; do
  case "$step" in
  perf-analyzer) bash "$ROOT/scripts/tools/perf-analyzer.sh" ;;
  # The venvs install side by side: pip waits mostly on the network.
  *)
    bash "$ROOT/scripts/tools/bench/venv.sh" "$step" &
    pids+=("$!")
    ;;
  esac
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
[ "$failed" -eq 0 ] || log "$failed bench venv(s) failed; npm run bench reports them and goes on"
log "bench tools ready in $((SECONDS - START))s"
