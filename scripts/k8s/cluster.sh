#!/usr/bin/env bash
# A real single-node Kubernetes v1.20.2 for Berth's Kubernetes tests: etcd, kube-apiserver, controller-manager and
# scheduler on docker0's address, a kubelet whose built-in dockershim drives the local Docker engine (pods are
# real containers on docker0), and kube-proxy in iptables mode. Binaries come from scripts/k8s/build.sh (cached).
#
# Usage: scripts/k8s/cluster.sh start|stop [dir]     (dir default: $BERTH_TEST_CACHE/k8s/run)
#   start prints the kubeconfig path on its last line; stop undoes every host change start made:
#   processes (by PID file), the k8s_* containers dockershim created, kubelet mounts, KUBE-* iptables chains, empty
#   nft tables that did not exist before, kubepods cgroups, sysctls, dockerd's oom_score_adj, and the host paths
#   kubelet 1.20 hard-codes (/var/lib/kubelet, /var/log/pods, /var/log/containers) when they were absent before.
# kubelet runs with AWS_EC2_METADATA_DISABLED=true: its in-tree credential provider would otherwise contact the
# link-local metadata address, which nothing here may do.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/common.sh disable=SC1091
. "$HERE/../lib/common.sh"

CMD=${1:-start}
CACHE=$(berth_cache_dir)/k8s
D=${2:-$CACHE/run}
BIN=$CACHE/bin
export DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}
NODE=berth-test-node
PAUSE=berth-test/pause:3.2
TOKEN=berth-test-admin-token
ETCD_PORT=23790
API_PORT=16443
SYSCTLS="kernel.panic kernel.panic_on_oops vm.overcommit_memory vm.panic_on_oom net.ipv4.conf.all.route_localnet"
HOSTDIRS="/var/lib/kubelet /var/log/pods /var/log/containers"
KUBECTL=("$BIN/kubectl" --cache-dir "$D/kcache")

node_ip() { ip -4 -o addr show docker0 | awk '{ sub(/\/.*/, "", $4); print $4; exit }'; }

# Removes every KUBE-* chain and every rule that jumps to one; Docker's own chains stay as they are. Rules are
# deleted by position (last first): a saved rule is not safe to split into words (its comments are quoted).
delete_kube_chains() {
  local ipt=$1 table chain chains n
  for table in filter nat mangle raw; do
    "$ipt-save" -t "$table" >/dev/null 2>&1 || continue
    for chain in $("$ipt-save" -t "$table" | sed -n 's/^:\([^ ]*\) .*/\1/p' | grep -v '^KUBE-'); do
      "$ipt" -w -t "$table" -S "$chain" | grep -E '^-A ' | grep -nE -- '-j KUBE-' | cut -d: -f1 | sort -rn |
        while read -r n; do "$ipt" -w -t "$table" -D "$chain" "$n" || true; done
    done
    chains=$("$ipt-save" -t "$table" | sed -n 's/^:\(KUBE-[^ ]*\) .*/\1/p')
    for chain in $chains; do "$ipt" -w -t "$table" -F "$chain" || true; done
    for chain in $chains; do "$ipt" -w -t "$table" -X "$chain" || true; done
  done
}

stop_pid() {
  local file=$1 pid i
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  kill "$pid" 2>/dev/null || true
  for i in $(seq 50); do
    case "$(ps -o stat= -p "$pid" 2>/dev/null || true)" in '' | Z*)
      rm -f "$file"
      return 0
      ;;
    esac
    sleep 0.1
  done
  log "$(basename "$file" .pid) ($pid) did not stop within 5 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$file"
}

