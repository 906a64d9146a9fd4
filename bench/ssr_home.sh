#!/usr/bin/env bash
# SSR latency of `/` under load: 50 connections for 20 s with wrk, release build.
# Usage: bench/ssr_home.sh [path/to/scorenow]   (default target/release/scorenow)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
binary=${1:-target/release/scorenow}
port=$(free_port)
data_dir=$(mktemp -d)

"$binary" --addr "127.0.0.1:$port" --servicenow-sim-addr off --data-dir "$data_dir" --log warn &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data_dir"' EXIT
wait_for "http://127.0.0.1:$port/readyz"

echo "SSR of / — 2 wrk threads, 50 connections, 20 s"
wrk -t2 -c50 -d20s --latency "http://127.0.0.1:$port/" | grep -E "Latency|50%|90%|99%|Requests/sec|Non-2xx"
