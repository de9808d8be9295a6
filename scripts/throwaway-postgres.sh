#!/usr/bin/env bash
# Starts a throwaway PostgreSQL on a loopback port for tests and benchmarks, and prints its connection string.
#   scripts/throwaway-postgres.sh start <dir> <port>   -> prints "Host=127.0.0.1;Port=<port>;Username=postgres;Database=postgres"
#   scripts/throwaway-postgres.sh stop <dir>
#   scripts/throwaway-postgres.sh crash-restart <dir>   -> pg_ctl restart -m immediate: no shutdown checkpoint, crash recovery
# Installs Debian's postgresql when it is missing. The server runs as the 'postgres' OS user when started by root.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?data directory}; port=${3:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "installing postgresql" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >/dev/null
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir" -U postgres -A trust -E UTF8 --no-locale >/dev/null
    fi
    # fsync and synchronous_commit stay on: benchmarks and tests measure durable commits.
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k /tmp -c max_connections=300 -c shared_buffers=256MB -c fsync=on -c synchronous_commit=on" \
      start >/dev/null
    echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
    ;;
  stop)
    [ -f "$dir/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null || true
    ;;
  crash-restart)
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -m immediate -w -t 60 restart >/dev/null
    ;;
  *) echo "usage: $0 start|stop|crash-restart <dir> [port]" >&2; exit 2 ;;
esac
