# shellcheck shell=bash
# Sourced by every script under scripts/tools/ and by scripts/bootstrap*.sh: where tools go, how
# the bootstrap logs and fails, and ensure_installed, the one routine every tool goes through.
#
# Tools go under SHARDMESH_TOOLS_DIR (default: <repo>/.tools, git-ignored). The tests and the
# bench read <repo>/.tools only; another folder is for trying the bootstrap itself.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="${SHARDMESH_TOOLS_DIR:-$ROOT/.tools}"
case "$TOOLS" in /*) ;; *) TOOLS="$PWD/$TOOLS" ;; esac
BIN="$TOOLS/bin"
STAMPS="$TOOLS/stamps"
BUILD="$TOOLS/build"

# Go builds use the local toolchain and never the workspace or vendor folder of the caller.
export GOTOOLCHAIN=local
export GOFLAGS="-mod=mod -buildvcs=false"
export GOWORK=off

log() { echo "bootstrap: $*" >&2; }
die() {
  echo "bootstrap: ERROR: $*" >&2
  exit 1
}

# shown PATH: PATH relative to the repository when it lies inside it, for messages.
shown() { printf '%s\n' "${1#"$ROOT"/}"; }
first_line() { printf '%s\n' "${1%%$'\n'*}"; }

# hold_lock: creates the tools folder and holds its lock: one bootstrap at a time per folder (two
# test runs started together must not build into one folder). Children of the holder inherit the
# lock and do not take it again.
hold_lock() {
  local lock="$TOOLS/.bootstrap.lock"
  mkdir -p "$BIN" "$STAMPS" "$BUILD"
  [ "${SHARDMESH_BOOTSTRAP_LOCKED:-}" = "$lock" ] && return 0
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$lock"
    flock 9
  fi
  export SHARDMESH_BOOTSTRAP_LOCKED="$lock"
}

need_go() { command -v go >/dev/null 2>&1 || die "go is not on PATH"; }

# need_python: sets PYTHON to BOOTSTRAP_PYTHON, else python3.11, else python3; it must be >= 3.11.
need_python() {
  if [ -n "${BOOTSTRAP_PYTHON:-}" ]; then
    PYTHON="$BOOTSTRAP_PYTHON"
  elif command -v python3.11 >/dev/null 2>&1; then
    PYTHON=python3.11
  else
    PYTHON=python3
  fi
  command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON is not on PATH"
  "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' ||
    die "$PYTHON is $("$PYTHON" -V 2>&1); Python >= 3.11 is needed"
}

# stamp_ok NAME CONTENT: the stamp file exists and holds CONTENT.
stamp_ok() { [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }
stamp_write() {
  printf '%s\n' "$2" >"$STAMPS/$1.tmp"
  mv -f "$STAMPS/$1.tmp" "$STAMPS/$1"
}
# stamp_remove NAME: removes the stamp, and for a NAME like TOOL-vVERSION every TOOL-v* stamp.
stamp_remove() {
  rm -f "${STAMPS:?}/$1"
  case "$1" in *-v[0-9]*) rm -f "$STAMPS/${1%%-v[0-9]*}"-v* ;; esac
}

# ensure_installed LABEL STAMP CONTENT PROBE INSTALL
#   The tool is ready when the stamp file STAMPS/STAMP holds CONTENT (the pins it was installed
#   from) and the command PROBE succeeds (the installed tool answers with the pinned version).
#   Otherwise the stamp is removed, INSTALL runs (it fails by exiting), PROBE must now succeed,
#   and the stamp is written last, so an interrupted install is redone on the next run.
#   LABEL names the tool and where it is, in the logs.
ensure_installed() {
  local label="$1" stamp="$2" content="$3" probe="$4" install="$5"
  hold_lock
  if stamp_ok "$stamp" "$content" && "$probe"; then
    log "$label ready"
    return 0
  fi
  stamp_remove "$stamp"
  "$install"
  "$probe" || die "installed $label, but it fails its check ($probe)"
  stamp_write "$stamp" "$content"
  log "$label ready"
}

# venv_content REQUIREMENTS: a venv's stamp content: the Python version and the file's sha256.
venv_content() {
  echo "$("$PYTHON" -c 'import platform; print(platform.python_version())') $(sha256sum "$1" | cut -d' ' -f1)"
}

# venv_build DIR REQUIREMENTS CHECK LOG: a fresh venv in DIR with REQUIREMENTS installed,
# consistent (pip check), where the Python statement CHECK runs; pip's output goes to LOG.
venv_build() {
  local dir="$1" req="$2" check="$3" out="$4"
  rm -rf "$dir"
  if ! {
    "$PYTHON" -m venv "$dir" &&
      "$dir/bin/python" -m pip install --quiet --no-input -r "$req" &&
      "$dir/bin/python" -m pip check &&
      "$dir/bin/python" -c "$check"
  } >"$out" 2>&1; then
    tail -n 20 "$out" >&2
    die "venv $(shown "$dir") from $(shown "$req") failed (full log: $(shown "$out"))"
  fi
}

# select_steps "KNOWN" "ELSEWHERE" [STEP...]: prints the STEPs given (all of KNOWN when none) in
# KNOWN's order, each once; exits 2 naming a step not in KNOWN, and ELSEWHERE as a hint.
select_steps() {
  local known="$1" elsewhere="$2" step
  shift 2
  for step in "$@"; do
    case " $known " in *" $step "*) ;; *)
      echo "bootstrap: unknown step '$step' (steps: $known)${elsewhere:+; $elsewhere}" >&2
      exit 2
      ;;
    esac
  done
  for step in $known; do
    case " ${*:-$known} " in *" $step "*) echo "$step" ;; esac
  done
}
