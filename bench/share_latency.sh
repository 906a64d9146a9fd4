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
bench_setup "$@"

start_scorenow
connect_servicenow "$base" "$sim"
analyst=$(sign_in_as "$base" analyst)
token=$(sim_token "$sim")
export DUE_DATE
DUE_DATE=$(date -u -d '+30 days' +%F)

echo "Through ScoreNow: POST /api/share_ticket — 1 connection, 20 s"
wrk -t1 -c1 -d20s --latency -s bench/share_ticket.lua -H "Cookie: $analyst" "$base/api/share_ticket" |
  wrk_summary
echo "Straight to the simulator: POST /api/now/table/incident — 1 connection, 20 s"
wrk -t1 -c1 -d20s --latency -s bench/direct_incident.lua -H "Authorization: Bearer $token" \
  "$sim/api/now/table/incident?sysparm_fields=sys_id,number,state,active,sys_updated_on" |
  wrk_summary
