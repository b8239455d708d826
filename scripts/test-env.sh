#!/usr/bin/env bash
# Prepares everything Berth's test suite needs on this machine, then exits:
#   - a Docker engine that answers (the caller's DOCKER_HOST, or the local
#     default socket; on a root Debian/Ubuntu box it installs docker.io and
#     starts dockerd itself),
#   - local fixture images, built without any registry (Docker Hub may be
#     unreachable): berth-test/debian:bookworm, berth-test/busybox:latest,
#     berth-test/node:20-slim (recipes under scripts/images/),
#   - local database images honouring the official images' env contract:
#     berth-test/postgres:15, berth-test/mariadb:10.11, berth-test/redis:7
#     (recipes under test/images/),
#   - Debian's chromium at /usr/bin/chromium (driven by playwright-core),
#   - git,
#   - a real single-node Kubernetes v1.20.2 for the Kubernetes tests: etcd-server and nftables from
#     Debian, the Kubernetes binaries compiled once from Debian's source package by scripts/k8s/build.sh
#     (6-10 min cold, cached in $BERTH_TEST_CACHE/k8s/bin; the tests start the cluster themselves).
# Idempotent: a second run reuses everything and takes a few seconds.
#
# Env: DOCKER_HOST        use this engine (never starts a daemon for a custom one)
#      FRESH=1            rebuild the fixture images (and re-run debootstrap)
#      BERTH_TEST_CACHE   cache dir (default /var/cache/berth-test as root)
#      BERTH_TEST_MIRROR  Debian mirror for debootstrap (default: the host's)
#      BERTH_TEST_KUBERNETES=0  skip the Kubernetes binaries (the Kubernetes tests then fail at start)
#
# Run by `npm test` before scripts/run-tests.mjs.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# (run `shellcheck -x` to follow this; disable=SC1091 only silences "not following" without -x)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh disable=SC1091
. "$HERE/lib/common.sh"

T0=$(now)
FRESH=${FRESH:-0}
export FRESH

DEBIAN_IMAGE=berth-test/debian:bookworm
BUSYBOX_IMAGE=berth-test/busybox:latest
NODE_IMAGE=berth-test/node:20-slim
CHROMIUM=/usr/bin/chromium

DEFAULT_SOCK=/var/run/docker.sock
DOCKERD_LOG=/var/log/berth-test-dockerd.log
DOCKER_WAIT_SECONDS=30

BERTH_TEST_CACHE=$(berth_cache_dir)
BERTH_LOG_DIR=$BERTH_TEST_CACHE/logs
export BERTH_TEST_CACHE BERTH_LOG_DIR
mkdir -p "$BERTH_TEST_CACHE" "$BERTH_LOG_DIR"

# Two concurrent runs (e.g. two terminals) would race on apt, the rootfs
# cache and the image tags; serialise them.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$BERTH_TEST_CACHE/.lock"
  if ! flock -n 9; then
    log "another test-env.sh run holds $BERTH_TEST_CACHE/.lock; waiting for it"
    flock 9
  fi
fi

# --- git ------------------------------------------------------------------------
# The push-to-deploy tests drive the git CLI.
ensure_git() {
  if command -v git >/dev/null 2>&1; then return; fi
  if is_root && is_debian_like; then
    log "installing git"
    apt_install --no-install-recommends git
  else
    die "git is missing; install it (Debian/Ubuntu: sudo apt-get install git)"
  fi
}

# --- ssh client (issue 5) ---------------------------------------------------------
# The SSH push tests run the real OpenSSH client (git over ssh://) and ssh-keygen.
ensure_ssh_client() {
  if command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1; then return; fi
  if is_root && is_debian_like; then
    log "installing openssh-client"
    apt_install --no-install-recommends openssh-client
  else
    die "ssh is missing; install it (Debian/Ubuntu: sudo apt-get install openssh-client)"
  fi
}

# --- Docker engine ----------------------------------------------------------------
docker_answers() {
  command -v docker >/dev/null 2>&1 && timeout 15 docker info >/dev/null 2>&1
}

