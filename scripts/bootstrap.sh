#!/usr/bin/env bash
# Installs the external tools that shardmesh's tests need into .tools/ (git-ignored):
#
#   .tools/bin/consul       Consul agent v1.14.11 (MPL-2.0), built from the Go module proxy
#   .tools/bin/grpcurl      grpcurl v1.9.3
#   .tools/venv/bin/python  Python venv with the pins in scripts/bootstrap/requirements.txt
#                           (tritonclient[grpc], numpy and their dependencies)
#
# and, for `npm run bench` only (step `bench`, not in the default set):
#
#   .tools/bin/perf_analyzer  Triton's perf_analyzer 2.60.0 from the PyPI wheel `perf-analyzer`; on
#                             hosts older than glibc 2.38 it runs through Debian trixie's loader,
#                             libc and libstdc++ (downloaded with apt-get into .tools/bench/)
#   .tools/bench/mlserver     venv: MLServer 1.7.1 + onnxruntime (bench/peers/mlserver/requirements.txt)
#   .tools/bench/kserve       venv: KServe 0.21.0 + onnxruntime (bench/peers/kserve/requirements.txt)
#   .tools/bench/chart        venv: matplotlib (bench/chart-requirements.txt)
#
# Idempotent and safe to rerun from any directory: each step is skipped when its stamp
# under .tools/stamps/ matches and the installed tool answers with the pinned version.
# The first run builds Consul (about 7 minutes on 2 cores with an empty Go cache);
# later runs take a few seconds. Needs: go (1.26 here; GOTOOLCHAIN=local), python3 >= 3.11,
# and the Go module proxy and PyPI.
set -euo pipefail

# Steps to run: any of consul, grpcurl, venv, bench (default: consul grpcurl venv, what `npm test`
# needs). `npm start` needs only grpcurl; `npm run bench` runs only bench.
STEPS=" ${*:-consul grpcurl venv} "
for step in $STEPS; do
  case "$step" in consul | grpcurl | venv | bench) ;; *)
    echo "bootstrap: unknown step '$step' (steps: consul grpcurl venv bench)" >&2
    exit 2
    ;;
  esac
