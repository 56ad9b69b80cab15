#!/usr/bin/env bash
# TOOLS/bin/jaeger: Jaeger's `cmd/jaeger` (the OpenTelemetry-collector-based all-in-one binary:
# OTLP receiver, in-memory storage, query HTTP API), built from the Go module proxy, for the
# tracing tests. Its configuration is a YAML file given with --config (integration/harness/jaeger.ts
# writes one with loopback ports chosen at run time).
#
# `go install github.com/jaegertracing/jaeger/cmd/jaeger@VERSION` is refused (Jaeger's go.mod has
# a replace directive), so a wrapper module requires Jaeger, repeats its excludes and replaces
# (each must name a published module, never a local folder) and builds it.
# A long build on 2 cores with an empty Go cache (about 15 minutes); later runs take seconds.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The v1.x and v2.x tags of the module mark the same commits; v1.76.0 is the one pinned here.
JAEGER_VERSION=v1.76.0
JAEGER_MODULE=github.com/jaegertracing/jaeger

HERE="$ROOT/scripts/tools"
WRAPPER="$BUILD/jaeger"

# licence_is_apache DIR: DIR/LICENSE is the Apache License 2.0 (its title lines, as published).
licence_is_apache() {
  local file="$1/LICENSE"
  [ -f "$file" ] || die "$JAEGER_MODULE@$JAEGER_VERSION has no LICENSE file"
  if ! head -n 5 "$file" | grep -q 'Apache License' || ! head -n 5 "$file" | grep -q 'Version 2.0, January 2004'; then
    die "$JAEGER_MODULE@$JAEGER_VERSION: LICENSE is not the Apache License 2.0 ($(first_line "$(head -n 3 "$file" | tr -s ' \n' ' ')"))"
  fi
}

# write_wrapper: WRAPPER/go.mod requires Jaeger and repeats its go version, excludes and replaces;
# dies on a replace by a local folder (the module would not build from the proxy alone).
write_wrapper() {
  local gomod dir spec line kind rest goversion=1.24
  local -a edits=("-require=$JAEGER_MODULE@$JAEGER_VERSION")
  dir="$(go mod download -json "$JAEGER_MODULE@$JAEGER_VERSION" | "$PYTHON" "$HERE/go_mod.py" field Dir)" ||
    die "cannot download $JAEGER_MODULE@$JAEGER_VERSION"
  licence_is_apache "$dir"
  log "licence check passed: $JAEGER_MODULE $JAEGER_VERSION is Apache-2.0"
  gomod="$dir/go.mod"
  spec="$(go mod edit -json "$gomod" | "$PYTHON" "$HERE/go_mod.py" consul-spec)" ||
    die "cannot read jaeger's go.mod ($gomod)"
  while IFS= read -r line; do
    kind="${line%% *}"
    rest="${line#* }"
    case "$kind" in
    go) goversion="$rest" ;;
    exclude) edits+=("-exclude=$rest") ;;
    replace) edits+=("-replace=$rest") ;;
    local) die "jaeger $JAEGER_VERSION replaces ${rest%% *} with a local folder; scripts/tools/jaeger.sh cannot build it" ;;
    esac
  done <<<"$spec"
  printf 'module shardmesh.local/jaeger-build\n\ngo %s\n' "$goversion" >"$WRAPPER/go.mod"
  (cd "$WRAPPER" && go mod edit "${edits[@]}") || die "cannot write the jaeger wrapper go.mod"
}

build_jaeger() {
  rm -rf "$WRAPPER"
  mkdir -p "$WRAPPER"
  log "building jaeger $JAEGER_VERSION from the Go module proxy (about 15 minutes on 2 cores; log: $(shown "$WRAPPER/build.log"))"
  write_wrapper
  # `go mod tidy` would need the wrapper to import the package; `go get` resolves the build list.
  if ! (cd "$WRAPPER" && go get "$JAEGER_MODULE/cmd/jaeger@$JAEGER_VERSION" &&
    go build -ldflags="-s -w -X $JAEGER_MODULE/internal/version.latestVersion=$JAEGER_VERSION" \
      -o "$WRAPPER/jaeger.new" "$JAEGER_MODULE/cmd/jaeger") >"$WRAPPER/build.log" 2>&1; then
    tail -n 40 "$WRAPPER/build.log" >&2
    die "jaeger build failed (full log: $(shown "$WRAPPER/build.log"))"
  fi
  mv -f "$WRAPPER/jaeger.new" "$BIN/jaeger"
}

# jaeger_is_pinned_version: the binary holds Jaeger's module at the pinned version (what Go
# recorded when linking it: as `mod`, the module of the program's package, though the wrapper
# module required it) and it runs (`jaeger version` prints its build info as JSON).
jaeger_is_pinned_version() {
  local out
  [ -x "$BIN/jaeger" ] || return 1
  out="$(go version -m "$BIN/jaeger" 2>/dev/null | awk '($1 == "mod" || $1 == "dep") && $2 == "'"$JAEGER_MODULE"'" {print $3}')" || return 1
  [ "$out" = "$JAEGER_VERSION" ] || return 1
  "$BIN/jaeger" version 2>/dev/null | grep -q "\"gitVersion\":\"$JAEGER_VERSION\""
}

need_go
need_python
ensure_installed "jaeger ${JAEGER_VERSION#v} ($(shown "$BIN/jaeger"))" \
  "jaeger-$JAEGER_VERSION" "$JAEGER_MODULE@$JAEGER_VERSION" jaeger_is_pinned_version build_jaeger
