#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: initdb + pg_ctl from Debian's
# postgresql package, in a directory of its own, on a free port of 127.0.0.1,
# trusting local connections (it holds nothing but test data). As root, the
# cluster runs as the unprivileged `postgres` user, as PostgreSQL requires.
#
#   postgres-cluster.sh start DIR   starts a cluster in DIR (created); prints its URL
#   postgres-cluster.sh stop DIR    stops the cluster in DIR and removes DIR
#   postgres-cluster.sh run CMD…    runs CMD with a cluster of its own, its URL in
#                                   SCORENOW_TEST_POSTGRES_URL, and removes it after
#
# `run` makes its directory in SCORENOW_TEST_POSTGRES_PARENT (the Makefile: target/)
# when the cluster's user can reach it, else in TMPDIR or /tmp.
set -euo pipefail

bin_dir() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$found" ] || { echo "postgres-cluster: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
  echo "$found"
}

# Runs a PostgreSQL program as the owner of the cluster's files.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local dir=$1 bin port
  bin=$(bin_dir)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_owner "$bin/initdb" -D "$dir/data" -U scorenow --auth=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=400" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  echo "postgres://scorenow@127.0.0.1:$port/postgres"
}

stop() {
  local dir=$1
  [ -d "$dir/data" ] && as_owner "$(bin_dir)/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "${2:?usage: postgres-cluster.sh start DIR}" ;;
  stop) stop "${2:?usage: postgres-cluster.sh stop DIR}" ;;
  run)
    shift
    parent=${SCORENOW_TEST_POSTGRES_PARENT:-${TMPDIR:-/tmp}}
    if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$parent" 2>/dev/null; then
      parent=${TMPDIR:-/tmp}
    fi
    mkdir -p "$parent"
    dir=$(mktemp -d "$parent/scorenow-postgres.XXXXXX")
    trap 'stop "$dir"' EXIT
    SCORENOW_TEST_POSTGRES_URL=$(start "$dir")
    export SCORENOW_TEST_POSTGRES_URL
    "$@"
    ;;
  *) echo "usage: postgres-cluster.sh start DIR | stop DIR | run CMD…" >&2; exit 2 ;;
esac
