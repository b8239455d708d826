#!/bin/sh
# Berth installer: from a bare Debian/Ubuntu server to a running panel.
#
#   curl -fsSL <url>/install.sh | sh          (as root, or: ... | sudo sh)
#   sh scripts/install.sh [options]           from a checkout
#
# Re-running it on an installed server upgrades Berth in place (database snapshot, health check,
# automatic rollback); your apps keep running. It never prints or stores a password: a fresh
# install prints a one-time setup link instead.
#
# A fresh install runs the app proxy as its own container, <name>-proxy (same image, `berth-proxy`,
# host network, the data dir mounted; BERTH_PROXY_MODE=process), so upgrading the daemon's container
# leaves it serving. An existing install keeps the proxy mode it has (switching means a gap).
#
# Options (each also as an environment variable):
#   --name NAME           BERTH_CONTAINER     Berth's container name (default berth)
#   --data-dir DIR        BERTH_DATA_DIR      where Berth keeps its state (default /var/lib/berth)
#   --panel-port PORT     BERTH_PANEL_PORT    the panel (default 3000)
#   --http-port PORT      BERTH_HTTP_PORT     the app proxy, HTTP (default 80)
#   --https-port PORT     BERTH_HTTPS_PORT    the app proxy, HTTPS (default 443)
#   --ssh-port PORT|off   BERTH_SSH_PORT      the git-over-SSH remote (default 2222)
#   --public-url URL      BERTH_PUBLIC_URL    how people reach the panel (default http://<server ip>:<panel port>)
#   --image IMAGE         BERTH_IMAGE         the Berth image to run (default berth/berth:latest);
#                                             pulled unless it is already on this server
#   --pull                BERTH_PULL=1        pull BERTH_IMAGE even when it is on this server
#   --build-from PATH     BERTH_BUILD_FROM    build the image from a checkout or a source tarball
#                                             (.tar.gz) instead of pulling it; tagged as BERTH_IMAGE
#   --local-deps          BERTH_LOCAL_DEPS=1  with --build-from: offline build from the checkout's
#                                             node_modules (scripts/build-image.sh --local)
#                         BASE_IMAGE          with --build-from: the Node 20 base image
#   --env KEY=VALUE       BERTH_EXTRA_ENV     another BERTH_* setting for the daemon (repeatable;
#                                             the variable takes space-separated pairs)
#   --label KEY=VALUE     BERTH_LABELS        a label on Berth's container (repeatable)
#   --health-timeout S    BERTH_HEALTH_TIMEOUT  seconds to wait for the panel (default 90)
#   --restore FILE        BERTH_RESTORE       on a fresh install: restore a panel backup first (its
#                                             apps are redeployed when Berth starts)
#   --restore-passphrase-file FILE  BERTH_RESTORE_PASSPHRASE_FILE  the backup's passphrase
#   --skip-checks         BERTH_SKIP_CHECKS=1 skip the disk, memory and port checks
#   --uninstall                               remove Berth's container and image (keeps the data dir
#                                             and your apps)
#   --purge                                   with --uninstall: also delete the data dir
#   --remove-apps                             with --uninstall: also remove the apps and databases
#                                             Berth runs (containers and networks; volumes stay)
#   -h, --help                                this text
set -eu

