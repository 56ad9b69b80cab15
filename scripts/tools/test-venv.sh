#!/usr/bin/env bash
# TOOLS/venv: the Python venv of the tests, with the pins of scripts/bootstrap/requirements.txt
# (tritonclient[grpc], numpy, the splitter's real transformer, and their dependencies).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REQUIREMENTS="$ROOT/scripts/bootstrap/requirements.txt"
VENV="$TOOLS/venv"
CHECK='import tritonclient.grpc, numpy'

install_venv() {
  log "creating the python venv with $("$PYTHON" -V 2>&1) and $(shown "$REQUIREMENTS") (log: $(shown "$BUILD/venv.log"))"
  venv_build "$VENV" "$REQUIREMENTS" "$CHECK" "$BUILD/venv.log"
}

venv_imports() { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "$CHECK" >/dev/null 2>&1; }

need_python
[ -f "$REQUIREMENTS" ] || die "missing $REQUIREMENTS"
CONTENT="$(venv_content "$REQUIREMENTS")"
ensure_installed "python venv ($(shown "$VENV/bin/python"))" venv "$CONTENT" venv_imports install_venv
