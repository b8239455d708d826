#!/usr/bin/env bash
# Builds the Berth container image from this checkout.
#
# Usage: scripts/build-image.sh [--local] [TAG]
#
#   (default)  docker build of the repository; `npm ci` runs inside the build, so the build
#              needs the npm registry (a normal server with internet access).
#   --local    offline build: no registry access from inside the build. Stages a build context
#              in a temp dir (the working tree's files that git does not ignore, plus the
#              host's node_modules copied with `cp -a`; the build regenerates public/vendor
#              from it) and builds it with --build-arg DEPS=local and BASE_IMAGE below.
#              The host's node_modules must have been installed
#              (`npm ci`) on a glibc Linux whose native modules (better-sqlite3, bcrypt) run in
#              the base image, e.g. a Debian 12 host and a bookworm base image.
#   TAG        image tag (default berth:latest)
#
# Env: BASE_IMAGE  base image for every stage (default node:20-bookworm-slim;
#                  with --local: berth-test/node:20-slim, built by scripts/test-env.sh)
#      BERTH_BUILD_CA_FILE  a PEM bundle `npm ci` inside the build trusts (a registry behind a
#                  TLS-inspecting proxy); copied into the context as .berth-build-ca.pem for the
#                  build only. HTTP_PROXY / HTTPS_PROXY / NO_PROXY go in as build args.
#      DOCKER      docker CLI to use (default: one with BuildKit, see below)
#
# BuildKit is used when available (it skips the unused deps stage, which an offline build
# needs): the buildx plugin, or DOCKER_BUILDKIT=1 with a 20.10-era CLI such as /usr/bin/docker.
# Re-running with unchanged dependencies reuses the cached node_modules layers.
set -euo pipefail