# --- settings -------------------------------------------------------------------------------
NAME=${BERTH_CONTAINER:-berth}
DATA_DIR=${BERTH_DATA_DIR:-/var/lib/berth}
PANEL_PORT=${BERTH_PANEL_PORT:-3000}
HTTP_PORT=${BERTH_HTTP_PORT:-80}
HTTPS_PORT=${BERTH_HTTPS_PORT:-443}
SSH_PORT=${BERTH_SSH_PORT:-2222}
PUBLIC_URL=${BERTH_PUBLIC_URL:-}
IMAGE=${BERTH_IMAGE:-berth/berth:latest}
PULL=${BERTH_PULL:-0}
BUILD_FROM=${BERTH_BUILD_FROM:-}
LOCAL_DEPS=${BERTH_LOCAL_DEPS:-0}
EXTRA_ENV=${BERTH_EXTRA_ENV:-}
LABELS=${BERTH_LABELS:-}
HEALTH_TIMEOUT=${BERTH_HEALTH_TIMEOUT:-90}
SKIP_CHECKS=${BERTH_SKIP_CHECKS:-0}
RESTORE=${BERTH_RESTORE:-}
RESTORE_PASSPHRASE_FILE=${BERTH_RESTORE_PASSPHRASE_FILE:-}
MIN_DISK_MB=${BERTH_MIN_DISK_MB:-2048}
MIN_MEMORY_MB=${BERTH_MIN_MEMORY_MB:-512}
ACTION=install
PURGE=0
REMOVE_APPS=0
DOCKER_SOCKET=/var/run/docker.sock
CONTAINER_DATA_DIR=/var/lib/berth

say() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}
usage() {
  if [ -f "$0" ]; then sed -n '2,40p' "$0" | sed 's/^# \{0,1\}//'
  else echo "Options are listed at the top of install.sh; download it and run: sh install.sh --help"
  fi
}

need_value() { if [ "$#" -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value (see --help)"; fi; }

while [ "$#" -gt 0 ]; do
  case "$1" in
    --name) need_value "$@"; NAME=$2; shift ;;
    --data-dir) need_value "$@"; DATA_DIR=$2; shift ;;
    --panel-port) need_value "$@"; PANEL_PORT=$2; shift ;;
    --http-port) need_value "$@"; HTTP_PORT=$2; shift ;;
    --https-port) need_value "$@"; HTTPS_PORT=$2; shift ;;
    --ssh-port) need_value "$@"; SSH_PORT=$2; shift ;;
    --public-url) need_value "$@"; PUBLIC_URL=$2; shift ;;
    --image) need_value "$@"; IMAGE=$2; shift ;;
    --pull) PULL=1 ;;
    --build-from) need_value "$@"; BUILD_FROM=$2; shift ;;
    --local-deps) LOCAL_DEPS=1 ;;
    --env) need_value "$@"; EXTRA_ENV="$EXTRA_ENV $2"; shift ;;
    --label) need_value "$@"; LABELS="$LABELS $2"; shift ;;
    --health-timeout) need_value "$@"; HEALTH_TIMEOUT=$2; shift ;;
    --skip-checks) SKIP_CHECKS=1 ;;
    --restore) need_value "$@"; RESTORE=$2; shift ;;
    --restore-passphrase-file) need_value "$@"; RESTORE_PASSPHRASE_FILE=$2; shift ;;
    --uninstall) ACTION=uninstall ;;
    --purge) PURGE=1 ;;
    --remove-apps) REMOVE_APPS=1 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done

# --- validation: everything below ends up in docker argv, never in a shell string ------------
is_port() { case "$1" in '' | *[!0-9]*) return 1 ;; *) [ "$1" -ge 1 ] && [ "$1" -le 65535 ] ;; esac; }
CHECKED_PORTS="$HTTP_PORT $HTTPS_PORT $PANEL_PORT"
[ "$SSH_PORT" = off ] || CHECKED_PORTS="$CHECKED_PORTS $SSH_PORT"
[ "$SSH_PORT" = off ] || is_port "$SSH_PORT" || die "--ssh-port must be a port number from 1 to 65535 or off, got '$SSH_PORT'"
for pair in "panel-port:$PANEL_PORT" "http-port:$HTTP_PORT" "https-port:$HTTPS_PORT"; do
  is_port "${pair#*:}" || die "--${pair%%:*} must be a port number from 1 to 65535, got '${pair#*:}'"
done
case "$NAME" in
  [a-zA-Z0-9]?*) case "$NAME" in *[!a-zA-Z0-9_.-]*) die "--name may use letters, digits, '_', '.' and '-', got '$NAME'" ;; esac ;;
  *) die "--name must be at least two characters, starting with a letter or digit, got '$NAME'" ;;
