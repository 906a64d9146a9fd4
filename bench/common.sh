# Shared helpers of the benchmark scripts (sourced, not run, from the repository root).

# A free TCP port on the loopback interface.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until URL answers (any HTTP status), at most 10 seconds.
wait_for() {
  for _ in $(seq 1 100); do
    curl -sS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "no answer from $1" >&2
  return 1
}

# Sets what every benchmark needs: binary (BINARY, default target/release/scorenow),
# port and base (a free port for ScoreNow and its URL), sim_port and sim (the same
# for its embedded simulator), data_dir (a fresh directory); on exit the server
# started by start_scorenow is stopped and data_dir removed.
# Usage: bench_setup [BINARY]
bench_setup() {
  binary=${1:-target/release/scorenow}
  port=$(free_port)
  base="http://127.0.0.1:$port"
  sim_port=$(free_port)
  sim="http://127.0.0.1:$sim_port"
  data_dir=$(mktemp -d)
  server=
  trap 'stop_scorenow; rm -rf "$data_dir"' EXIT
}

# Starts $binary in the background as ScoreNow on $port with $data_dir and its
# embedded simulator on $sim_port, quiet but for warnings, with ARGS added;
# waits until it is ready.
# Usage: start_scorenow [ARGS…]
start_scorenow() {
  "$binary" --addr "127.0.0.1:$port" --demo --servicenow-sim-addr "127.0.0.1:$sim_port" \
    --data-dir "$data_dir" --log warn "$@" &
  server=$!
  wait_for "$base/readyz"
}

# Stops the process started last by start_scorenow (or stored in $server), if any.
stop_scorenow() {
  if [ -n "${server:-}" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=
  fi
}

# The summary lines of wrk --latency output on stdin: latency, its percentiles, throughput, errors.
wrk_summary() {
  grep -E "Latency|50%|90%|99%|Requests/sec|Non-2xx"
}

# Prints the session cookie (name=value) of the demo account ROLE@scorenow.demo signed in at BASE.
# Usage: sign_in_as BASE ROLE
sign_in_as() {
  local sign_in
  sign_in=$(curl -fsS "$1/login" | grep -o '/api/sign_in[0-9]*' | head -n 1)
  curl -fsS -o /dev/null -D - "$1$sign_in" -H 'Accept: text/html' \
    --data "email=$2%40scorenow.demo&password=scorenow-demo&next=%2F" |
    grep -i '^set-cookie: scorenow_session=' | sed 's/^[^:]*: \([^;]*\);.*/\1/'
}

# Prints the session cookie of the demo reader signed in at BASE.
sign_in_reader() {
  sign_in_as "$1" reader
}

# The value of header NAME in the headers on stdin.
header() {
  grep -i "^$1:" | head -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'
}

# Connects ScoreNow at BASE to the embedded simulator at SIM as the demo admin
# would in a browser: the setup form, the instance's sign-in and consent, the callback.
# Usage: connect_servicenow BASE SIM
connect_servicenow() {
  local base=$1 sim=$2 admin authorize query session callback
  admin=$(sign_in_as "$base" admin)
  authorize=$(curl -fsS -o /dev/null -D - "$base/api/connect_servicenow" -H 'Accept: text/html' \
    -H "Referer: $base/servicenow/setup" -H "Cookie: $admin" \
    --data-urlencode "instance=$sim" --data 'client_id=scorenow-demo&client_secret=scorenow-demo-secret' | header location)
  query=${authorize#*\?}
  session=$(curl -fsS -o /dev/null -D - "$sim/login.do" --data-urlencode "return_to=$query" \
    --data 'user_name=scorenow.integration&user_password=integration-demo' |
    header set-cookie | sed 's/;.*//')
  callback=$(curl -fsS -o /dev/null -D - "$sim/oauth_auth.do" -H "Cookie: $session" \
    --data "$query&action=allow" | header location)
  curl -fsS -o /dev/null -D - "$callback" -H "Cookie: $admin" | header location | grep -q 'outcome=connected' ||
    { echo "connecting to ServiceNow failed" >&2; return 1; }
}

# An access token of the simulator's integration user (password grant), for direct calls.
# Usage: sim_token SIM
sim_token() {
  curl -fsS "$1/oauth_token.do" --data 'grant_type=password&client_id=scorenow-demo&client_secret=scorenow-demo-secret&username=scorenow.integration&password=integration-demo' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}
