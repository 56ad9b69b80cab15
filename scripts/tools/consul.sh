#!/usr/bin/env bash
# TOOLS/bin/consul: the Consul agent, built from the Go module proxy at an MPL-2.0 release, with
# a licence check of the build list before compiling and of what was linked after.
#
# `go install github.com/hashicorp/consul@VERSION` is refused (Consul's go.mod has local replace
# directives), so a wrapper module requires Consul, repeats its excludes and non-local replaces,
# and builds it: a dependency's replace directives are ignored.
# About 7 minutes on 2 cores with an empty Go cache.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Consul is BUSL-licensed from 1.17.0; 1.14.x is the last line without the non-free
# envoyextensions/troubleshoot submodules. v1.14.11 is the newest 1.14.x that the Go module
# proxy serves here (v1.14.12 is refused).
CONSUL_VERSION=v1.14.11
# Consul's go.mod replaces these submodules with its own subfolders, so the wrapper requires the
# published versions; they must equal what consul's go.mod at CONSUL_VERSION requires (checked).
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

HERE="$ROOT/scripts/tools"
WRAPPER="$BUILD/consul"

# licence_check MODULES [--dirs DIRS]: scripts/tools/consul_licences.py with the exceptions above.
licence_check() {
  local -a args=()
  local m
  for m in "${CONSUL_LICENCE_EXCEPTIONS[@]}"; do args+=(--allow-no-licence "$m"); done
  "$PYTHON" "$HERE/consul_licences.py" "${args[@]}" "$@"
}

# write_wrapper: WRAPPER/go.mod requires consul and CONSUL_SUBMODULES and repeats consul's go
# version, excludes and non-local replaces; dies when consul's local replaces (its submodules)
# do not match CONSUL_SUBMODULES.
write_wrapper() {
  local gomod spec line kind rest path ver m found goversion=1.20
  local -a edits=("-require=github.com/hashicorp/consul@$CONSUL_VERSION")
  gomod="$(go mod download -json "github.com/hashicorp/consul@$CONSUL_VERSION" | "$PYTHON" "$HERE/go_mod.py" field GoMod)" ||
    die "cannot download github.com/hashicorp/consul@$CONSUL_VERSION"
  spec="$(go mod edit -json "$gomod" | "$PYTHON" "$HERE/go_mod.py" consul-spec)" ||
    die "cannot read consul's go.mod ($gomod)"
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
        [ "${m%@*}" = "$path" ] || continue
        found=1
        [ "${m#*@}" = "$ver" ] ||
          die "consul $CONSUL_VERSION requires $path $ver but scripts/tools/consul.sh pins ${m#*@}; update CONSUL_SUBMODULES"
      done
      [ -n "$found" ] ||
        die "consul $CONSUL_VERSION replaces $path with a local folder; it is not in CONSUL_SUBMODULES (is this a BUSL-era module?)"
      ;;
    esac
  done <<<"$spec"
  printf 'module shardmesh.local/consul-build\n\ngo %s\n' "$goversion" >"$WRAPPER/go.mod"
  (cd "$WRAPPER" && go mod edit "${edits[@]}") || die "cannot write the consul wrapper go.mod"
}

build_consul() {
  local count
  rm -rf "$WRAPPER"
  mkdir -p "$WRAPPER"
  log "building consul $CONSUL_VERSION from the Go module proxy (about 7 minutes on 2 cores; log: $(shown "$WRAPPER/build.log"))"
  write_wrapper

  # Licence check on the resolved build list, before anything is compiled.
  (cd "$WRAPPER" && go list -m -f '{{.Path}} {{.Version}}' all >"$WRAPPER/modules.txt" 2>"$WRAPPER/list.log") || {
    cat "$WRAPPER/list.log" >&2
    die "go list -m all failed in $(shown "$WRAPPER")"
  }
  count="$(licence_check "$WRAPPER/modules.txt")" || exit 1
  log "licence check passed: $count github.com/hashicorp/consul* modules, none under the BUSL"

  if ! (cd "$WRAPPER" && go build -ldflags='-s -w' -o "$WRAPPER/consul.new" github.com/hashicorp/consul) >"$WRAPPER/build.log" 2>&1; then
    tail -n 40 "$WRAPPER/build.log" >&2
    die "consul build failed (full log: $(shown "$WRAPPER/build.log"))"
  fi

  # Check again what was actually linked in, and that no linked module is under the BUSL.
  go version -m "$WRAPPER/consul.new" | awk '$1 == "mod" || $1 == "dep" {print $2, $3}' >"$WRAPPER/linked.txt"
  (cd "$WRAPPER" && go list -m -f '{{.Path}} {{.Dir}}' all) >"$WRAPPER/dirs.txt"
  licence_check --dirs "$WRAPPER/dirs.txt" "$WRAPPER/linked.txt" >/dev/null || exit 1
  mv -f "$WRAPPER/consul.new" "$BIN/consul"
}

consul_says_pinned_version() {
  local out
  [ -x "$BIN/consul" ] || return 1
  out="$("$BIN/consul" version 2>/dev/null)" || return 1
  [ "$(first_line "$out")" = "Consul $CONSUL_VERSION" ]
}

need_go
need_python
ensure_installed "consul ${CONSUL_VERSION#v} ($(shown "$BIN/consul"))" \
  "consul-$CONSUL_VERSION" "github.com/hashicorp/consul@$CONSUL_VERSION ${CONSUL_SUBMODULES[*]}" \
  consul_says_pinned_version build_consul
