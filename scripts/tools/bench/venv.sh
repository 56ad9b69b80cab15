#!/usr/bin/env bash
# TOOLS/bench/NAME: a Python venv for `npm run bench`, one per peer server and one for the chart:
#   mlserver  MLServer 1.7.1 + onnxruntime (bench/peers/mlserver/requirements.txt)
#   kserve    KServe 0.21.0 + onnxruntime (bench/peers/kserve/requirements.txt)
#   chart     matplotlib (bench/chart-requirements.txt)
# Usage: venv.sh NAME. About a minute each; pip's output goes to TOOLS/build/bench-NAME.log.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

NAME="${1:-}"
case "$NAME" in
mlserver) REQUIREMENTS=bench/peers/mlserver/requirements.txt CHECK='import mlserver, onnxruntime' ;;
kserve) REQUIREMENTS=bench/peers/kserve/requirements.txt CHECK='import kserve, onnxruntime' ;;
chart) REQUIREMENTS=bench/chart-requirements.txt CHECK='import matplotlib' ;;
*)
  echo "bootstrap: unknown bench venv '$NAME' (venvs: mlserver kserve chart)" >&2
  exit 2
  ;;
esac
REQUIREMENTS="$ROOT/$REQUIREMENTS"
DIR="$TOOLS/bench/$NAME"
LOG="$BUILD/bench-$NAME.log"

install_venv() {
  log "creating the bench venv $NAME from $(shown "$REQUIREMENTS") (about a minute; log: $(shown "$LOG"))"
  mkdir -p "$TOOLS/bench"
  venv_build "$DIR" "$REQUIREMENTS" "$CHECK" "$LOG"
}

venv_imports() { [ -x "$DIR/bin/python" ] && "$DIR/bin/python" -c "$CHECK" >/dev/null 2>&1; }

need_python
CONTENT="$(venv_content "$REQUIREMENTS")"
ensure_installed "bench venv $NAME ($(shown "$DIR"))" "bench-$NAME" "$CONTENT" venv_imports install_venv