stop_cluster() {
  set +e +o pipefail # best effort: every step runs even when an earlier one found nothing to do
  local name ids mount fam table ipt h p
  # The host-wide clean-up below (KUBE-* chains, k8s_ containers, sysctls) is for a cluster this dir
  # started: a dir that started nothing must not tear down another dir's running cluster.
  if ! compgen -G "$D/*.pid" >/dev/null && [ ! -f "$D/sysctl.saved" ]; then
    log "nothing was started in $D"
    return 0
  fi
  for name in hairpin kube-proxy kubelet kube-scheduler kube-controller-manager kube-apiserver etcd; do
    stop_pid "$D/$name.pid"
  done
  ids=$(docker ps -aq --filter label=io.kubernetes.docker.type --filter name='^/k8s_')
  # shellcheck disable=SC2086 # one argument per container id
  [ -n "$ids" ] && docker rm -f $ids >/dev/null
  grep -oE " $D/kubelet(/[^ ]*)?" /proc/mounts | sort -ru | while read -r mount; do
    umount "$mount" || umount -l "$mount" || true
  done
  delete_kube_chains iptables
  delete_kube_chains ip6tables
  if [ -f "$D/nft-tables.before" ] && command -v nft >/dev/null; then
    nft list tables | while read -r _ fam table; do
      grep -qx "table $fam $table" "$D/nft-tables.before" && continue
      case "$fam" in ip) ipt=iptables ;; ip6) ipt=ip6tables ;; *) continue ;; esac
      "$ipt-save" -t "$table" 2>/dev/null | grep -qE '^(-A |:[^ ]+ - )' || nft delete table "$fam" "$table"
    done
  fi
  for h in /sys/fs/cgroup/*/kubepods; do
    [ -d "$h" ] && find "$h" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  [ -f "$D/sysctl.saved" ] && sysctl -q -p "$D/sysctl.saved"
  if [ -f "$D/hostdirs.before" ]; then
    for p in $HOSTDIRS; do
      grep -qx "$p" "$D/hostdirs.before" || grep -q " $p" /proc/mounts || rm -rf "$p"
    done
  fi
  if [ -f "$D/dockerd.oom" ] && [ -f "$D/dockerd.pid" ]; then
    cat "$D/dockerd.oom" >"/proc/$(cat "$D/dockerd.pid")/oom_score_adj" 2>/dev/null
  fi
  rm -f "$D/sysctl.saved" "$D/nft-tables.before" "$D/hostdirs.before" "$D/dockerd.oom" "$D/dockerd.pid"
  log "kubernetes stopped ($D)"
}

# dockershim with no network plugin leaves hairpin off on pod veths, so a pod calling its own Service would hang
# whenever kube-proxy picks that same pod: turn hairpin on for each new pod sandbox.
hairpin_loop() {
  set +e
  declare -A seen
  local sandbox pid idx dev
  while sleep 1; do
    for sandbox in $(docker ps -q --filter name='^/k8s_POD_' 2>/dev/null); do
      [ -n "${seen[$sandbox]:-}" ] && continue
      pid=$(docker inspect -f '{{.State.Pid}}' "$sandbox" 2>/dev/null) || continue
      idx=$(nsenter -t "$pid" -n ip -o link show eth0 2>/dev/null | sed -n 's/.*eth0@if\([0-9]*\).*/\1/p')
      dev=$(ip -o link | awk -F': ' -v i="$idx" '$1 == i { split($2, a, "@"); print a[1] }')
      if [ -z "$idx" ] || [ ! -w "/sys/class/net/$dev/brport/hairpin_mode" ]; then continue; fi
      echo 1 >"/sys/class/net/$dev/brport/hairpin_mode" && seen[$sandbox]=1
    done
  done
}

