#!/usr/bin/env bash
# SSR under load on each storage set-up: SQLite in one process, PostgreSQL
# with one replica, PostgreSQL with two replicas on one database (load split
# over both, as a load balancer would). `/` and `/securescore` for a signed-in
# demo reader, 50 connections for 15 s each (BENCH_SECONDS; wrk); p50/p99, requests per
# second, and each replica's resident memory afterwards. Everything runs on
# this machine (2 cores here), so compare the ratios rather than the figures.
# Needs Debian's postgresql (a throw-away cluster is started and removed).
# Usage: bench/replicas.sh [path/to/scorenow]   (default target/release/scorenow)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
bench_setup "$@"

cluster_dir=$(mktemp -d)
servers=()
cleanup() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  server/tests/support/postgres-cluster.sh stop "$cluster_dir"
  rm -rf "$data_dir"
}
trap cleanup EXIT
postgres_server=$(server/tests/support/postgres-cluster.sh start "$cluster_dir")
export SCORENOW_SECRET_KEY=$(openssl rand -base64 32)

# Starts a demo replica on PORT with DATA_DIR and ARGS…; records its pid.
start_replica() {
  local replica_port=$1 dir=$2
  shift 2
  "$binary" --addr "127.0.0.1:$replica_port" --demo --data-dir "$dir" --log warn "$@" &
  servers+=($!)
  wait_for "http://127.0.0.1:$replica_port/readyz"
}

# Resident memory of PID in MiB.
rss_mib() {
  awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

# wrk's p50, p99 and requests/s on stdin, as "p50 p99 rps".
figures() {
  awk '/ 50%/ { p50 = $2 } / 99%/ { p99 = $2 } /Requests\/sec/ { rps = $2 } END { print p50, p99, rps }'
}

# Loads PATH at each base URL given, 50 connections in all split evenly, 15 s;
# prints one line per base and the total requests/s.
load() {
  local path=$1
  shift
  local per=$((50 / $#)) outputs=() loads=() base_url
  for base_url in "$@"; do
    outputs+=("$(mktemp)")
    wrk -t1 -c"$per" -d"${BENCH_SECONDS:-15}"s --latency -H "Cookie: $session" "$base_url$path" >"${outputs[-1]}" &
    loads+=($!)
  done
  wait "${loads[@]}"
  local total=0 i=0 line
  for base_url in "$@"; do
    line=$(figures <"${outputs[$i]}")
    printf '    %-28s p50 %-9s p99 %-9s %s req/s\n' "$base_url$path" $line
    total=$(awk -v a="$total" -v b="$(echo "$line" | cut -d' ' -f3)" 'BEGIN { print a + b }')
    rm -f "${outputs[$i]}"
    i=$((i + 1))
  done
  printf '    total: %s req/s\n' "$total"
}

# Runs the two pages' loads against the replicas at the base URLs given.
measure() {
  session=$(sign_in_reader "$1")
  for path in / /securescore; do
    load "$path" "$@"
  done
}

report_memory() {
  local pid
  for pid in "${servers[@]}"; do
    printf '    RSS of replica (pid %s): %s MiB\n' "$pid" "$(rss_mib "$pid")"
  done
}

stop_all() {
  for pid in "${servers[@]}"; do kill "$pid"; wait "$pid" 2>/dev/null || true; done
  servers=()
}

echo "SQLite, one process:"
start_replica "$port" "$data_dir/sqlite" --servicenow-sim-addr "127.0.0.1:$sim_port"
measure "$base"
report_memory
stop_all

database="${postgres_server%/postgres}/scorenow_bench"
psql "$postgres_server" -qc "CREATE DATABASE scorenow_bench"
echo "PostgreSQL, one replica:"
start_replica "$port" "$data_dir/a" --database-url "$database" --servicenow-sim-addr "127.0.0.1:$sim_port"
measure "$base"
report_memory

echo "PostgreSQL, two replicas on one database:"
second_port=$(free_port)
start_replica "$second_port" "$data_dir/b" --database-url "$database" --servicenow-sim-addr off
measure "$base" "http://127.0.0.1:$second_port"
report_memory