esac
case "$DATA_DIR" in
  /?*) case "$DATA_DIR" in *[!a-zA-Z0-9_./-]*) die "--data-dir must be a plain absolute path, got '$DATA_DIR'" ;; esac ;;
  *) die "--data-dir must be an absolute path other than /, got '$DATA_DIR'" ;;
esac
case "$IMAGE" in *[!a-zA-Z0-9_./:@-]* | '' | -*) die "--image must be an image reference, got '$IMAGE'" ;; esac
case "$HEALTH_TIMEOUT" in '' | *[!0-9]*) die "--health-timeout must be a number of seconds" ;; esac
case "$PUBLIC_URL" in '' | http://* | https://*) ;; *) die "--public-url must start with http:// or https://" ;; esac
for pair in $EXTRA_ENV; do
  case "$pair" in BERTH_[A-Z0-9_]*=*) ;; *) die "--env takes BERTH_NAME=value, got '$pair'" ;; esac
  case "$pair" in *[!a-zA-Z0-9_.:/=@,+-]*) die "--env value has characters it cannot contain: '$pair'" ;; esac
done
for pair in $LABELS; do
  case "$pair" in [a-z]*=*) ;; *) die "--label takes key=value, got '$pair'" ;; esac
  case "$pair" in *[!a-zA-Z0-9_.=-]*) die "--label has characters it cannot contain: '$pair'" ;; esac
done

# --- root -------------------------------------------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && [ -f "$0" ]; then
    say "Re-running with sudo (Berth installs Docker and drives its socket, which needs root)"
    exec sudo -E sh "$0" "$@"
  fi
  die "run the installer as root: curl -fsSL <url>/install.sh | sudo sh"
fi

