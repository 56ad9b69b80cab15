#!/usr/bin/env bash
# TOOLS/bin/perf_analyzer: Triton's perf_analyzer from the PyPI wheel `perf-analyzer`, for
# `npm test` (integration/triton-perf-analyzer.test.ts) and `npm run bench`.
#
# The wheel holds one binary built for glibc 2.38 and GCC 13's libstdc++ (manylinux_2_38, so pip
# will not even pick it on older hosts). Debian 12 has glibc 2.36, so there the binary runs
# through the dynamic loader, libc and libstdc++ of Debian 13 (trixie), fetched with apt-get into
# a private state folder: the system's apt sources and libraries are left alone.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PERF_ANALYZER_VERSION=2.60.0
declare -A PERF_ANALYZER_SHA256=(
  [x86_64]=23ef56b107ae9233e5cf09fbdf508dd9b936a52f1bae2f63f53c8117087b3f25
  [aarch64]=c2ece0adb7760ea1abc258222d80bf8e367fa9639401406b96da2c9b55131d29
)
# bench/environment.ts reads version.txt and runtime.txt here.
PA_DIR="$TOOLS/bench/perf-analyzer"

# trixie_runtime DIR: the loader, libc and libstdc++ of Debian trixie unpacked under DIR/root;
# prints the package versions.
trixie_runtime() {
  local dir="$1" deb
  local -a apt_opts
  if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
    die "perf_analyzer needs glibc >= 2.38 and GLIBCXX_3.4.32; this host has neither them nor apt-get to fetch them"
  fi
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
  local arch sha wheel runtime="" libdir loader binary="$PA_DIR/perf_analyzer/bin/perf_analyzer"
  log "installing perf_analyzer $PERF_ANALYZER_VERSION from PyPI"
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
  chmod +x "$binary"
  if "$binary" --version >/dev/null 2>&1; then
    printf '#!/bin/sh\nexec "%s" "$@"\n' "$binary" >"$BIN/perf_analyzer"
  else
    log "perf_analyzer needs a newer glibc/libstdc++ than this host's; fetching Debian trixie's"
    runtime="$(trixie_runtime "$PA_DIR/trixie")" || exit 1
    libdir="$PA_DIR/trixie/root/usr/lib/$arch-linux-gnu"
    loader="$(find "$libdir" -maxdepth 1 -name 'ld-linux*.so.*' | sort | head -n 1)"
    [ -n "$loader" ] || die "no dynamic loader in $libdir (trixie's libc6)"
    cat >"$BIN/perf_analyzer" <<WRAPPER
#!/bin/sh
# perf_analyzer $PERF_ANALYZER_VERSION through Debian trixie's loader and libraries: $runtime
exec "$loader" --library-path "$libdir:/lib/$arch-linux-gnu:/usr/lib/$arch-linux-gnu" \\
  "$binary" "\$@"
WRAPPER
  fi
  chmod +x "$BIN/perf_analyzer"
  printf '%s\n' "$PERF_ANALYZER_VERSION" >"$PA_DIR/version.txt"
  printf '%s\n' "$runtime" >"$PA_DIR/runtime.txt"
}

perf_analyzer_answers() {
  [ -x "$BIN/perf_analyzer" ] && "$BIN/perf_analyzer" --version 2>&1 | grep -q '^Perf Analyzer Version'
}

need_python
ensure_installed "perf_analyzer $PERF_ANALYZER_VERSION ($(shown "$BIN/perf_analyzer"))" \
  perf-analyzer "$PERF_ANALYZER_VERSION $(uname -m)" perf_analyzer_answers install_perf_analyzer