start_control_plane() {
  local addr=$1 i
  command -v etcd >/dev/null || apt_install etcd-server
  command -v openssl >/dev/null || apt_install openssl
  mkdir -p "$D/certs"
  [ -f "$D/certs/sa.key" ] || openssl genrsa -out "$D/certs/sa.key" 2048 2>/dev/null
  echo "$TOKEN,admin,admin,system:masters" >"$D/tokens.csv"
  rm -rf "$D/etcd" # a fresh store: a reused one makes a restarted kubelet see pods "Running" whose containers are gone
  etcd --name berth-test --data-dir "$D/etcd" --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" --listen-peer-urls http://127.0.0.1:0 >"$D/etcd.log" 2>&1 &
  echo $! >"$D/etcd.pid"
  "$BIN/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" --bind-address "$addr" \
    --advertise-address "$addr" --secure-port "$API_PORT" --cert-dir "$D/certs" --token-auth-file "$D/tokens.csv" \
    --authorization-mode RBAC --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$D/certs/sa.key" --service-account-signing-key-file "$D/certs/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 --insecure-port 0 --enable-priority-and-fairness=false \
    --kubelet-preferred-address-types InternalIP,Hostname >"$D/kube-apiserver.log" 2>&1 &
  echo $! >"$D/kube-apiserver.pid"
  cat >"$D/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters: [{name: berth-test, cluster: {server: "https://$addr:$API_PORT", insecure-skip-tls-verify: true}}]
users: [{name: admin, user: {token: $TOKEN}}]
contexts: [{name: berth-test, context: {cluster: berth-test, user: admin, namespace: default}}]
current-context: berth-test
KUBECONFIG
  for i in $(seq 300); do
    curl -fsk -H "Authorization: Bearer $TOKEN" "https://$addr:$API_PORT/readyz" >/dev/null 2>&1 && break
    [ "$i" = 300 ] && die "kube-apiserver did not become ready (log: $D/kube-apiserver.log)"
    sleep 0.2
  done
  "$BIN/kube-controller-manager" --kubeconfig "$D/kubeconfig" --leader-elect=false --port 0 --secure-port 0 \
    --service-account-private-key-file "$D/certs/sa.key" --root-ca-file "$D/certs/apiserver.crt" \
    --use-service-account-credentials=false >"$D/kube-controller-manager.log" 2>&1 &
  echo $! >"$D/kube-controller-manager.pid"
  "$BIN/kube-scheduler" --kubeconfig "$D/kubeconfig" --leader-elect=false --port 0 --secure-port 0 \
    >"$D/kube-scheduler.log" 2>&1 &
  echo $! >"$D/kube-scheduler.pid"
}

# The pause image: a shell that exits at once on SIGTERM (busybox `sleep` as PID 1 ignores it, and every pod
# deletion would wait out its grace period). Built from the local busybox image: there is no registry.
ensure_pause_image() {
  docker image inspect "$PAUSE" >/dev/null 2>&1 && return 0
  mkdir -p "$D/pause-image"
  cat >"$D/pause-image/Dockerfile" <<'DOCKERFILE'
FROM berth-test/busybox:latest
ENTRYPOINT ["/bin/sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"]
LABEL berth.test.fixture=1
DOCKERFILE
  docker build -q -t "$PAUSE" "$D/pause-image" >"$D/pause-image/build.log" 2>&1 ||
    { cat "$D/pause-image/build.log" >&2; die "could not build $PAUSE"; }
}

