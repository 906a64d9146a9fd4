#!/usr/bin/env bash
# ServiceNow simulator throughput: Table API GETs per second with 10,000
# incidents, the simulator pinned to one core and wrk to the other.
# Usage: bench/sim_table_get.sh [path/to/scorenow]   (default target/release/scorenow)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
bench_setup "$@"

# The standalone simulator, in place of ScoreNow, on $port (stopped on exit like ScoreNow).
taskset -c 0 "$binary" servicenow-sim --addr "127.0.0.1:$port" --log warn &
server=$!
wait_for "$base/oauth_auth.do"

token=$(sim_token "$base")

echo "Creating 10,000 incidents…"
sys_id=$(python3 - "$port" "$token" <<'PY'
import http.client, json, sys
port, token = int(sys.argv[1]), sys.argv[2]
connection = http.client.HTTPConnection("127.0.0.1", port)
headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
for n in range(10_000):
    body = json.dumps({"short_description": f"Load test incident {n}", "impact": str(n % 3 + 1), "urgency": "2"})
    connection.request("POST", "/api/now/table/incident", body, headers)
    response = connection.getresponse()
    record = json.loads(response.read())["result"]
    assert response.status == 201, response.status
print(record["sys_id"])
PY
)

auth="Authorization: Bearer $token"
echo "GET one record by sys_id — simulator on 1 core, wrk 1 thread, 32 connections, 15 s"
taskset -c 1 wrk -t1 -c32 -d15s --latency -H "$auth" "$base/api/now/table/incident/$sys_id" | wrk_summary
echo "GET a filtered page (scan of 10,000 records, 10 rows) — same load"
taskset -c 1 wrk -t1 -c32 -d15s --latency -H "$auth" \
  "$base/api/now/table/incident?sysparm_query=impact=1%5EORDERBYDESCsys_updated_on&sysparm_limit=10" |
  wrk_summary
