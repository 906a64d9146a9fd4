#!/usr/bin/env bash
# Runs the Playwright suite against a ScoreNow server it starts itself on a free
# port with a throw-away data directory, and always stops it afterwards.
# Usage: end2end/run.sh PATH/TO/scorenow [playwright args…]
set -euo pipefail

e2e_dir=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$e2e_dir")
binary=$(realpath "${1:?usage: run.sh PATH/TO/scorenow [playwright args…]}")
shift

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data_dir=$(mktemp -d)
mkdir -p "$e2e_dir/test-results"
log="$e2e_dir/test-results/server.log"

"$binary" --addr "127.0.0.1:$port" --demo --servicenow-sim-addr 127.0.0.1:0 --servicenow-sim-admin-token e2e-sim-admin-token --data-dir "$data_dir" --site-root "$root/target/site" >"$log" 2>&1 &
server_pid=$!
stop_server() {
  kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$data_dir"
}
trap stop_server EXIT

base_url="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -fsS "$base_url/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { echo "ScoreNow exited during start-up:"; cat "$log"; exit 1; }
  sleep 0.1
done

cd "$e2e_dir"
BASE_URL="$base_url" npx playwright test "$@"