# --- helpers ----------------------------------------------------------------------------------
have() { command -v "$1" >/dev/null 2>&1; }
docker_answers() { have docker && docker info >/dev/null 2>&1; }
container_exists() { docker container inspect "$NAME" >/dev/null 2>&1; }
container_running() { [ "$(docker container inspect --format '{{.State.Running}}' "$NAME" 2>/dev/null)" = true ]; }
proxy_running() { [ "$(docker container inspect --format '{{.State.Running}}' "$NAME-proxy" 2>/dev/null)" = true ]; }
image_id() { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

# GET http://127.0.0.1:<panel><path> (default /healthz) with whatever the server has; the container's own node last.
panel_answers() {
  url="http://127.0.0.1:$PANEL_PORT${1:-/healthz}"
  if have curl; then curl -fsS -m 3 -o /dev/null "$url" 2>/dev/null
  elif have wget; then wget -q -T 3 -O /dev/null "$url" 2>/dev/null
  else docker exec "$NAME" node -e "fetch(process.argv[1],{signal:AbortSignal.timeout(3000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" "$url" >/dev/null 2>&1
  fi
}

# The process listening on a TCP port, or nothing when it is free ("nginx (pid 123)").
port_holder() {
  have ss || return 0
  line=$(ss -Hltnp "sport = :$1" 2>/dev/null | head -n 1)
  [ -n "$line" ] || return 0
  holder=$(printf '%s' "$line" | sed -n 's/.*users:((\"\([^\"]*\)\",pid=\([0-9]*\).*/\1 (pid \2)/p')
  printf '%s' "${holder:-an unknown process}"
}

# --- uninstall --------------------------------------------------------------------------------
if [ "$ACTION" = uninstall ]; then
  docker_answers || die "Docker does not answer; nothing to uninstall (or start Docker first)"
  if container_exists; then
    old_image=$(docker container inspect --format '{{.Image}}' "$NAME")
    if [ "$REMOVE_APPS" = 1 ]; then
      say "Removing the apps and databases Berth runs"
      docker run --rm --network host -v "$DOCKER_SOCKET:/var/run/docker.sock" \
        -v "$DATA_DIR:$CONTAINER_DATA_DIR" "$old_image" remove-apps
    fi
    say "Removing the container $NAME"
    docker rm -f "$NAME" "$NAME-previous" "$NAME-upgrader" "$NAME-proxy" >/dev/null 2>&1 || true
    if docker image rm "$old_image" >/dev/null 2>&1; then note "removed its image"; else note "kept its image (another container or tag uses it)"; fi
  else
    note "no container named $NAME"
  fi
  if [ "$PURGE" = 1 ]; then
    if [ -d "$DATA_DIR" ]; then
      [ -f "$DATA_DIR/berth.db" ] || [ -f "$DATA_DIR/install.env" ] ||
        die "$DATA_DIR does not look like a Berth data dir (no berth.db); not deleting it"
      say "Deleting the data dir $DATA_DIR"
      rm -rf "$DATA_DIR"
    fi
  else
    note "kept the data dir $DATA_DIR (--purge deletes it)"
  fi
  [ "$REMOVE_APPS" = 1 ] || note "your apps and databases keep running (--remove-apps removes them)"
  say "Berth is uninstalled"
  exit 0
fi

START=$(date +%s)

# --- the system -------------------------------------------------------------------------------
say "Checking the system"
OS_ID=unknown
OS_NAME=unknown
if [ -r /etc/os-release ]; then
  # shellcheck disable=SC1091
  OS_ID=$(. /etc/os-release && printf '%s %s' "${ID:-}" "${ID_LIKE:-}")
  # shellcheck disable=SC1091
  OS_NAME=$(. /etc/os-release && printf '%s' "${PRETTY_NAME:-$ID}")
fi
DEBIAN_LIKE=0
case " $OS_ID " in *" debian "* | *" ubuntu "*) DEBIAN_LIKE=1 ;; esac
if [ "$DEBIAN_LIKE" = 1 ]; then note "OS: $OS_NAME"
elif docker_answers; then warn "$OS_NAME is not tested (Debian and Ubuntu are); Docker is running, so continuing"
else die "$OS_NAME is not supported by this installer yet (Debian and Ubuntu are). Install Docker yourself, start it, and re-run."
fi

ARCH=$(uname -m)
case "$ARCH" in
  x86_64 | amd64 | aarch64 | arm64) note "architecture: $ARCH" ;;
  *) die "architecture $ARCH is not supported (x86_64 and arm64 are)" ;;
esac

if [ "$SKIP_CHECKS" != 1 ]; then
  probe=$DATA_DIR
  while [ ! -d "$probe" ]; do probe=$(dirname "$probe"); done
  free_mb=$(df -Pk "$probe" | awk 'NR == 2 { printf "%d", $4 / 1024 }')
  [ "$free_mb" -ge "$MIN_DISK_MB" ] || die "only ${free_mb} MB free on $probe; Berth needs at least ${MIN_DISK_MB} MB for images and builds"
  note "disk: ${free_mb} MB free on $probe"
  mem_mb=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo 2>/dev/null || echo 0)
  [ "$mem_mb" -ge "$MIN_MEMORY_MB" ] || die "only ${mem_mb} MB of memory; Berth needs at least ${MIN_MEMORY_MB} MB"
  note "memory: ${mem_mb} MB"
fi

# --- Docker -----------------------------------------------------------------------------------
if ! have docker || ! have dockerd; then
  [ "$DEBIAN_LIKE" = 1 ] || die "Docker is missing; install it and re-run"
  say "Installing Docker from $OS_NAME's packages (docker.io)"
  t0=$(date +%s)
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || die "apt-get update failed"
  # Recommends are not needed: iptables, containerd, runc and tini are dependencies.
  apt-get install -y -qq --no-install-recommends docker.io >/dev/null || die "apt-get install docker.io failed"
  note "installed in $(($(date +%s) - t0))s"
