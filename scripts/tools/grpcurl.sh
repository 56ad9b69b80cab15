#!/usr/bin/env bash
# TOOLS/bin/grpcurl: `go install` of grpcurl at a pinned version (about 2 minutes).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GRPCURL_VERSION=v1.9.3

install_grpcurl() {
  log "installing grpcurl $GRPCURL_VERSION from the Go module proxy (about 2 minutes)"
  GOBIN="$BIN" go install -ldflags="-s -w -X main.version=$GRPCURL_VERSION" \
    "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION" >"$BUILD/grpcurl.log" 2>&1 || {
    tail -n 40 "$BUILD/grpcurl.log" >&2
    die "go install grpcurl@$GRPCURL_VERSION failed (full log: $(shown "$BUILD/grpcurl.log"))"
  }
}

grpcurl_says_pinned_version() {
  local out
  [ -x "$BIN/grpcurl" ] || return 1
  out="$("$BIN/grpcurl" -version 2>&1)" || return 1
  [ "$(first_line "$out")" = "grpcurl $GRPCURL_VERSION" ]
}

need_go
ensure_installed "grpcurl ${GRPCURL_VERSION#v} ($(shown "$BIN/grpcurl"))" \
  "grpcurl-$GRPCURL_VERSION" "$GRPCURL_VERSION" grpcurl_says_pinned_version install_grpcurl
