# shellcheck shell=bash
# Shared helpers for scripts/test-env.sh and scripts/images/*/build.sh.
# Source it; it defines functions and a few variables and runs nothing else.

# One-line progress messages. stderr, so that callers can still capture
# stdout of helpers that print values.
log() { printf '[test-env] %s\n' "$*" >&2; }
die() { printf '[test-env] ERROR: %s\n' "$*" >&2; exit 1; }

# Wall-clock seconds with sub-second precision (bash 5 EPOCHREALTIME, no bc needed).
now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1fs", e - s }'; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Debian or a derivative (Ubuntu, ...) with apt: the only place we install things ourselves.
is_debian_like() {
  [ -r /etc/os-release ] && command -v apt-get >/dev/null 2>&1 || return 1
  # shellcheck disable=SC1091
  (. /etc/os-release && case " ${ID:-} ${ID_LIKE:-} " in *" debian "* | *" ubuntu "*) exit 0 ;; *) exit 1 ;; esac)
}

# Where caches (debootstrap rootfs, build contexts) and logs live. Survives
# re-runs so that the second run of test-env.sh takes seconds.
berth_cache_dir() {
  if [ -n "${BERTH_TEST_CACHE:-}" ]; then
    printf '%s' "$BERTH_TEST_CACHE"
  elif is_root; then
    printf '/var/cache/berth-test'
  else
    printf '%s/berth-test' "${XDG_CACHE_HOME:-$HOME/.cache}"
  fi
}

# apt-get install, quietly (output goes to $BERTH_LOG_DIR/apt.log and is shown
# only on failure). apt-get update only runs when the package lists are empty
# or the install fails (stale lists -> 404 on superseded .debs), because an
# update costs several seconds and most machines have fresh-enough lists.
apt_install() {
  local logf="${BERTH_LOG_DIR:-/tmp}/apt.log"
  is_root || die "need root to apt-get install $*; install it yourself: sudo apt-get install $*"
  export DEBIAN_FRONTEND=noninteractive
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    log "apt package lists are empty: apt-get update"
    apt-get update >>"$logf" 2>&1 || { tail -n 20 "$logf" >&2; die "apt-get update failed (full log: $logf)"; }
  fi
  if ! apt-get install -y "$@" >>"$logf" 2>&1; then
    log "apt-get install $* failed; running apt-get update and retrying"
    if ! { apt-get update >>"$logf" 2>&1 && apt-get install -y "$@" >>"$logf" 2>&1; }; then
      tail -n 20 "$logf" >&2
      die "apt-get install $* failed (full log: $logf)"
    fi
  fi
}

# Label put on every fixture image we build, so that we only ever remove
# images that are ours (never prune a shared daemon).
BERTH_FIXTURE_LABEL=berth.test.fixture

# Image ID of a tag, or nothing if the tag does not exist.
image_id() { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

# After re-tagging NAME, the old image is left dangling. Remove it, but only
# if it is one of ours (carries our label) and has no tag any more; failures
# (e.g. a container still uses it) are ignored.
remove_old_fixture() {
  local old=$1 label tags
  [ -n "$old" ] || return 0
  label=$(docker image inspect --format "{{index .Config.Labels \"$BERTH_FIXTURE_LABEL\"}}" "$old" 2>/dev/null) || return 0
  tags=$(docker image inspect --format '{{len .RepoTags}}' "$old" 2>/dev/null) || return 0
  if [ -n "$label" ] && [ "$tags" = 0 ]; then
    docker image rm "$old" >/dev/null 2>&1 || true
  fi
}

# Pick a `docker build` that uses BuildKit when one is available: the
# docker.io 20.10 CLI has BuildKit built in (DOCKER_BUILDKIT=1), newer CLIs
# need the buildx plugin, and a newer CLI without buildx must use the legacy
# builder (with DOCKER_BUILDKIT=1 it errors out). Sets the array DOCKER_BUILD
# for the caller.
# shellcheck disable=SC2034
pick_docker_build() {
  local v
  if docker buildx version >/dev/null 2>&1; then
    DOCKER_BUILD=(docker build)
    return
  fi
  for cli in /usr/bin/docker "$(command -v docker)"; do
    [ -x "$cli" ] || continue
    v=$("$cli" version --format '{{.Client.Version}}' 2>/dev/null | head -n1) || continue
    if [ -n "$v" ] && [ "${v%%.*}" -lt 23 ] 2>/dev/null; then
      DOCKER_BUILD=(env DOCKER_BUILDKIT=1 "$cli" build)
      return
    fi
  done
  DOCKER_BUILD=(env DOCKER_BUILDKIT=0 docker build)
}