fi
if ! docker_answers; then
  say "Starting Docker"
  if [ -d /run/systemd/system ] && have systemctl; then
    systemctl enable --now docker >/dev/null 2>&1 || true
  elif have service; then
    service docker start >/dev/null 2>&1 || true
  fi
  if ! docker_answers; then
    # No init system that starts it (containers, minimal images): run dockerd in the background.
    rm -f "$DOCKER_SOCKET"
    note "no service manager started it; running dockerd in the background (log /var/log/berth-dockerd.log)"
    if have setsid; then setsid nohup dockerd >>/var/log/berth-dockerd.log 2>&1 </dev/null &
    else nohup dockerd >>/var/log/berth-dockerd.log 2>&1 </dev/null &
    fi
  fi
  i=0
  until docker_answers; do
    i=$((i + 1))
    [ "$i" -le 150 ] || die "Docker did not answer within 30s (see /var/log/berth-dockerd.log)"
    sleep 0.2
  done
fi
note "Docker $(docker version --format '{{.Server.Version}}' 2>/dev/null) is running"

UPGRADE=0
if container_exists && container_running; then UPGRADE=1; fi

# --- ports: skipped on an upgrade, where Berth itself holds them ----------------------------------
if [ "$SKIP_CHECKS" != 1 ] && [ "$UPGRADE" = 0 ]; then
  for port in $CHECKED_PORTS; do
    holder=$(port_holder "$port")
    [ -z "$holder" ] || die "port $port is in use by $holder; stop it, or choose other ports (--http-port, --https-port, --panel-port, --ssh-port)"
  done
  if have ss; then note "ports $CHECKED_PORTS are free"; else warn "ss is missing; port checks skipped"; fi
fi

# --- data dir and settings ----------------------------------------------------------------------
say "Preparing the data dir $DATA_DIR"
mkdir -p "$DATA_DIR"
chmod 700 "$DATA_DIR"
if [ -z "$PUBLIC_URL" ]; then
  ip=$(hostname -I 2>/dev/null | awk '{ print $1 }')
  PUBLIC_URL="http://${ip:-localhost}:$PANEL_PORT"
