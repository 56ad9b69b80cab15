#!/usr/bin/env bash
# TOOLS/bin/helm: Helm v3, `go install`ed from the Go module proxy at a pinned release, for the
# chart tests (integration/helm.test.ts: helm lint --strict, helm template). About 4.5 minutes on
# 2 cores with an empty Go cache.
#
# Licences: Helm's own module must carry the Apache License 2.0 (checked before compiling), and no
# module linked into the binary may have a top-level licence file naming the Business Source
# License (checked after compiling, on the module cache folders `go version -m` names).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HELM_VERSION=v3.22.0
HELM_MODULE=helm.sh/helm/v3

# The release Makefile sets these by -ldflags; a plain `go install` would report "v3.22" and tell
# charts (.Capabilities.KubeVersion) and `helm lint` that the cluster is Kubernetes 1.20.
# read_k8s_version sets K8S_MAJOR/K8S_MINOR from Helm's go.mod the way the Makefile does
# (k8s.io/client-go v0.X.Y is Kubernetes 1.X).
read_k8s_version() {
  local gomod client_go
  gomod="$(go mod download -json "$HELM_MODULE@$HELM_VERSION" | "$PYTHON" "$ROOT/scripts/tools/go_mod.py" field GoMod)" ||
    die "cannot download $HELM_MODULE@$HELM_VERSION"
  client_go="$(awk '$1 == "k8s.io/client-go" {print $2}' "$gomod")"
  case "$client_go" in v0.[0-9]*.[0-9]*) ;; *) die "cannot read k8s.io/client-go's version from $gomod" ;; esac
  K8S_MAJOR=1
  K8S_MINOR="$(echo "$client_go" | cut -d. -f2)"
}

check_main_licence() {
  local dir
  dir="$(go mod download -json "$HELM_MODULE@$HELM_VERSION" | "$PYTHON" "$ROOT/scripts/tools/go_mod.py" field Dir)" ||
    die "cannot download $HELM_MODULE@$HELM_VERSION"
  [ -f "$dir/LICENSE" ] || die "licence check: $HELM_MODULE@$HELM_VERSION has no LICENSE file ($dir)"
  head -n 5 "$dir/LICENSE" | grep -q "Apache License" && grep -q "Version 2.0, January 2004" "$dir/LICENSE" ||
    die "licence check: $HELM_MODULE@$HELM_VERSION's LICENSE is not the Apache License 2.0 ($dir/LICENSE)"
  log "licence check passed: $HELM_MODULE@$HELM_VERSION is Apache-2.0"
}

# check_linked_licences BINARY: no module linked into BINARY has a top-level LICEN[CS]E*/COPYING*
# naming the Business Source License. Module cache folders spell capitals as "!" + lower case.
check_linked_licences() {
  local cache path version dir count=0
  cache="$(go env GOMODCACHE)"
  while read -r path version; do
    dir="$cache/$(printf '%s' "$path" | sed 's/[A-Z]/!\L&/g')@$version"
    [ -d "$dir" ] || die "licence check: no module cache folder for linked $path@$version ($dir)"
    if find "$dir" -maxdepth 1 -type f \( -iname 'LICEN[CS]E*' -o -iname 'COPYING*' \) \
      -exec grep -qiI 'business source license' {} \; -print | grep -q .; then
      die "licence check: linked module $path@$version is under the Business Source License ($dir)"
    fi
    count=$((count + 1))
  done < <(go version -m "$1" | awk '$1 == "dep" {print $2, $3}')
  log "licence check passed: $count linked modules, none under the Business Source License"
}

install_helm() {
  local ldflags new="$BUILD/helm.new"
  check_main_licence
  read_k8s_version
  ldflags="-s -w -X $HELM_MODULE/internal/version.version=$HELM_VERSION -X $HELM_MODULE/internal/version.metadata="
  ldflags+=" -X $HELM_MODULE/pkg/lint/rules.k8sVersionMajor=$K8S_MAJOR -X $HELM_MODULE/pkg/lint/rules.k8sVersionMinor=$K8S_MINOR"
  ldflags+=" -X $HELM_MODULE/pkg/chartutil.k8sVersionMajor=$K8S_MAJOR -X $HELM_MODULE/pkg/chartutil.k8sVersionMinor=$K8S_MINOR"
  log "installing helm $HELM_VERSION (Kubernetes $K8S_MAJOR.$K8S_MINOR client) from the Go module proxy (about 4.5 minutes; log: $(shown "$BUILD/helm.log"))"
  rm -rf "$new"
  mkdir -p "$new"
  GOBIN="$new" CGO_ENABLED=0 go install -trimpath -ldflags="$ldflags" \
    "$HELM_MODULE/cmd/helm@$HELM_VERSION" >"$BUILD/helm.log" 2>&1 || {
    tail -n 40 "$BUILD/helm.log" >&2
    die "go install helm@$HELM_VERSION failed (full log: $(shown "$BUILD/helm.log"))"
  }
  check_linked_licences "$new/helm"
  mv -f "$new/helm" "$BIN/helm"
  rm -rf "$new"
}

helm_says_pinned_version() {
  local out
  [ -x "$BIN/helm" ] || return 1
  out="$("$BIN/helm" version --template '{{.Version}}' 2>/dev/null)" || return 1
  [ "$out" = "$HELM_VERSION" ]
}

need_go
need_python
ensure_installed "helm ${HELM_VERSION#v} ($(shown "$BIN/helm"))" \
  "helm-$HELM_VERSION" "$HELM_MODULE@$HELM_VERSION" helm_says_pinned_version install_helm
