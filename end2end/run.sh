#!/usr/bin/env bash
# Runs the Playwright suite against ScoreNow servers it starts itself on free
# ports with throw-away data directories, and always stops them afterwards:
# the demo (BASE_URL), the demo with 3-second idle sessions for the
# session-expiry journey (SHORT_SESSION_URL), and the demo signing in through
# a certified OpenID provider, npm's oidc-provider (SSO_URL).
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

# Waits until `url` answers; `pid` must stay alive meanwhile, else its log is shown.
wait_ready() {
  local url=$1 pid=$2 name=$3 log=$4
  for _ in $(seq 1 100); do
    curl -fsS "$url" >/dev/null 2>&1 && return
    kill -0 "$pid" 2>/dev/null || { echo "$name exited during start-up:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.1
  done
}

# Starts the demo on `port` with extra options and sets server_url once it is ready.
start_server() {
  local name=$1 port=$2 data_dir log
  shift 2
  data_dir=$(mktemp -d)
  log="$e2e_dir/test-results/$name.log"
  "$binary" --addr "127.0.0.1:$port" --demo --servicenow-sim-addr 127.0.0.1:0 --data-dir "$data_dir" --site-root "$root/target/site" "$@" >"$log" 2>&1 &
  pids+=("$!")
  data_dirs+=("$data_dir")
  wait_ready "http://127.0.0.1:$port/readyz" "$!" "ScoreNow ($name)" "$log"
  server_url="http://127.0.0.1:$port"
}

# The journeys inject faults; a ticket whose answer a fault lost is looked up
# after 2 s instead of the production 120 s.
start_server server "$(free_port)" --servicenow-sim-admin-token e2e-sim-admin-token --unknown-outcome-wait-secs 2
base_url=$server_url
start_server short-session "$(free_port)" --session-idle-timeout 3s
short_session_url=$server_url

sso_port=$(free_port)
provider_port=$(free_port)
provider_log="$e2e_dir/test-results/oidc-provider.log"
OIDC_PORT=$provider_port OIDC_CLIENT_ID=scorenow-e2e OIDC_CLIENT_SECRET=e2e-oidc-secret \
  OIDC_REDIRECT_URIS="http://127.0.0.1:$sso_port/auth/oidc/callback" \
  OIDC_POST_LOGOUT_REDIRECT_URIS="http://127.0.0.1:$sso_port/login" \
  node "$e2e_dir/oidc/provider.mjs" >"$provider_log" 2>&1 &
pids+=("$!")
wait_ready "http://127.0.0.1:$provider_port/.well-known/openid-configuration" "$!" "the OpenID provider" "$provider_log"
SCORENOW_OIDC_CLIENT_SECRET=e2e-oidc-secret start_server sso "$sso_port" \
  --public-url "http://127.0.0.1:$sso_port" --oidc-issuer "http://127.0.0.1:$provider_port" \
  --oidc-client-id scorenow-e2e --oidc-tenant-id 11111111-2222-3333-4444-555555555555
sso_url=$server_url

cd "$e2e_dir"
BASE_URL="$base_url" SHORT_SESSION_URL="$short_session_url" SSO_URL="$sso_url" npx playwright test "$@"
