#!/usr/bin/env bash
# The improvement-actions page with 500 actions: SSR latency under load
# (wrk, 50 connections, 20 s, release build), unfiltered and filtered.
# The server first stores the demo catalog; the bench then replaces it in
# the database with 500 generated actions (Graph's JSON shape) and restarts,
# so the page reads exactly what a large tenant would give it.
# Usage: bench/securescore_500.sh [path/to/scorenow]   (default target/release/scorenow)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
bench_setup "$@"

start_scorenow
stop_scorenow
python3 - "$data_dir/scorenow.db" <<'PY'
import json, sqlite3, sys
categories = ["Identity", "Data", "Device", "Apps", "Infrastructure"]
services = ["AzureAD", "MDO", "EXO", "Intune", "SPO", "Teams", "MDA", "MDE", "MIP"]
profiles, scores = [], []
for n in range(500):
    profiles.append({
        "id": f"bench_control_{n:03}", "title": f"Benchmark improvement action number {n} with a realistic title length",
        "controlCategory": categories[n % 5], "service": services[n % 9], "maxScore": 1 + n % 10, "rank": n + 1,
        "remediation": "<p>Steps.</p><ol><li>One</li><li>Two</li></ol>", "implementationCost": "Low", "userImpact": "Moderate",
        "threats": ["accountBreach"], "tier": "Core", "deprecated": False, "controlStateUpdates": [],
    })
    scores.append({"controlName": f"bench_control_{n:03}", "score": (1 + n % 10) if n % 3 == 0 else 0})
snapshot = {"createdDateTime": "2026-11-24T00:00:00Z", "currentScore": sum(s["score"] for s in scores),
            "maxScore": sum(p["maxScore"] for p in profiles), "controlScores": scores}
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE securescore_data SET profiles = ?, snapshots = ? WHERE id = 1 AND source = 'demo'",
           (json.dumps(profiles), json.dumps([snapshot])))
db.commit()
PY
start_scorenow
session=$(sign_in_reader "$base")
rows=$(curl -fsS -H "Cookie: $session" "$base/securescore" | grep -o '<tr>' | wc -l)
echo "rows rendered on /securescore: $((rows - 1)) (plus the header row)"

echo "SSR of /securescore, 500 actions, signed in — one connection, 10 s (an idle server)"
wrk -t1 -c1 -d10s --latency -H "Cookie: $session" "$base/securescore" | wrk_summary
echo "SSR of /securescore, 500 actions, signed in — 2 wrk threads, 50 connections, 20 s"
wrk -t2 -c50 -d20s --latency -H "Cookie: $session" "$base/securescore" | wrk_summary
echo "SSR of /securescore?category=Identity&q=number&sort=points — same load"
wrk -t2 -c50 -d20s --latency -H "Cookie: $session" "$base/securescore?category=Identity&q=number&sort=points" | wrk_summary
