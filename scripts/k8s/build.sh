#!/usr/bin/env bash
# Builds a real Kubernetes v1.20.2 (kube-apiserver, controller-manager, scheduler, kubelet, kube-proxy) from
# Debian's `kubernetes` source package, for the Kubernetes test group. There is no registry to download
# Kubernetes from here, and Debian 12 packages no server binaries, so they are compiled once inside a throwaway
# berth-test/debian container (Debian's Go, GOPROXY=off, vendored modules) and cached:
#   $BERTH_TEST_CACHE/k8s/bin/{kube-apiserver,kube-controller-manager,kube-scheduler,kubelet,kube-proxy,kubectl}
# A cold build takes 6-10 minutes on two cores; a re-run with the binaries present returns at once.
# Two source changes are applied (idempotent sed):
#   - json-iterator/reflect2 swapped for Debian's newer copies: the vendored ones crash under Go >= 1.18;
#   - kubelet's dockershim never asks for a negative oom_score_adj: root here lacks CAP_SYS_RESOURCE, and
#     runc fails every pod sandbox otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/common.sh disable=SC1091
. "$HERE/../lib/common.sh"

CACHE=$(berth_cache_dir)/k8s
SRC=$CACHE/src
OUT=$CACHE/bin
BASE=${BERTH_K8S_BUILD_IMAGE:-berth-test/debian:bookworm}
WHAT="cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler cmd/kubelet cmd/kube-proxy"
BINARIES="kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl"

have_all() {
  local b
  for b in $BINARIES; do [ -x "$OUT/$b" ] || return 1; done
}
if have_all; then
  log "kubernetes binaries cached in $OUT"
  exit 0
fi
if ! is_root || ! is_debian_like; then die "building Kubernetes needs root on Debian (apt source package + Docker)"; fi
docker image inspect "$BASE" >/dev/null 2>&1 || die "$BASE is missing: run scripts/test-env.sh first"
mkdir -p "$SRC/lists/partial" "$OUT"
T0=$(now)

# The source package, through a private deb-src list so the host's apt configuration stays untouched.
MIRROR=${BERTH_TEST_MIRROR:-$(awk '$1 == "URIs:" { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null)}
[ -n "$MIRROR" ] || MIRROR=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
[ -n "$MIRROR" ] || die "no Debian mirror found in the apt sources; set BERTH_TEST_MIRROR"
printf 'deb-src %s bookworm main\n' "$MIRROR" >"$SRC/src.list"
APT_OPTS=(-o "Dir::Etc::SourceList=$SRC/src.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$SRC/lists")
if ! compgen -G "$SRC/kubernetes_*.orig.tar.gz" >/dev/null; then
  log "fetching Debian's kubernetes source package"
  (cd "$SRC" && apt-get "${APT_OPTS[@]}" update -qq && apt-get "${APT_OPTS[@]}" source --download-only kubernetes) \
    >>"$CACHE/fetch.log" 2>&1 || { tail -n 20 "$CACHE/fetch.log" >&2; die "could not fetch the kubernetes source package"; }
fi

log "compiling Kubernetes (6-10 min on two cores; log: $SRC/make.log)"
# Low CPU weight: the build takes whatever is idle and yields to the tests.
docker run --rm --cpu-shares 256 --label berth.test.k8s-build=1 -v "$SRC:/src" -v "$OUT:/out" -e WHAT="$WHAT" \
  -e KUBE_STATIC_OVERRIDES=kubelet -w /src "$BASE" bash -ec '
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends golang-go rsync jq make git ca-certificates \
    golang-github-modern-go-reflect2-dev golang-github-json-iterator-go-dev >/dev/null
  [ -d kubernetes-1.20.2 ] || tar xzf kubernetes_*.orig.tar.gz
  cd kubernetes-1.20.2
  export GOPROXY=off GOFLAGS=-mod=vendor HOME=/tmp
  for m in modern-go/reflect2 json-iterator/go; do
    find vendor/github.com/$m -maxdepth 1 -type f -name "*.go" -delete
    cp /usr/share/gocode/src/github.com/$m/*.go vendor/github.com/$m/
    find vendor/github.com/$m -maxdepth 1 -name "*_test.go" -delete
  done
  sed -i "s/^\(\tdefaultSandboxOOMAdj int = \)-998$/\10 \/\/ berth: was -998/" pkg/kubelet/dockershim/docker_sandbox.go
  sed -i "s/^\(\t\t\t\)createConfig.HostConfig.OomScoreAdj = int(rOpts.OomScoreAdj)$/\1if rOpts.OomScoreAdj > 0 { createConfig.HostConfig.OomScoreAdj = int(rOpts.OomScoreAdj) } \/\/ berth: negative needs CAP_SYS_RESOURCE/" pkg/kubelet/dockershim/helpers_linux.go
  make WHAT="$WHAT cmd/kubectl" > /src/make.log 2>&1 || { tail -n 40 /src/make.log; exit 1; }
  for w in $WHAT cmd/kubectl; do cp "_output/local/bin/linux/amd64/$(basename "$w")" /out/; done'
have_all || die "the build finished but binaries are missing in $OUT"
log "kubernetes binaries built in $(since "$T0") into $OUT"
