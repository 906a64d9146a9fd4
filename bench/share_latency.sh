#!/usr/bin/env bash
# Share-to-ticket latency: creating an incident through ScoreNow's share_ticket
# server function (validation, storing the ticket first, the Table API call,
# storing the answer, audit) against the same POST straight to the simulator.
# One connection each for 20 s (wrk, release build); the difference is
# ScoreNow's overhead.
# Usage: bench/share_latency.sh [path/to/scorenow]   (default target/release/scorenow)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
binary=${1:-target/release/scorenow}
port=$(free_port)
sim_port=$(free_port)
data_dir=$(mktemp -d)
base="http://127.0.0.1:$port"
sim="http://127.0.0.1:$sim_port"

"$binary" --addr "127.0.0.1:$port" --servicenow-sim-addr "127.0.0.1:$sim_port" \
  --data-dir "$data_dir" --log warn &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data_dir"' EXIT
wait_for "$base/readyz"
connect_servicenow "$base" "$sim"
analyst=$(sign_in_as "$base" analyst)
token=$(sim_token "$sim")
export DUE_DATE
DUE_DATE=$(date -u -d '+30 days' +%F)

echo "Through ScoreNow: POST /api/share_ticket — 1 connection, 20 s"
wrk -t1 -c1 -d20s --latency -s bench/share_ticket.lua -H "Cookie: $analyst" "$base/api/share_ticket" |
  grep -E "Latency|50%|90%|99%|Requests/sec|Non-2xx"
echo "Straight to the simulator: POST /api/now/table/incident — 1 connection, 20 s"
wrk -t1 -c1 -d20s --latency -s bench/direct_incident.lua -H "Authorization: Bearer $token" \
  "$sim/api/now/table/incident?sysparm_fields=sys_id,number,state,active,sys_updated_on" |
  grep -E "Latency|50%|90%|99%|Requests/sec|Non-2xx"
