#!/usr/bin/env bash
# SSR latency under load: 50 connections for 20 s with wrk, release build.
# `/` is rendered for a signed-in demo reader (session lookup included);
# `/login` is the public page.
# Usage: bench/ssr_home.sh [path/to/scorenow]   (default target/release/scorenow)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
binary=${1:-target/release/scorenow}
port=$(free_port)
data_dir=$(mktemp -d)
base="http://127.0.0.1:$port"

"$binary" --addr "127.0.0.1:$port" --servicenow-sim-addr 127.0.0.1:0 --data-dir "$data_dir" --log warn &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data_dir"' EXIT
wait_for "$base/readyz"

session=$(sign_in_reader "$base")

echo "SSR of / (signed in) — 2 wrk threads, 50 connections, 20 s"
wrk -t2 -c50 -d20s --latency -H "Cookie: $session" "$base/" | grep -E "Latency|50%|90%|99%|Requests/sec|Non-2xx"
echo "SSR of /login (anonymous) — same load"
wrk -t2 -c50 -d20s --latency "$base/login" | grep -E "Latency|50%|90%|99%|Requests/sec|Non-2xx"