done
want() { [[ "$STEPS" == *" $1 "* ]]; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# --- pins ------------------------------------------------------------------------------
# Consul is BUSL-licensed from 1.17.0; 1.14.x is the last line without the non-free
# envoyextensions/troubleshoot submodules. v1.14.11 is the newest 1.14.x that the Go module
# proxy serves here (v1.14.12 is refused).
CONSUL_VERSION=v1.14.11
# Consul's go.mod replaces these submodules with its own subfolders. A dependency's replace
# directives are ignored, so the wrapper module requires the published versions; they must
# equal what consul's go.mod at $CONSUL_VERSION requires (checked below).
CONSUL_SUBMODULES=(
  github.com/hashicorp/consul/api@v1.18.1
  github.com/hashicorp/consul/proto-public@v0.2.1
  github.com/hashicorp/consul/sdk@v0.13.0
)
# Modules named github.com/hashicorp/consul* that have no top-level LICENSE file and are
# allowed anyway (they are still checked for the Business Source License):
#   consul-net-rpc: a fork of Go's net/rpc (BSD-3-Clause) with forks of go-msgpack (BSD-3-Clause)
#   and net-rpc-msgpackrpc (MIT), each licence file in its own subfolder.
CONSUL_LICENCE_EXCEPTIONS=(
  github.com/hashicorp/consul-net-rpc
)
GRPCURL_VERSION=v1.9.3
PY_REQUIREMENTS="$ROOT/scripts/bootstrap/requirements.txt"

TOOLS="$ROOT/.tools"
BIN="$TOOLS/bin"
STAMPS="$TOOLS/stamps"
BUILD="$TOOLS/build"
VENV="$TOOLS/venv"

export GOTOOLCHAIN=local
export GOFLAGS="-mod=mod -buildvcs=false"
export GOWORK=off

log() { echo "bootstrap: $*" >&2; }
die() {
  echo "bootstrap: ERROR: $*" >&2
  exit 1
}

# stamp_ok NAME CONTENT: the stamp file exists and holds CONTENT.
stamp_ok() { [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }
stamp_write() {
  mkdir -p "$STAMPS"
  printf '%s\n' "$2" >"$STAMPS/$1.tmp"
  mv -f "$STAMPS/$1.tmp" "$STAMPS/$1"
}
first_line() { printf '%s\n' "${1%%$'\n'*}"; }

# --- prerequisites -----------------------------------------------------------------------
if want consul || want grpcurl; then
  command -v go >/dev/null 2>&1 || die "go is not on PATH"
fi
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

mkdir -p "$BIN" "$STAMPS" "$BUILD"
# One bootstrap at a time (two test runs started together must not build into one folder).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$TOOLS/.bootstrap.lock"
  flock 9
fi
START=$SECONDS

# json_field FIELD: reads one JSON object (the output of `go mod download -json`) on stdin
# and prints FIELD; fails with go's error message when the object has an Error.
json_field() {
  "$PYTHON" -c '
import json, sys
j = json.load(sys.stdin)
if j.get("Error"):
    sys.exit("go: " + j["Error"])
v = j.get(sys.argv[1])
if not v:
    sys.exit("go mod download gave no " + sys.argv[1])
print(v)' "$1"
}

# --- 1. Consul ---------------------------------------------------------------------------

# check_consul_modules FILE: FILE has lines "PATH VERSION". Fails when a module path names
# envoyextensions or troubleshoot, or when a github.com/hashicorp/consul* module's LICENSE
# (read from the module cache) is not the Mozilla Public License 2.0 or is the BUSL.
check_consul_modules() {
  local list="$1" bad path version dir lic exc allowed
  bad="$(awk '$1 ~ /envoyextensions|troubleshoot/ {print $1 "@" $2}' "$list")"
  if [ -n "$bad" ]; then
    die "licence check: the build list has modules that are not open source (BUSL):
$bad"
  fi
  while read -r path version; do
    case "$path" in github.com/hashicorp/consul*) ;; *) continue ;; esac
    dir="$(go mod download -json "$path@$version" | json_field Dir)" ||
      die "licence check: cannot download $path@$version"
    if grep -rqisI --include='LICEN[CS]E*' --include='COPYING*' -e 'Business Source License' "$dir" >/dev/null; then
      die "licence check: $path@$version is under the Business Source License ($dir)"
    fi
    lic=""
    for f in LICENSE LICENSE.md LICENSE.txt; do
      if [ -f "$dir/$f" ]; then
        lic="$dir/$f"
        break
      fi
    done
    if [ -z "$lic" ]; then
      allowed=""
      for exc in "${CONSUL_LICENCE_EXCEPTIONS[@]}"; do
        [ "$path" = "$exc" ] && allowed=1
      done
      [ -n "$allowed" ] || die "licence check: $path@$version has no LICENSE file ($dir)"
      continue
    fi
    if ! grep -qE 'Mozilla Public License,? [Vv]ersion 2\.0' "$lic"; then
      die "licence check: $path@$version is not under the Mozilla Public License 2.0 ($lic)"
    fi
  done <"$list"
}

