#!/usr/bin/env bash
# Builds the Node fixture image (default berth-test/node:20-slim) on top of
# the Debian base fixture by copying in the host's own node binary and npm.
# Copying is ~7x faster than apt (and bookworm's apt nodejs is Node 18). Node
# only needs libc/libstdc++/libgcc_s/libm, which minbase already has.
#
# Usage: scripts/images/node/build.sh [IMAGE_NAME] [BASE_IMAGE]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# (run `shellcheck -x` to follow this; disable=SC1091 only silences "not following" without -x)
# shellcheck source-path=SCRIPTDIR source=../../lib/common.sh disable=SC1091
. "$HERE/../../lib/common.sh"

IMAGE=${1:-berth-test/node:20-slim}
BASE=${2:-berth-test/debian:bookworm}
CACHE=$(berth_cache_dir)
LOG_DIR=${BERTH_LOG_DIR:-$CACHE/logs}
CTX=$CACHE/node-ctx
mkdir -p "$LOG_DIR"

command -v node >/dev/null 2>&1 || die "node is not installed on the host (needed for $IMAGE)"
command -v npm >/dev/null 2>&1 || die "npm is not installed on the host (needed for $IMAGE)"
docker image inspect "$BASE" >/dev/null 2>&1 || die "base image $BASE is missing"
NODE_VERSION=$(node -p process.versions.node)
[ "${NODE_VERSION%%.*}" = 20 ] ||
  log "WARNING: host node is v$NODE_VERSION, so $IMAGE will contain v$NODE_VERSION, not Node 20"

# Resolve symlinks: /usr/bin/npm -> ../lib/node_modules/npm/bin/npm-cli.js,
# so two levels up from its directory is the global node_modules.
NODE_BIN=$(readlink -f "$(command -v node)")
NM=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/../.." && pwd)
[ -d "$NM/npm" ] || die "cannot find the host's npm package (looked in $NM/npm)"

rm -rf "$CTX"
mkdir -p "$CTX"
cp "$HERE/Dockerfile" "$HERE/docker-entrypoint.sh" "$CTX/"
cp "$NODE_BIN" "$CTX/node"
cp -a "$NM/npm" "$CTX/npm"
# corepack is optional (not every Node install ships it); COPY needs the dir.
if [ -d "$NM/corepack" ]; then cp -a "$NM/corepack" "$CTX/corepack"; else mkdir -p "$CTX/corepack"; fi

pick_docker_build
OLD=$(image_id "$IMAGE")
if ! "${DOCKER_BUILD[@]}" --build-arg BASE="$BASE" --build-arg NODE_VERSION="$NODE_VERSION" \
  -t "$IMAGE" "$CTX" >"$LOG_DIR/node-build.log" 2>&1; then
  tail -n 30 "$LOG_DIR/node-build.log" >&2
  die "docker build of $IMAGE failed (full log: $LOG_DIR/node-build.log)"
fi
remove_old_fixture "$OLD"
# The context holds a ~110 MB copy of node; it is rebuilt from the host each time.
rm -rf "$CTX"