fi
# Settings only (no secrets): the daemon reads them on every start, and an upgrade keeps them.
ENV_FILE=$DATA_DIR/install.env
# The proxy's mode: what --env says, else what this install already has, else (fresh) its own container.
PROXY_MODE=
for pair in $EXTRA_ENV; do case "$pair" in BERTH_PROXY_MODE=*) PROXY_MODE=${pair#BERTH_PROXY_MODE=} ;; esac; done
if [ -z "$PROXY_MODE" ] && [ -f "$ENV_FILE" ]; then
  PROXY_MODE=$(sed -n 's/^BERTH_PROXY_MODE=//p' "$ENV_FILE" | tail -n 1)
fi
if [ -z "$PROXY_MODE" ]; then
  if [ "$UPGRADE" = 1 ]; then PROXY_MODE=inline; else PROXY_MODE=process; fi
fi
{
  echo "# Written by scripts/install.sh; re-run the installer to change these."
  echo "BERTH_CONTAINER_NAME=$NAME"
  echo "BERTH_PANEL_PORT=$PANEL_PORT"
  echo "BERTH_HTTP_PORT=$HTTP_PORT"
  echo "BERTH_HTTPS_PORT=$HTTPS_PORT"
  echo "BERTH_SSH_PORT=$SSH_PORT"
  echo "BERTH_PUBLIC_URL=$PUBLIC_URL"
  echo "BERTH_PROXY_MODE=$PROXY_MODE"
  # The proxy container starts the proxy; the daemon only connects to it.
  [ "$PROXY_MODE" != process ] || echo "BERTH_PROXY_EXTERNAL=true"
  for pair in $EXTRA_ENV; do echo "$pair"; done
} >"$ENV_FILE.tmp"
chmod 600 "$ENV_FILE.tmp"
mv "$ENV_FILE.tmp" "$ENV_FILE"

# --- the image --------------------------------------------------------------------------------
if [ -n "$BUILD_FROM" ]; then
  SRC=$BUILD_FROM
  if [ -f "$BUILD_FROM" ]; then
    SRC=$(mktemp -d)
    trap 'rm -rf "$SRC"' EXIT
    say "Unpacking $BUILD_FROM"
    tar -xzf "$BUILD_FROM" -C "$SRC"
    [ -f "$SRC/Dockerfile" ] || SRC=$(find "$SRC" -mindepth 1 -maxdepth 1 -type d | head -n 1)
  fi
  if [ ! -f "$SRC/Dockerfile" ] || [ ! -f "$SRC/scripts/build-image.sh" ]; then
    die "$BUILD_FROM is not a Berth checkout (no Dockerfile and scripts/build-image.sh)"
  fi
  have bash || die "building the image needs bash"
  say "Building $IMAGE from $BUILD_FROM"
  build_mode=
  [ "$LOCAL_DEPS" = 1 ] && build_mode=--local
  # shellcheck disable=SC2086 # build_mode is one word or nothing
  bash "$SRC/scripts/build-image.sh" $build_mode "$IMAGE" || die "building $IMAGE failed (see above)"
elif [ "$PULL" = 1 ] || [ -z "$(image_id "$IMAGE")" ]; then
  say "Pulling $IMAGE"
  docker pull "$IMAGE" || die "could not pull $IMAGE; check the name, or build it: --build-from <checkout>"
else
  note "using $IMAGE, already on this server (--pull fetches a newer one)"
fi

# --- run, or upgrade in place -------------------------------------------------------------------
label_args() { for pair in $LABELS; do printf '%s\n' "$pair"; done; }
# The app proxy's own container (process mode), started before the daemon, which connects to it. It is
# left running by daemon upgrades; it keeps the image it was started with (see README "The data plane").
start_proxy() {
  [ "$PROXY_MODE" = process ] || return 0
  proxy_running && return 0
  docker rm -f "$NAME-proxy" >/dev/null 2>&1 || true
  say "Starting the app proxy ($IMAGE) as container $NAME-proxy"
  set --
  for pair in $(label_args); do set -- "$@" --label "$pair"; done
  docker run -d --name "$NAME-proxy" --label berth.role=proxy "$@" --restart unless-stopped --network host \
    --no-healthcheck -v "$DATA_DIR:$CONTAINER_DATA_DIR" --env-file "$ENV_FILE" --entrypoint node \
    "$IMAGE" --max-semi-space-size=2 /app/bin/berth-proxy.js >/dev/null || die "could not start $NAME-proxy"
}
if [ "$UPGRADE" = 1 ] && [ "$(docker container inspect --format '{{.Image}}' "$NAME")" = "$(image_id "$IMAGE")" ]; then
  start_proxy
  say "Berth is already running $IMAGE in $NAME: nothing to upgrade"
elif [ "$UPGRADE" = 1 ]; then
  start_proxy
  say "Berth is already running in $NAME: upgrading in place"
  docker rm -f "$NAME-upgrader" >/dev/null 2>&1 || true
  # The upgrader comes from the RUNNING image when it knows how (known-good code decides whether to
  # roll back, even if the new image cannot start at all); older versions use the new image.
  upgrader_image=$(docker container inspect --format '{{.Image}}' "$NAME")
  docker run --rm "$upgrader_image" help 2>/dev/null | grep -q 'berth upgrade' || upgrader_image=$IMAGE
  # The upgrader runs from the NEW image (it knows how the new version must be started), stops the
  # old container, starts the new one and rolls back to the old image and a database snapshot if
  # the new one does not become healthy. It runs in the foreground so its progress shows here.
  set --
  for pair in $(label_args); do set -- "$@" --label "$pair"; done
  docker run --rm --name "$NAME-upgrader" --label berth.role=upgrader "$@" --network host \
    -v "$DOCKER_SOCKET:/var/run/docker.sock" -v "$DATA_DIR:$CONTAINER_DATA_DIR" --env-file "$ENV_FILE" \
    "$upgrader_image" upgrade-apply --container "$NAME" --image "$IMAGE" --health-timeout "$HEALTH_TIMEOUT" ||
    die "the upgrade did not go through; Berth was rolled back to the previous version (details above and in the panel)"
else
  if container_exists; then
    note "removing the stopped container $NAME (the data dir is kept)"
    docker rm -f "$NAME" >/dev/null
  fi
  if [ -n "$RESTORE" ]; then
    [ -f "$RESTORE" ] || die "--restore: no file $RESTORE"
    [ ! -f "$DATA_DIR/berth.db" ] || die "--restore needs a fresh data dir, and $DATA_DIR already has a database"
    [ -f "${RESTORE_PASSPHRASE_FILE:-/nonexistent}" ] ||
      die "--restore needs --restore-passphrase-file FILE (the passphrase never goes on a command line)"
    say "Restoring the backup $RESTORE"
    docker run --rm --network host -v "$DOCKER_SOCKET:/var/run/docker.sock" -v "$DATA_DIR:$CONTAINER_DATA_DIR" \
      -v "$(cd "$(dirname "$RESTORE")" && pwd)/$(basename "$RESTORE"):/restore/backup.berth:ro" \
      -v "$(cd "$(dirname "$RESTORE_PASSPHRASE_FILE")" && pwd)/$(basename "$RESTORE_PASSPHRASE_FILE"):/restore/passphrase:ro" \
      "$IMAGE" restore /restore/backup.berth --passphrase-file /restore/passphrase || die "the restore failed (nothing was started)"
  fi
  start_proxy
  say "Starting Berth ($IMAGE) as container $NAME"
  set --
  for pair in $(label_args); do set -- "$@" --label "$pair"; done
  docker run -d --name "$NAME" --label berth.role=daemon "$@" --restart unless-stopped --network host \
    -v "$DOCKER_SOCKET:/var/run/docker.sock" -v "$DATA_DIR:$CONTAINER_DATA_DIR" --env-file "$ENV_FILE" \
    "$IMAGE" serve >/dev/null
fi

# --- wait for the panel -----------------------------------------------------------------------
say "Waiting for the panel on port $PANEL_PORT"
i=0
until panel_answers; do
  if ! container_running; then
    docker logs --tail 30 "$NAME" >&2 || true
    die "Berth's container stopped (its last log lines are above)"
  fi
  i=$((i + 1))
  [ "$i" -le $((HEALTH_TIMEOUT * 5)) ] || die "the panel did not answer within ${HEALTH_TIMEOUT}s; see: docker logs $NAME"
  sleep 0.2
done
note "the panel answers ($(($(date +%s) - START))s since the installer started)"

# The daemon logs a fresh one-time setup link at every start while nobody has claimed it.
setup_url=
i=0
while [ "$i" -lt 25 ]; do
  setup_url=$(docker logs "$NAME" 2>&1 | sed -n 's/.*"setupUrl":"\([^"]*\)".*/\1/p' | tail -n 1)
  [ -z "$setup_url" ] || break
  docker logs "$NAME" 2>&1 | grep -q '"msg":"berth panel listening"' && break
  i=$((i + 1))
  sleep 0.2
done

# A link from before the install was claimed no longer works: only print one the panel accepts.
if [ -n "$setup_url" ] && ! panel_answers "/setup${setup_url#*/setup}"; then setup_url=; fi
echo
if [ -n "$setup_url" ]; then
  say "Berth is running. Open this link to create the first admin (it works once):"
  echo
  echo "    $setup_url"
else
  say "Berth is running and claimed: log in at $PUBLIC_URL"
fi
echo
note "data dir: $DATA_DIR   container: $NAME   image: $IMAGE"
note "upgrade: re-run this installer (or use the panel's System page)"