build_consul() {
  local dir="$BUILD/consul" gomod spec line kind rest path ver found m
  rm -rf "$dir"
  mkdir -p "$dir"
  log "building consul $CONSUL_VERSION from the Go module proxy (about 7 minutes on 2 cores; log: .tools/build/consul/build.log)"

  gomod="$(go mod download -json "github.com/hashicorp/consul@$CONSUL_VERSION" | json_field GoMod)" ||
    die "cannot download github.com/hashicorp/consul@$CONSUL_VERSION"

  # Read consul's own go.mod: its go version, its excludes, its non-local replaces (to repeat
  # them), its local replaces and what it requires of those submodules (to check our pins).
  spec="$(go mod edit -json "$gomod" | "$PYTHON" -c '
import json, sys
j = json.load(sys.stdin)
print("go", j.get("Go") or "1.20")
for e in j.get("Exclude") or []:
    print("exclude", e["Path"] + "@" + e["Version"])
req = {r["Path"]: r["Version"] for r in j.get("Require") or []}
for r in j.get("Replace") or []:
    old = r["Old"]["Path"] + ("@" + r["Old"]["Version"] if r["Old"].get("Version") else "")
    if r["New"].get("Version"):
        print("replace", old + "=" + r["New"]["Path"] + "@" + r["New"]["Version"])
    else:
        print("local", r["Old"]["Path"], req.get(r["Old"]["Path"], "none"))
')" || die "cannot read consul's go.mod ($gomod)"

  local goversion=1.20
  local -a edits=("-require=github.com/hashicorp/consul@$CONSUL_VERSION")
  for m in "${CONSUL_SUBMODULES[@]}"; do edits+=("-require=$m"); done
  while IFS= read -r line; do
    kind="${line%% *}"
    rest="${line#* }"
    case "$kind" in
    go) goversion="$rest" ;;
    exclude) edits+=("-exclude=$rest") ;;
    replace) edits+=("-replace=$rest") ;;
    local)
      path="${rest%% *}"
      ver="${rest#* }"
      found=""
      for m in "${CONSUL_SUBMODULES[@]}"; do
        if [ "${m%@*}" = "$path" ]; then
          found=1
          [ "${m#*@}" = "$ver" ] ||
            die "consul $CONSUL_VERSION requires $path $ver but bootstrap.sh pins ${m#*@}; update CONSUL_SUBMODULES"
        fi
      done
      [ -n "$found" ] ||
        die "consul $CONSUL_VERSION replaces $path with a local folder; it is not in CONSUL_SUBMODULES (is this a BUSL-era module?)"
      ;;
    esac
  done <<<"$spec"

  printf 'module shardmesh.local/consul-build\n\ngo %s\n' "$goversion" >"$dir/go.mod"
  (cd "$dir" && go mod edit "${edits[@]}") || die "cannot write the consul wrapper go.mod"

  # Licence check on the resolved build list, before anything is compiled.
  (cd "$dir" && go list -m -f '{{.Path}} {{.Version}}' all >"$dir/modules.txt" 2>"$dir/list.log") || {
    cat "$dir/list.log" >&2
    die "go list -m all failed in .tools/build/consul"
  }
  check_consul_modules "$dir/modules.txt"
  log "licence check passed: $(grep -c '^github.com/hashicorp/consul' "$dir/modules.txt") github.com/hashicorp/consul* modules, none under the BUSL"

  if ! (cd "$dir" && go build -ldflags='-s -w' -o "$dir/consul.new" github.com/hashicorp/consul) >"$dir/build.log" 2>&1; then
    tail -n 40 "$dir/build.log" >&2
    die "consul build failed (full log: .tools/build/consul/build.log)"
  fi

  # Check again what was actually linked in, and that no linked module is under the BUSL.
  go version -m "$dir/consul.new" | awk '$1 == "mod" || $1 == "dep" {print $2, $3}' >"$dir/linked.txt"
  check_consul_modules "$dir/linked.txt"
  (cd "$dir" && go list -m -f '{{.Path}} {{.Dir}}' all) >"$dir/dirs.txt"
  while read -r path ver; do
    m="$(awk -v p="$path" '$1 == p {print $2}' "$dir/dirs.txt")"
    [ -n "$m" ] || continue
    if grep -qisI -e 'Business Source License' "$m"/LICEN[CS]E* "$m"/COPYING* >/dev/null 2>&1; then
      die "licence check: $path@$ver, linked into consul, is under the Business Source License"
    fi
  done <"$dir/linked.txt"

  mv -f "$dir/consul.new" "$BIN/consul"
}

CONSUL_STAMP="consul-$CONSUL_VERSION"
CONSUL_STAMP_CONTENT="github.com/hashicorp/consul@$CONSUL_VERSION ${CONSUL_SUBMODULES[*]}"
consul_version_ok() {
  local out
  [ -x "$BIN/consul" ] || return 1
  out="$("$BIN/consul" version 2>/dev/null)" || return 1
  [ "$(first_line "$out")" = "Consul $CONSUL_VERSION" ]
}
if ! want consul; then
  :
elif stamp_ok "$CONSUL_STAMP" "$CONSUL_STAMP_CONTENT" && consul_version_ok; then
  log "consul ${CONSUL_VERSION#v} ready (.tools/bin/consul)"
