#!/usr/bin/env bash
# Builds the Debian base fixture image (default berth-test/debian:bookworm)
# without any registry: debootstrap --variant=minbase from a Debian mirror,
# slimmed the way the official debian:bookworm-slim is, then `docker import`.
#
# Usage: scripts/images/debian/build.sh [IMAGE_NAME]
# Env:   BERTH_TEST_CACHE  cache dir (the rootfs is kept there, so a rebuild
#                          skips the ~25 s debootstrap)
#        BERTH_TEST_MIRROR Debian mirror URL (default: the host's own mirror)
#        FRESH=1           throw the cached rootfs away and debootstrap again
# Needs root (debootstrap chroots and creates device nodes).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# (run `shellcheck -x` to follow this; disable=SC1091 only silences "not following" without -x)
# shellcheck source-path=SCRIPTDIR source=../../lib/common.sh disable=SC1091
. "$HERE/../../lib/common.sh"

IMAGE=${1:-berth-test/debian:bookworm}
SUITE=bookworm
CACHE=$(berth_cache_dir)
ROOTFS=$CACHE/debian-$SUITE-rootfs
LOG_DIR=${BERTH_LOG_DIR:-$CACHE/logs}
mkdir -p "$CACHE" "$LOG_DIR"

is_root || die "building $IMAGE needs root (debootstrap); run as root or build the image elsewhere"

# --- Which mirror -----------------------------------------------------------
# Use the host's own Debian mirror (it is reachable: apt works), read from the
# deb822 files (Debian 12 default) or the classic one-line sources.list.

# Prints the first URI of a `deb` stanza whose Suites include $1 (deb822 format).
deb822_uri_for_suite() {
  local want=$1 f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    awk -v want="$want" '
      function flush() {
        if (!done && uris != "" && (" " types " ") ~ / deb / && (want == "" || (" " suites " ") ~ (" " want " "))) {
          split(uris, u, " "); print u[1]; done = 1
        }
        uris = ""; suites = ""; types = ""
      }
      /^[[:space:]]*#/ { next }
      /^[[:space:]]*$/ { flush(); next }
      tolower($1) == "types:"  { $1 = ""; types = $0 }
      tolower($1) == "uris:"   { $1 = ""; uris = $0 }
      tolower($1) == "suites:" { $1 = ""; suites = $0 }
      END { flush() }
    ' "$f"
  done | head -n1
}

# Same for one-line "deb [options] URI suite components" entries.
oneline_uri_for_suite() {
  local want=$1
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk -v want="$want" '
      $1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if (want == "" || $(i + 1) == want) { print $i; exit }
      }' | head -n1
}

host_uri_for_suite() {
  local u
  u=$(deb822_uri_for_suite "$1")
  [ -n "$u" ] || u=$(oneline_uri_for_suite "$1")
  printf '%s' "$u"
}

host_is_debian() {
  # shellcheck disable=SC1091
  [ -r /etc/os-release ] && (. /etc/os-release && [ "${ID:-}" = debian ])
}

MIRROR=${BERTH_TEST_MIRROR:-}
if [ -z "$MIRROR" ]; then
  MIRROR=$(host_uri_for_suite "$SUITE")
  # A Debian host on another release still has a Debian mirror, which also
  # serves bookworm. An Ubuntu host's mirror does not, so use Debian's CDN.
  if [ -z "$MIRROR" ] && host_is_debian; then MIRROR=$(host_uri_for_suite ""); fi
  [ -n "$MIRROR" ] || MIRROR=http://deb.debian.org/debian
fi
MIRROR=${MIRROR%/}
SECURITY=$(host_uri_for_suite "$SUITE-security")
SECURITY=${SECURITY:-${MIRROR%/debian}/debian-security}
SECURITY=${SECURITY%/}

# --- debootstrap (cached) ---------------------------------------------------

# Remove a rootfs tree safely: a killed debootstrap can leave /proc and /sys
# mounted inside it, and rm -rf must never walk into those.
remove_tree() {
  local d=$1
  [ -e "$d" ] || return 0
  awk -v d="$d" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$d"
}

if [ "${FRESH:-0}" = 1 ]; then remove_tree "$ROOTFS"; fi

if [ ! -x "$ROOTFS/bin/sh" ] || [ ! -f "$ROOTFS/etc/debian_version" ]; then
  command -v debootstrap >/dev/null 2>&1 || { log "installing debootstrap"; apt_install --no-install-recommends debootstrap; }
  KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
  if [ ! -r "$KEYRING" ]; then apt_install --no-install-recommends debian-archive-keyring; fi
  log "debootstrap $SUITE (minbase) from $MIRROR (~30 s; log: $LOG_DIR/debootstrap.log)"
  remove_tree "$ROOTFS.tmp"
  remove_tree "$ROOTFS"
  # Into a temp dir first and renamed on success, so an interrupted run never
  # leaves a half-made rootfs that a later run would mistake for the cache.
  if ! debootstrap --variant=minbase --keyring="$KEYRING" "$SUITE" "$ROOTFS.tmp" "$MIRROR" \
    >"$LOG_DIR/debootstrap.log" 2>&1; then
    tail -n 20 "$LOG_DIR/debootstrap.log" >&2
    remove_tree "$ROOTFS.tmp"
    die "debootstrap failed (full log: $LOG_DIR/debootstrap.log)"
  fi
  mv "$ROOTFS.tmp" "$ROOTFS"
else
  log "reusing cached rootfs $ROOTFS"
fi

# --- Make it look like debian:bookworm-slim ----------------------------------
# Everything below is idempotent, so it can run again on the cached rootfs.
R=$ROOTFS
cat >"$R/etc/apt/sources.list" <<SRC
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY $SUITE-security main
SRC
# Containers never start services on install (as in the official images).
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
chmod +x "$R/usr/sbin/policy-rc.d"
# The official images' apt/dpkg config: no .deb cache, no translations, no
# recommends, no docs/man/locales. Keeps images built FROM this one small.
cat >"$R/etc/apt/apt.conf.d/docker-clean" <<'CONF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
CONF
echo 'Acquire::Languages "none";' >"$R/etc/apt/apt.conf.d/docker-no-languages"
echo 'APT::Install-Recommends "false"; APT::Install-Suggests "false";' >"$R/etc/apt/apt.conf.d/docker-no-recommends"
mkdir -p "$R/etc/dpkg/dpkg.cfg.d"
cat >"$R/etc/dpkg/dpkg.cfg.d/docker-slim" <<'CONF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
CONF
# Slim what debootstrap already installed (206 MB -> ~80 MB).
find "$R/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete 2>/dev/null || true
rm -rf "$R"/usr/share/man/* "$R"/usr/share/info/* "$R"/usr/share/locale/* \
  "$R"/var/cache/apt/archives/*.deb "$R"/var/cache/apt/*.bin "$R"/var/lib/apt/lists/* \
  "$R"/var/log/*.log "$R"/var/log/apt/* "$R"/tmp/*
# Docker provides these at run time.
: >"$R/etc/hostname"
rm -f "$R/etc/resolv.conf"

# --- Import -------------------------------------------------------------------
OLD=$(image_id "$IMAGE")
tar --numeric-owner -C "$R" -c . | docker import \
  -c 'CMD ["bash"]' \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c "LABEL $BERTH_FIXTURE_LABEL=debian" \
  - "$IMAGE" >/dev/null
remove_old_fixture "$OLD"