start_node() {
  local addr=$1 dockerd i
  mkdir -p "$D/kubelet" "$D/volume-plugins" "$D/dockershim"
  nft list tables >"$D/nft-tables.before" 2>/dev/null || true
  for i in $HOSTDIRS; do [ -e "$i" ] && echo "$i"; done >"$D/hostdirs.before" || true
  # shellcheck disable=SC2086 # one argument per sysctl name
  sysctl $SYSCTLS | sed 's/ = /=/' >"$D/sysctl.saved"
  dockerd=$(pgrep -xo dockerd || true)
  if [ -n "$dockerd" ]; then
    cat "/proc/$dockerd/oom_score_adj" >"$D/dockerd.oom"
    echo "$dockerd" >"$D/dockerd.pid"
  fi
  ensure_pause_image
  # Image GC off and no disk-pressure eviction: kubelet must never delete images from the shared Docker engine.
  AWS_EC2_METADATA_DISABLED=true "$BIN/kubelet" --kubeconfig "$D/kubeconfig" --hostname-override "$NODE" \
    --node-ip "$addr" --address "$addr" --read-only-port 0 \
    --container-runtime docker --docker-endpoint "$DOCKER_HOST" --docker "$DOCKER_HOST" \
    --container-runtime-endpoint "unix://$D/dockershim.sock" --image-service-endpoint "unix://$D/dockershim.sock" \
    --experimental-dockershim-root-directory "$D/dockershim" --pod-infra-container-image "$PAUSE" --network-plugin= \
    --cgroup-driver cgroupfs --fail-swap-on=false \
    --root-dir "$D/kubelet" --cert-dir "$D/kubelet/pki" --volume-plugin-dir "$D/volume-plugins" \
    --image-gc-high-threshold 100 --image-gc-low-threshold 99 --eviction-hard 'memory.available<100Mi' \
    --node-status-update-frequency 2s -v 1 >"$D/kubelet.log" 2>&1 &
  echo $! >"$D/kubelet.pid"
  for i in $(seq 600); do
    if [ "$(curl -s -m 1 http://127.0.0.1:10248/healthz)" = ok ] &&
      [ "$(KUBECONFIG=$D/kubeconfig "${KUBECTL[@]}" get node "$NODE" \
        -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]; then
      break
    fi
    kill -0 "$(cat "$D/kubelet.pid")" 2>/dev/null || die "kubelet died (log: $D/kubelet.log)"
    [ "$i" = 600 ] && die "the node did not become Ready (log: $D/kubelet.log)"
    sleep 0.1
  done
  hairpin_loop >/dev/null 2>&1 &
  echo $! >"$D/hairpin.pid"
  "$BIN/kube-proxy" --kubeconfig "$D/kubeconfig" --hostname-override "$NODE" --proxy-mode iptables \
    --bind-address "$addr" --cluster-cidr 172.17.0.0/16 --nodeport-addresses "$addr/32" \
    --healthz-bind-address 127.0.0.1:10256 --metrics-bind-address 127.0.0.1:10249 --oom-score-adj 0 \
    --conntrack-max-per-core 0 --conntrack-tcp-timeout-established 0 --conntrack-tcp-timeout-close-wait 0 \
    -v 1 >"$D/kube-proxy.log" 2>&1 &
  echo $! >"$D/kube-proxy.pid"
  for i in $(seq 100); do
    curl -fs http://127.0.0.1:10256/healthz >/dev/null 2>&1 && break
    sleep 0.1
  done
}

case "$CMD" in
  stop) stop_cluster ;;
  start)
    for b in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
      [ -x "$BIN/$b" ] || die "$BIN/$b is missing: run scripts/k8s/build.sh first"
    done
    is_root || die "the kubelet needs root"
    grep -q " $D/" /proc/mounts && die "mounts are left under $D: run '$0 stop $D' first"
    mkdir -p "$D"
    T0=$(now)
    ADDR=$(node_ip)
    [ -n "$ADDR" ] || die "docker0 has no IPv4 address: is the Docker engine running?"
    # A cluster left running (e.g. by a killed test) would answer the readiness checks below in place of
    # the new one, whose daemons cannot bind: refuse instead.
    for endpoint in "$ADDR/$API_PORT" "127.0.0.1/$ETCD_PORT" 127.0.0.1/10248 127.0.0.1/10256; do
      if (exec 3<>"/dev/tcp/$endpoint") 2>/dev/null; then
        die "port ${endpoint#*/} is in use: another cluster runs ('$0 stop <its dir>' stops it; dirs: $CACHE/run*)"
      fi
    done
    # Any failure on the way (a failed command or a `die`) undoes what was started so far.
    trap 'stop_cluster' EXIT
    start_control_plane "$ADDR"
    start_node "$ADDR"
    trap - EXIT
    log "kubernetes ready in $(since "$T0") (node $NODE on $ADDR)"
    echo "$D/kubeconfig"
    ;;
  *) die "usage: $0 start|stop [dir]" ;;
esac