else
  rm -f "$STAMPS"/consul-*
  build_consul
  consul_version_ok || die "built .tools/bin/consul but \`consul version\` does not say Consul $CONSUL_VERSION"
  stamp_write "$CONSUL_STAMP" "$CONSUL_STAMP_CONTENT"
  log "consul ${CONSUL_VERSION#v} ready (.tools/bin/consul)"
fi

# --- 2. grpcurl --------------------------------------------------------------------------
GRPCURL_STAMP="grpcurl-$GRPCURL_VERSION"
grpcurl_version_ok() {
  local out
  [ -x "$BIN/grpcurl" ] || return 1
  out="$("$BIN/grpcurl" -version 2>&1)" || return 1
  [ "$(first_line "$out")" = "grpcurl $GRPCURL_VERSION" ]
}
if ! want grpcurl; then
  :
elif stamp_ok "$GRPCURL_STAMP" "$GRPCURL_VERSION" && grpcurl_version_ok; then
  log "grpcurl ${GRPCURL_VERSION#v} ready (.tools/bin/grpcurl)"
else
  rm -f "$STAMPS"/grpcurl-*
  log "installing grpcurl $GRPCURL_VERSION from the Go module proxy (about 2 minutes)"
  GOBIN="$BIN" go install -ldflags="-s -w -X main.version=$GRPCURL_VERSION" \
    "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION" >"$BUILD/grpcurl.log" 2>&1 || {
    tail -n 40 "$BUILD/grpcurl.log" >&2
    die "go install grpcurl@$GRPCURL_VERSION failed (full log: .tools/build/grpcurl.log)"
  }
  grpcurl_version_ok || die "installed .tools/bin/grpcurl but \`grpcurl -version\` does not say $GRPCURL_VERSION"
  stamp_write "$GRPCURL_STAMP" "$GRPCURL_VERSION"
  log "grpcurl ${GRPCURL_VERSION#v} ready (.tools/bin/grpcurl)"
fi