# PIDs of running dockerd processes (no pgrep: procps is not in minimal images).
dockerd_pids() {
  local f
  for f in /proc/[0-9]*/comm; do
    [ "$(cat "$f" 2>/dev/null)" = dockerd ] && { f=${f#/proc/}; printf '%s\n' "${f%/comm}"; }
  done
  return 0
}

wait_for_docker() {
  local deadline=$((SECONDS + DOCKER_WAIT_SECONDS))
  while [ "$SECONDS" -lt "$deadline" ]; do
    docker_answers && return 0
    sleep 0.2
  done
  return 1
}

ensure_docker() {
  if docker_answers; then
    log "using the Docker engine at ${DOCKER_HOST:-unix://$DEFAULT_SOCK}"
    return
  fi

  # A caller-chosen engine is the caller's to start: starting a daemon of
  # our own there could clash with theirs.
  if [ -n "${DOCKER_HOST:-}" ] && [ "$DOCKER_HOST" != "unix://$DEFAULT_SOCK" ]; then
    die "no Docker engine answers at DOCKER_HOST=$DOCKER_HOST; start it, or unset DOCKER_HOST to use (and if needed start) the local default engine"
  fi
  if ! is_root && [ -S "$DEFAULT_SOCK" ] && [ ! -w "$DEFAULT_SOCK" ]; then
    die "a Docker engine may be running, but this user cannot use $DEFAULT_SOCK; add the user to the docker group (then log in again) or run as root"
  fi
  if ! is_root || ! is_debian_like; then
    die "no Docker engine answers at unix://$DEFAULT_SOCK. Install Docker (Debian/Ubuntu: apt-get install docker.io) and start it (e.g. 'sudo dockerd &' or 'sudo service docker start'), or set DOCKER_HOST to a running engine, then re-run"
  fi

  if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    log "installing docker.io (~5 s)"
    # Recommends are not needed: iptables, containerd, runc and tini are Depends.
    apt_install --no-install-recommends docker.io
  fi

  # Only one dockerd may run per network namespace (a second one fights over
  # docker0 and the iptables DOCKER chains). If one is already running, it is
  # either still starting (wait for it) or listening elsewhere (tell the user).
  local pids
  pids=$(dockerd_pids | tr '\n' ' ')
  if [ -n "$pids" ]; then
    log "dockerd is running (pid ${pids% }) but does not answer yet; waiting up to ${DOCKER_WAIT_SECONDS}s"
    wait_for_docker ||
      die "dockerd (pid ${pids% }) is running but does not answer on unix://$DEFAULT_SOCK; if it listens on another socket, set DOCKER_HOST=unix://<that socket>, else stop it and re-run"
    log "using the Docker engine at unix://$DEFAULT_SOCK"
    return
  fi

  # A daemon that was killed leaves its socket behind; clients then fail
  # with a confusing "connection refused".
  rm -f "$DEFAULT_SOCK"
  log "starting dockerd in the background (log: $DOCKERD_LOG)"
  # setsid: its own session, so Ctrl-C on `npm test` does not take the
  # daemon down with the tests; nohup + </dev/null: it outlives this script;
  # 9>&-: it must not inherit our lock fd, or it would hold the lock forever
  # and every later run would wait on it.
  local setsid=()
  command -v setsid >/dev/null 2>&1 && setsid=(setsid)
  "${setsid[@]}" nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null 9>&- &
  local started
  started=$(now)
  if ! wait_for_docker; then
    tail -n 20 "$DOCKERD_LOG" >&2 || true
    die "dockerd did not answer within ${DOCKER_WAIT_SECONDS}s (full log: $DOCKERD_LOG)"
  fi
  log "dockerd is up ($(since "$started"))"
}

# --- Fixture images ---------------------------------------------------------------
image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# Runs a build script with a progress line and its duration.
build_image() {
  local name=$1 script=$2 started
  shift 2
  started=$(now)
  log "building $name"
  "$HERE/images/$script" "$name" "$@"
  log "built $name ($(since "$started"))"
}

ensure_images() {
  local base_rebuilt=0 want have

  # Keep an existing base image: re-importing it changes its ID and
  # invalidates every build cache keyed on it.
  if [ "$FRESH" = 1 ] || ! image_exists "$DEBIAN_IMAGE"; then
    build_image "$DEBIAN_IMAGE" debian/build.sh
    base_rebuilt=1
    BASE_REBUILT=1
  else
    log "reusing $DEBIAN_IMAGE"
  fi

  if [ "$FRESH" = 1 ] || ! image_exists "$BUSYBOX_IMAGE"; then
    build_image "$BUSYBOX_IMAGE" busybox/build.sh
  else
    log "reusing $BUSYBOX_IMAGE"
  fi

  # The node image is rebuilt when its base changed or the host's node was
  # upgraded (the image records the version it was made from in a label).
  want=$(node -p process.versions.node 2>/dev/null || true)
  have=$(docker image inspect --format '{{index .Config.Labels "berth.test.node-version"}}' "$NODE_IMAGE" 2>/dev/null || true)
  if [ "$FRESH" = 1 ] || [ "$base_rebuilt" = 1 ] || [ -z "$have" ] || [ "$have" != "$want" ]; then
    build_image "$NODE_IMAGE" node/build.sh "$DEBIAN_IMAGE"
  else
    log "reusing $NODE_IMAGE (node v$have)"
  fi
}

# --- Database images ---------------------------------------------------------------
# The managed-database tests run real engines. Official images may be out of
# reach, so these are built FROM the Debian fixture with apt (network-bound:
# the three builds run in parallel). BuildKit's cache makes a re-run ~1 s; an
# existing image is kept unless its base was rebuilt or FRESH=1.
DB_IMAGES=(postgres:15 mariadb:10.11 redis:7)

build_db_image() {
  local ref=$1 engine=${1%%:*} name=berth-test/$1 started old
  started=$(now)
  old=$(image_id "$name")
  if ! "${DOCKER_BUILD[@]}" --build-arg BASE="$DEBIAN_IMAGE" -t "$name" "$HERE/../test/images/$engine" \
    >"$BERTH_LOG_DIR/db-$engine-build.log" 2>&1; then
    tail -n 30 "$BERTH_LOG_DIR/db-$engine-build.log" >&2
    log "docker build of $name failed (full log: $BERTH_LOG_DIR/db-$engine-build.log)"
    return 1
  fi
  remove_old_fixture "$old"
  log "built $name ($(since "$started"))"
}

ensure_db_images() {
  local ref pids=() failed=0 pid
  pick_docker_build
  for ref in "${DB_IMAGES[@]}"; do
    if [ "$FRESH" = 1 ] || [ "${BASE_REBUILT:-0}" = 1 ] || ! image_exists "berth-test/$ref"; then
      build_db_image "$ref" &
      pids+=($!)
    else
      log "reusing berth-test/$ref"
    fi
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  [ "$failed" = 0 ] || die "a database image build failed (see above)"
}

# --- Chromium -----------------------------------------------------------------------
# Debian's chromium package, driven by playwright-core with executablePath;
# Playwright's own browser download is not used (it needs outside hosts).
ensure_chromium() {
  if [ -x "$CHROMIUM" ]; then return; fi
  if is_root && is_debian_like; then
    local started
    started=$(now)
    log "installing chromium (~20 s, ~110 MB download)"
    apt_install chromium
    log "installed chromium ($(since "$started"))"
  else
    die "$CHROMIUM is missing; install Debian's chromium package (sudo apt-get install chromium)"
  fi
}

# --- Pebble (ACME test CA) -------------------------------------------------------------
# Debian's pebble package: /usr/bin/pebble and /usr/bin/pebble-challtestsrv. The HTTPS tests start both
# on free loopback ports themselves (test/helpers/pebble.ts); openssl makes their throwaway CA.
ensure_pebble() {
  if [ -x /usr/bin/pebble ] && [ -x /usr/bin/pebble-challtestsrv ] && command -v openssl >/dev/null 2>&1; then
    return
  fi
  if is_root && is_debian_like; then
    local started
    started=$(now)
    log "installing pebble and openssl (~6 s)"
    apt_install pebble openssl
    log "installed pebble ($(since "$started"))"
  else
    die "pebble is missing; install Debian's pebble package (sudo apt-get install pebble openssl)"
  fi
}

# --- shellcheck (issue 7) -------------------------------------------------------------
# The installer test (and `npm run lint`) check scripts/install.sh as POSIX sh.
ensure_shellcheck() {
  if command -v shellcheck >/dev/null 2>&1; then return; fi
  if is_root && is_debian_like; then
    log "installing shellcheck"
    apt_install --no-install-recommends shellcheck
  else
    die "shellcheck is missing; install it (Debian/Ubuntu: sudo apt-get install shellcheck)"
  fi
}

# --- Prometheus (issue 14) ------------------------------------------------------------
# Debian's prometheus package: the metrics test starts /usr/bin/prometheus itself on a free loopback port
# with a generated config and data dir, and stops it by PID. apt does not start the packaged service here
# (no init system); where one does, it is left alone: the test never uses port 9090.
ensure_prometheus() {
  if command -v prometheus >/dev/null 2>&1; then return; fi
  if is_root && is_debian_like; then
    local started
    started=$(now)
    log "installing prometheus (~10 s)"
    apt_install --no-install-recommends prometheus
    log "installed prometheus ($(since "$started"))"
  else
    die "prometheus is missing; install Debian's prometheus package (sudo apt-get install prometheus)"
  fi
}

# Debian's docker-registry package (the distribution registry): the image-registry test starts
# /usr/bin/docker-registry itself on a free loopback port with a temporary storage dir and stops it by PID;
# the packaged service is not started here (no init system) and is never used.
ensure_docker_registry() {
  if command -v docker-registry >/dev/null 2>&1; then return; fi
  if is_root && is_debian_like; then
    local started
    started=$(now)
    log "installing docker-registry (~10 s)"
    apt_install --no-install-recommends docker-registry
    log "installed docker-registry ($(since "$started"))"
  else
    die "docker-registry is missing; install Debian's docker-registry package (sudo apt-get install docker-registry)"
  fi
}

# --- Kubernetes (issue 16) -----------------------------------------------------------
# The Kubernetes scheduler tests run a real single node (scripts/k8s/cluster.sh): etcd from Debian, nft for
# the teardown's table check, and kube-apiserver, controller-manager, scheduler, kubelet, kube-proxy and
# kubectl compiled from Debian's kubernetes source package by scripts/k8s/build.sh, which returns at once
# when they are cached.
ensure_kubernetes() {
  if [ "${BERTH_TEST_KUBERNETES:-1}" = 0 ]; then
    log "skipping Kubernetes (BERTH_TEST_KUBERNETES=0)"
    return
  fi
  local missing=() started
  command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
  command -v nft >/dev/null 2>&1 || missing+=(nftables)
  if [ "${#missing[@]}" -gt 0 ]; then
    if is_root && is_debian_like; then
      log "installing ${missing[*]}"
      apt_install --no-install-recommends "${missing[@]}"
    else
      die "${missing[*]} missing; install Debian's packages (sudo apt-get install ${missing[*]})"
    fi
  fi
  started=$(now)
  "$HERE/k8s/build.sh"
  log "kubernetes binaries ready ($(since "$started"))"
}

# --- Main ---------------------------------------------------------------------------
ensure_git
ensure_ssh_client
ensure_shellcheck
ensure_docker
ensure_images
ensure_db_images
ensure_chromium
ensure_pebble
ensure_prometheus
ensure_docker_registry
ensure_kubernetes

# Summary: what the tests will run against.
log "docker server $(docker version --format '{{.Server.Version}}' 2>/dev/null) at ${DOCKER_HOST:-unix://$DEFAULT_SOCK}"
for img in "$DEBIAN_IMAGE" "$BUSYBOX_IMAGE" "$NODE_IMAGE" "${DB_IMAGES[@]/#/berth-test/}"; do
  log "image $img $(docker image ls --format '{{.Size}}' "$img" | head -n1)"
done
# The /usr/bin/chromium wrapper prints a harmless shell warning on stderr.
log "$("$CHROMIUM" --version 2>/dev/null || echo 'chromium: version unknown')"
log "test environment ready in $(since "$T0")"
