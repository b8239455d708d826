#!/bin/sh
set -e
# Same logic as the official node image's docker-entrypoint.sh: run the
# arguments with node if the first one is a flag (`-e ...`), is not a command
# on PATH (`server.js`), or is a non-executable file. The last test works
# around a dash bug: https://bugs.debian.org/cgi-bin/bugreport.cgi?bug=874264
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"
