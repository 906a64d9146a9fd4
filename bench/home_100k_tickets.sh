#!/usr/bin/env bash
# The home page with 100,000 ScoreNow tickets in ServiceNow (50,000 change
# requests, 50,000 incidents, in every state): ServiceNow calls per render,
# counted by the simulator, and render latency under load (wrk, release build).
# Usage: bench/home_100k_tickets.sh [path/to/scorenow]   (default target/release/scorenow)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
bench_setup "$@"
admin_token="bench-admin-token"
display="Microsoft 365 Security and Configuration Change Request"

start_scorenow --servicenow-sim-admin-token "$admin_token"
connect_servicenow "$base" "$sim"

sim_admin() {
  curl -fsS -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' "$@"
}
seed() {
  sim_admin "$sim/sim/admin/records/$1" --data "{\"count\": 50000, \"states\": $2,
    \"record\": {\"short_description\": \"Bench ticket\", \"correlation_display\": \"$display\",
      \"correlation_id\": \"scorenow:demo:bench\"}}"
  echo
}
seed change_request '["-5","-4","-3","-2","-1","0","3","4"]'
seed incident '["1","2","3","6","7","8"]'

reader=$(sign_in_reader "$base")
token=$(sim_token "$sim")
echo "One Aggregate API call over 50,000 change requests, straight to the simulator:"
curl -fsS -o /dev/null -w '  %{time_total} s\n' -H "Authorization: Bearer $token" \
  "$sim/api/now/stats/change_request?sysparm_count=true&sysparm_group_by=state&sysparm_query=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("correlation_display=Microsoft 365 Security and Configuration Change Request^correlation_idSTARTSWITHscorenow:demo:"))')"

curl -fsS -o /dev/null -H "Cookie: $reader" "$base/" # warm up
sim_admin -X POST "$sim/sim/admin/stats/reset"
echo "SSR of / (signed in, cards over 100,000 tickets) — 2 wrk threads, 50 connections, 20 s"
result=$(wrk -t2 -c50 -d20s --latency -H "Cookie: $reader" "$base/")
echo "$result" | grep -E "Latency|50%|90%|99%|Requests/sec|Non-2xx|requests in"
renders=$(echo "$result" | grep -Eo '^ *[0-9]+ requests in' | grep -Eo '[0-9]+')
calls=$(sim_admin "$sim/sim/admin/stats" | python3 -c 'import json, sys; print(json.load(sys.stdin)["rest_requests"])')
python3 -c "print(f'ServiceNow REST calls: {$calls} for {$renders} renders = {$calls / $renders:.4f} per render')"