usage() { sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
log() { printf '[build-image] %s\n' "$*" >&2; }
die() { printf '[build-image] ERROR: %s\n' "$*" >&2; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOCAL=0
TAG=
while [ $# -gt 0 ]; do
  case "$1" in
    --local) LOCAL=1 ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; die "unknown option $1" ;;
    *) [ -z "$TAG" ] || { usage >&2; die "only one TAG, got '$TAG' and '$1'"; }; TAG=$1 ;;
  esac
  shift
done
TAG=${TAG:-berth:latest}

# --- pick a docker build that has BuildKit ---------------------------------------------------
DOCKER=${DOCKER:-}
if [ -n "$DOCKER" ]; then
  if "$DOCKER" buildx version >/dev/null 2>&1; then BUILD=("$DOCKER" build)
  else BUILD=(env DOCKER_BUILDKIT=1 "$DOCKER" build); fi
elif docker buildx version >/dev/null 2>&1; then
  BUILD=(docker build)
else
  BUILD=()
  for cli in /usr/bin/docker "$(command -v docker || true)"; do
    if [ -z "$cli" ] || [ ! -x "$cli" ]; then continue; fi
    v=$("$cli" version --format '{{.Client.Version}}' 2>/dev/null | head -n1 || true)
    # Before 23.0 the CLI carries BuildKit itself; later ones need the buildx plugin.
    if [ -n "$v" ] && [ "${v%%.*}" -lt 23 ] 2>/dev/null; then
      BUILD=(env DOCKER_BUILDKIT=1 "$cli" build)
      break
    fi
  done
  if [ ${#BUILD[@]} -eq 0 ]; then
    [ "$LOCAL" = 0 ] || die "--local needs BuildKit: install the docker buildx plugin (or a docker CLI older than 23 with DOCKER_BUILDKIT=1)"
    log "no BuildKit found; using the legacy builder"
    BUILD=(env DOCKER_BUILDKIT=0 docker build)
  fi
fi

image_id() { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

# A rebuild moves TAG to a new image and leaves the old one untagged. Remove it, but only if
# it is a Berth image (our label) that nothing else tags; if a container still uses it, keep it.
remove_replaced() {
  local old=$1 title tags
  [ -n "$old" ] && [ "$old" != "$(image_id "$TAG")" ] || return 0
  title=$(docker image inspect --format '{{index .Config.Labels "org.opencontainers.image.title"}}' "$old" 2>/dev/null) || return 0
  tags=$(docker image inspect --format '{{len .RepoTags}}' "$old" 2>/dev/null) || return 0
  if [ "$title" = Berth ] && [ "$tags" = 0 ]; then
    docker image rm "$old" >/dev/null 2>&1 || true
  fi
}

# --- the default path: build the repository as it is -----------------------------------------
if [ "$LOCAL" = 0 ]; then
  BASE_IMAGE=${BASE_IMAGE:-node:20-bookworm-slim}
  EXTRA=()
  if [ -n "${BERTH_BUILD_CA_FILE:-}" ]; then
    [ -f "$BERTH_BUILD_CA_FILE" ] && [ -r "$BERTH_BUILD_CA_FILE" ] ||
      die "BERTH_BUILD_CA_FILE=$BERTH_BUILD_CA_FILE is not a readable file"
    grep -q -- '-----BEGIN CERTIFICATE-----' "$BERTH_BUILD_CA_FILE" ||
      die "BERTH_BUILD_CA_FILE=$BERTH_BUILD_CA_FILE holds no PEM certificate"
    CA_COPY="$ROOT/.berth-build-ca.pem"
    [ ! -e "$CA_COPY" ] || die "$CA_COPY already exists (left by an interrupted build?); remove it"
    cp "$BERTH_BUILD_CA_FILE" "$CA_COPY"
    trap 'rm -f "$CA_COPY"' EXIT
    EXTRA+=(--build-arg BERTH_BUILD_CA=.berth-build-ca.pem)
    log "npm ci will trust the CA bundle $BERTH_BUILD_CA_FILE"
  fi
  # Docker's predefined proxy args: used by the build, never stored in the image.
  for name in HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy; do
    if [ -n "${!name:-}" ]; then EXTRA+=(--build-arg "$name=${!name}"); fi
  done
  log "building $TAG from $ROOT (base $BASE_IMAGE, npm ci from the registry)"
  OLD=$(image_id "$TAG")
  "${BUILD[@]}" --build-arg BASE_IMAGE="$BASE_IMAGE" --build-arg DEPS=registry "${EXTRA[@]}" -t "$TAG" "$ROOT"
  remove_replaced "$OLD"
  exit 0
fi

# --- --local: offline build from a staged context ---------------------------------------------
BASE_IMAGE=${BASE_IMAGE:-berth-test/node:20-slim}
docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 ||
  die "base image $BASE_IMAGE is missing; run scripts/test-env.sh to build it (or set BASE_IMAGE)"
[ -d "$ROOT/node_modules" ] || die "$ROOT/node_modules is missing; run npm ci first"
[ -f "$ROOT/node_modules/.package-lock.json" ] || die "$ROOT/node_modules looks incomplete (no .package-lock.json); run npm ci"

T0=$EPOCHREALTIME
STAGE=$(mktemp -d "${TMPDIR:-/tmp}/berth-image.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT

# The working tree's files minus what git ignores (tracked ones and new, unignored ones), so
# uncommitted work is built too; without git, the tree minus the usual build outputs.
if command -v git >/dev/null 2>&1 && git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (
    cd "$ROOT"
    git ls-files -z --cached --others --exclude-standard |
      while IFS= read -r -d '' f; do
        # Tracked files deleted in the working tree are listed too; skip them.
        if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
      done |
      tar --null --no-recursion -T - -cf - |
      tar -xf - -C "$STAGE"
  )
else
  tar -C "$ROOT" --exclude=./.git --exclude=./node_modules --exclude=./dist --exclude=./data \
    --exclude=./test-artifacts --exclude=./public/vendor -cf - . | tar -xf - -C "$STAGE"
fi

# Dockerfile's deps-local stage copies it from here (.dockerignore excludes a top-level
# node_modules). public/vendor is not staged: the build regenerates it from node_modules.
# Hard links when the temp dir is on the same filesystem (4x faster; the build only reads
# them), else a real copy.
mkdir -p "$STAGE/.local-deps"
if ! cp -al "$ROOT/node_modules" "$STAGE/.local-deps/node_modules" 2>/dev/null; then
  rm -rf "$STAGE/.local-deps/node_modules"
  cp -a "$ROOT/node_modules" "$STAGE/.local-deps/node_modules"
fi
log "staged the build context in $STAGE ($(awk -v s="$T0" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.1fs", e - s }'))"

log "building $TAG (base $BASE_IMAGE, host node_modules, offline)"
OLD=$(image_id "$TAG")
"${BUILD[@]}" --build-arg BASE_IMAGE="$BASE_IMAGE" --build-arg DEPS=local -t "$TAG" "$STAGE"
remove_replaced "$OLD"
log "built $TAG in $(awk -v s="$T0" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.1fs", e - s }')"
