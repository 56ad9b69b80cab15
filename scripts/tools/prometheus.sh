#!/usr/bin/env bash
# TOOLS/bin/prometheus: the Prometheus server (Apache-2.0), `go install`ed from the Go module proxy
# at a pinned version, for integration/metrics.test.ts (it scrapes a real router and shards).
#
# Built with the `remove_all_sd` tag: the tests use static targets only, and the cloud service
# discoveries (AWS, Azure, GCE, Kubernetes...) are most of the build time. Built without the
# `builtinassets` tag, since the module zip has no compiled web UI (web/ui/static is made by npm
# in Prometheus's own release build): the HTTP API and /metrics work, the web pages do not.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The Go module v0.316.0 is Prometheus 3.16.0 (its VERSION file).
PROMETHEUS_MODULE_VERSION=v0.316.0
PROMETHEUS_VERSION=3.16.0
PROMETHEUS_TAGS=remove_all_sd

# licence_check BINARY: the main module's LICENSE is the Apache License 2.0, and no module linked
# into BINARY carries a Business Source License (the same rule as scripts/tools/consul.sh).
licence_check() {
  local binary="$1" modcache path version dir
  modcache="$(go env GOMODCACHE)"
  dir="$modcache/github.com/prometheus/prometheus@$PROMETHEUS_MODULE_VERSION"
  head -n 3 "$dir/LICENSE" | grep -q "Apache License" &&
    head -n 3 "$dir/LICENSE" | grep -q "Version 2.0" ||
    die "github.com/prometheus/prometheus@$PROMETHEUS_MODULE_VERSION: LICENSE is not the Apache License 2.0"
  while read -r path version; do
    # The module cache escapes capitals as '!' + lower case.
    dir="$modcache/$(printf '%s' "$path@$version" | sed -E 's/([A-Z])/!\L\1/g')"
    [ -d "$dir" ] || die "linked module $path@$version is not in the module cache ($dir)"
    if grep -rlis --include='LICENSE*' --include='COPYING*' "Business Source License" "$dir" >/dev/null; then
      die "linked module $path@$version is under the Business Source License"
    fi
  done < <(go version -m "$binary" | awk '$1 == "mod" || $1 == "dep" {print $2, $3}')
}

install_prometheus() {
  local out="$BUILD/prometheus"
  rm -rf "$out"
  mkdir -p "$out"
  log "installing prometheus $PROMETHEUS_VERSION from the Go module proxy (log: $(shown "$out/build.log"))"
  GOBIN="$out" go install -tags "$PROMETHEUS_TAGS" \
    -ldflags="-s -w -X github.com/prometheus/common/version.Version=$PROMETHEUS_VERSION" \
    "github.com/prometheus/prometheus/cmd/prometheus@$PROMETHEUS_MODULE_VERSION" >"$out/build.log" 2>&1 || {
    tail -n 40 "$out/build.log" >&2
    die "go install prometheus@$PROMETHEUS_MODULE_VERSION failed (full log: $(shown "$out/build.log"))"
  }
  licence_check "$out/prometheus"
  mv -f "$out/prometheus" "$BIN/prometheus"
}

prometheus_says_pinned_version() {
  local out
  [ -x "$BIN/prometheus" ] || return 1
  out="$("$BIN/prometheus" --version 2>&1)" || return 1
  case "$(first_line "$out")" in "prometheus, version $PROMETHEUS_VERSION "*) return 0 ;; esac
  return 1
}

need_go
ensure_installed "prometheus $PROMETHEUS_VERSION ($(shown "$BIN/prometheus"))" \
  "prometheus-$PROMETHEUS_MODULE_VERSION" "$PROMETHEUS_MODULE_VERSION tags=$PROMETHEUS_TAGS" \
  prometheus_says_pinned_version install_prometheus
