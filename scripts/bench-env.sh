#!/usr/bin/env bash
# Installs what `npm run bench:proxy` compares Berth's proxy against, from Debian's own packages:
#   nginx, caddy (the peers) and wrk (the load generator).
# Idempotent: packages already present are left alone and the script takes a second.
# The benchmark starts nginx and Caddy itself on loopback ports with configs it writes to a temp dir,
# so the packages' own services must not start (they would take ports 80/443): while installing, a
# policy-rc.d that refuses service starts is put in place if the machine has none, and removed after.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh disable=SC1091
. "$HERE/lib/common.sh"
log() { printf '[bench-env] %s\n' "$*" >&2; }

missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v caddy >/dev/null 2>&1 || missing+=(caddy)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)

if [ ${#missing[@]} -eq 0 ]; then
  log "nginx, caddy and wrk are installed"
  exit 0
fi

is_debian_like || die "install ${missing[*]} with your package manager (the benchmark needs nginx, caddy and wrk)"
BERTH_LOG_DIR=${BERTH_LOG_DIR:-/tmp}
export BERTH_LOG_DIR

POLICY=/usr/sbin/policy-rc.d
created_policy=0
if is_root && [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\n# temporary, from berth scripts/bench-env.sh: no service starts during the install\nexit 101\n' >"$POLICY"
  chmod 755 "$POLICY"
  created_policy=1
fi
cleanup() { if [ "$created_policy" -eq 1 ]; then rm -f "$POLICY"; fi; }
trap cleanup EXIT

log "installing ${missing[*]}"
apt_install --no-install-recommends "${missing[@]}"
log "done: $(nginx -v 2>&1 | tr -d '\n'), caddy $(caddy version 2>/dev/null | cut -d' ' -f1), $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2)"