# --- 3. Python venv ----------------------------------------------------------------------
[ -f "$PY_REQUIREMENTS" ] || die "missing $PY_REQUIREMENTS"
VENV_STAMP_CONTENT="$("$PYTHON" -c 'import platform; print(platform.python_version())') $(sha256sum "$PY_REQUIREMENTS" | cut -d' ' -f1)"
venv_ok() {
  [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import tritonclient.grpc, numpy' >/dev/null 2>&1
}
if ! want venv; then
  :
elif stamp_ok venv "$VENV_STAMP_CONTENT" && venv_ok; then
  log "python venv ready (.tools/venv/bin/python)"
else
  rm -f "$STAMPS/venv"
  log "creating the python venv with $("$PYTHON" -V 2>&1) and scripts/bootstrap/requirements.txt"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV" || die "$PYTHON -m venv failed"
  "$VENV/bin/python" -m pip install --quiet --no-input -r "$PY_REQUIREMENTS" ||
    die "pip install -r scripts/bootstrap/requirements.txt failed"
  if ! out="$("$VENV/bin/python" -m pip check 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "pip check found broken requirements in .tools/venv"
  fi
  "$VENV/bin/python" -c 'import tritonclient.grpc, numpy' ||
    die "import tritonclient.grpc, numpy fails in .tools/venv"
  stamp_write venv "$VENV_STAMP_CONTENT"
  log "python venv ready (.tools/venv/bin/python)"
fi

# --- 4. Benchmark tools ------------------------------------------------------------------
# perf_analyzer ships in the PyPI wheel `perf-analyzer` as one binary built for glibc 2.38 and
# GCC 13's libstdc++ (manylinux_2_38, so pip will not even pick it on older hosts). Debian 12 has
# glibc 2.36, so the binary runs through the dynamic loader, libc and libstdc++ of Debian 13
# (trixie), fetched with apt-get into a private state folder: the system's apt sources and
# libraries are left alone.
PERF_ANALYZER_VERSION=2.60.0
declare -A PERF_ANALYZER_SHA256=(
  [x86_64]=23ef56b107ae9233e5cf09fbdf508dd9b936a52f1bae2f63f53c8117087b3f25
  [aarch64]=c2ece0adb7760ea1abc258222d80bf8e367fa9639401406b96da2c9b55131d29
)
BENCH="$TOOLS/bench"
PA_DIR="$BENCH/perf-analyzer"
BENCH_VENVS=(
  "mlserver:$ROOT/bench/peers/mlserver/requirements.txt:import mlserver, onnxruntime"
  "kserve:$ROOT/bench/peers/kserve/requirements.txt:import kserve, onnxruntime"
  "chart:$ROOT/bench/chart-requirements.txt:import matplotlib"
)

perf_analyzer_ok() {
  [ -x "$BIN/perf_analyzer" ] && "$BIN/perf_analyzer" --version 2>&1 | grep -q '^Perf Analyzer Version'
}

# trixie_runtime DIR: the loader, libc and libstdc++ of Debian trixie unpacked under DIR/root;
# prints the package versions.
trixie_runtime() {
  local dir="$1" apt_opts
  command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 ||
    die "perf_analyzer needs glibc >= 2.38 and GLIBCXX_3.4.32; this host has neither them nor apt-get to fetch them"
  rm -rf "$dir"
  mkdir -p "$dir/state/lists/partial" "$dir/cache/archives/partial" "$dir/debs" "$dir/root"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
    >"$dir/sources.list"
  apt_opts=(-o "Dir::State=$dir/state" -o "Dir::Cache=$dir/cache" -o "Dir::Etc::SourceList=$dir/sources.list"
    -o Dir::Etc::SourceParts=/nonexistent -o Dir::Etc::Preferences=/nonexistent
    -o Dir::Etc::PreferencesParts=/nonexistent -o APT::Sandbox::User=root -o Debug::NoLocking=1)
  apt-get -qq "${apt_opts[@]}" update >"$dir/apt.log" 2>&1 || {
    tail -n 20 "$dir/apt.log" >&2
    die "apt-get update of Debian trixie failed (log: $dir/apt.log)"
  }
  (cd "$dir/debs" && apt-get -qq "${apt_opts[@]}" download libc6 libstdc++6 libgcc-s1) >>"$dir/apt.log" 2>&1 || {
    tail -n 20 "$dir/apt.log" >&2
    die "apt-get download libc6 libstdc++6 libgcc-s1 (trixie) failed (log: $dir/apt.log)"
  }
  for deb in "$dir"/debs/*.deb; do
    dpkg-deb -x "$deb" "$dir/root"
    printf '%s=%s ' "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)"
  done
}

install_perf_analyzer() {
  local arch sha wheel runtime="" libdir loader
  arch="$(uname -m)"
  sha="${PERF_ANALYZER_SHA256[$arch]:-}"
  [ -n "$sha" ] || die "no perf_analyzer wheel is pinned for $arch"
  rm -rf "$PA_DIR"
  mkdir -p "$PA_DIR/wheel"
  "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --platform "manylinux_2_38_$arch" \
    -d "$PA_DIR/wheel" "perf-analyzer==$PERF_ANALYZER_VERSION" >"$BUILD/perf-analyzer.log" 2>&1 || {
    tail -n 20 "$BUILD/perf-analyzer.log" >&2
    die "pip download perf-analyzer==$PERF_ANALYZER_VERSION failed"
  }
  wheel="$(ls "$PA_DIR"/wheel/perf_analyzer-"$PERF_ANALYZER_VERSION"-*.whl)"
  [ "$(sha256sum "$wheel" | cut -d' ' -f1)" = "$sha" ] || die "$wheel does not have the pinned sha256 $sha"
  "$PYTHON" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("perf_analyzer/bin/perf_analyzer", sys.argv[2])' \
    "$wheel" "$PA_DIR" || die "cannot unpack $wheel"
  chmod +x "$PA_DIR/perf_analyzer/bin/perf_analyzer"
  if "$PA_DIR/perf_analyzer/bin/perf_analyzer" --version >/dev/null 2>&1; then
    printf '#!/bin/sh\nexec "%s" "$@"\n' "$PA_DIR/perf_analyzer/bin/perf_analyzer" >"$BIN/perf_analyzer"
  else
    log "perf_analyzer needs a newer glibc/libstdc++ than this host's; fetching Debian trixie's"
    runtime="$(trixie_runtime "$PA_DIR/trixie")" || exit 1
    libdir="$PA_DIR/trixie/root/usr/lib/$arch-linux-gnu"
    loader="$(ls "$libdir"/ld-linux*.so.* 2>/dev/null | head -n 1)"
    [ -n "$loader" ] || die "no dynamic loader in $libdir (trixie's libc6)"
    cat >"$BIN/perf_analyzer" <<WRAPPER
#!/bin/sh
# perf_analyzer $PERF_ANALYZER_VERSION through Debian trixie's loader and libraries: $runtime
exec "$loader" --library-path "$libdir:/lib/$arch-linux-gnu:/usr/lib/$arch-linux-gnu" \\
  "$PA_DIR/perf_analyzer/bin/perf_analyzer" "\$@"
WRAPPER
  fi
  chmod +x "$BIN/perf_analyzer"
  printf '%s\n' "$PERF_ANALYZER_VERSION" >"$PA_DIR/version.txt"
  printf '%s\n' "$runtime" >"$PA_DIR/runtime.txt"
}

# bench_venv NAME REQUIREMENTS CHECK: a venv .tools/bench/NAME with REQUIREMENTS, where CHECK
# (Python) runs. Runs in a subshell, so several install at once; output goes to its log.
bench_venv() {
  local name="$1" req="$2" check="$3" dir="$BENCH/$1" content
  content="$("$PYTHON" -c 'import platform; print(platform.python_version())') $(sha256sum "$req" | cut -d' ' -f1)"
  if stamp_ok "bench-$name" "$content" && "$dir/bin/python" -c "$check" >/dev/null 2>&1; then
    log "bench venv $name ready (.tools/bench/$name)"
    return 0
  fi
  rm -f "$STAMPS/bench-$name"
  rm -rf "$dir"
  log "creating the bench venv $name from ${req#"$ROOT"/} (about a minute; log: .tools/build/bench-$name.log)"
  {
    "$PYTHON" -m venv "$dir" &&
      "$dir/bin/python" -m pip install --quiet --no-input -r "$req" &&
      "$dir/bin/python" -m pip check &&
      "$dir/bin/python" -c "$check"
  } >"$BUILD/bench-$name.log" 2>&1 || {
    tail -n 20 "$BUILD/bench-$name.log" >&2
    log "ERROR: bench venv $name failed (full log: .tools/build/bench-$name.log)"
    return 1
  }
  stamp_write "bench-$name" "$content"
  log "bench venv $name ready (.tools/bench/$name)"
}

if want bench; then
  mkdir -p "$BENCH"
  PA_STAMP_CONTENT="$PERF_ANALYZER_VERSION $(uname -m)"
  if stamp_ok perf-analyzer "$PA_STAMP_CONTENT" && perf_analyzer_ok; then
    log "perf_analyzer $PERF_ANALYZER_VERSION ready (.tools/bin/perf_analyzer)"
  else
    rm -f "$STAMPS/perf-analyzer"
    log "installing perf_analyzer $PERF_ANALYZER_VERSION from PyPI"
    install_perf_analyzer
    perf_analyzer_ok || die "installed .tools/bin/perf_analyzer but \`perf_analyzer --version\` fails"
    stamp_write perf-analyzer "$PA_STAMP_CONTENT"
    log "perf_analyzer $PERF_ANALYZER_VERSION ready (.tools/bin/perf_analyzer)"
  fi
  # The peers' venvs install side by side (pip waits mostly on the network). A peer whose venv
  # fails does not stop the others: the benchmark reports it as not installed.
  pids=()
  for spec in "${BENCH_VENVS[@]}"; do
    IFS=: read -r name req check <<<"$spec"
    bench_venv "$name" "$req" "$check" &
    pids+=("$!")
  done
  failed=0
  for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
  [ "$failed" -eq 0 ] || log "$failed bench venv(s) failed; npm run bench reports them and goes on"
fi

log "all tools ready in $((SECONDS - START))s"
