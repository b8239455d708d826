#!/usr/bin/env bash
# Builds the busybox fixture image (default berth-test/busybox:latest) from
# Debian's busybox-static package: `apt-get download` + `dpkg-deb -x` (nothing
# is installed on the host), one symlink per applet, `docker import`. ~1 s.
#
# Usage: scripts/images/busybox/build.sh [IMAGE_NAME]
# Needs apt-get and dpkg-deb (Debian/Ubuntu); root is not required.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# (run `shellcheck -x` to follow this; disable=SC1091 only silences "not following" without -x)
# shellcheck source-path=SCRIPTDIR source=../../lib/common.sh disable=SC1091
. "$HERE/../../lib/common.sh"

IMAGE=${1:-berth-test/busybox:latest}
CACHE=$(berth_cache_dir)
LOG_DIR=${BERTH_LOG_DIR:-$CACHE/logs}
W=$CACHE/busybox
if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
  die "building $IMAGE needs apt-get and dpkg-deb (Debian/Ubuntu)"
fi

rm -rf "$W"
mkdir -p "$W/x" "$W/root/bin" "$W/root/etc" "$W/root/tmp" "$W/root/root" "$LOG_DIR"
# apt-get download needs package lists; refresh them once if it fails (empty
# or stale lists).
if ! (cd "$W" && apt-get download busybox-static) >>"$LOG_DIR/apt.log" 2>&1; then
  is_root || die "apt-get download busybox-static failed (see $LOG_DIR/apt.log); try: sudo apt-get update"
  log "apt-get download busybox-static failed; running apt-get update and retrying"
  if ! { apt-get update && (cd "$W" && apt-get download busybox-static); } >>"$LOG_DIR/apt.log" 2>&1; then
    die "apt-get download busybox-static failed (full log: $LOG_DIR/apt.log)"
  fi
fi
dpkg-deb -x "$W"/busybox-static_*.deb "$W/x"
cp "$W/x/bin/busybox" "$W/root/bin/busybox"
# Like the official busybox image: every applet in /bin, a minimal passwd.
for a in $("$W/root/bin/busybox" --list); do
  [ "$a" = busybox ] || ln -s busybox "$W/root/bin/$a"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$W/root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$W/root/etc/group"
chmod 1777 "$W/root/tmp"

OLD=$(image_id "$IMAGE")
tar --numeric-owner --owner=0 --group=0 -C "$W/root" -c . |
  docker import -c 'CMD ["sh"]' -c "LABEL $BERTH_FIXTURE_LABEL=busybox" - "$IMAGE" >/dev/null
remove_old_fixture "$OLD"
rm -rf "$W"
