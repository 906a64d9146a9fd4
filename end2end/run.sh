#!/usr/bin/env bash
# Runs the Playwright suite against ScoreNow servers it starts itself on free
# ports with throw-away data directories, and always stops them afterwards:
# the demo (BASE_URL), and the demo with 3-second idle sessions for the
# session-expiry journey (SHORT_SESSION_URL).
# Usage: end2end/run.sh PATH/TO/scorenow [playwright args…]
set -euo pipefail

e2e_dir=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$e2e_dir")
binary=$(realpath "${1:?usage: run.sh PATH/TO/scorenow [playwright args…]}")
shift

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
mkdir -p "$e2e_dir/test-results"
pids=()
data_dirs=()
stop_servers() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  rm -rf "${data_dirs[@]}"
}
trap stop_servers EXIT

# Starts the demo with extra options and sets server_url once it is ready.
start_server() {
  local name=$1 port data_dir log
  shift
  port=$(free_port)
  data_dir=$(mktemp -d)
  log="$e2e_dir/test-results/$name.log"
  "$binary" --addr "127.0.0.1:$port" --demo --servicenow-sim-addr 127.0.0.1:0 --data-dir "$data_dir" --site-root "$root/target/site" "$@" >"$log" 2>&1 &
  pids+=("$!")
  data_dirs+=("$data_dir")
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    kill -0 "$!" 2>/dev/null || { echo "ScoreNow ($name) exited during start-up:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  server_url="http://127.0.0.1:$port"
}

# The journeys inject faults; a ticket whose answer a fault lost is looked up
# after 2 s instead of the production 120 s.
start_server server --servicenow-sim-admin-token e2e-sim-admin-token --unknown-outcome-wait-secs 2
base_url=$server_url
start_server short-session --session-idle-timeout 3s
short_session_url=$server_url

cd "$e2e_dir"
BASE_URL="$base_url" SHORT_SESSION_URL="$short_session_url" npx playwright test "$@"
