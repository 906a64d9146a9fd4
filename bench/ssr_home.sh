#!/usr/bin/env bash
# SSR latency under load: 50 connections for 20 s with wrk, release build.
# `/` is rendered for a signed-in demo reader (session lookup included);
# `/login` is the public page.
# Usage: bench/ssr_home.sh [path/to/scorenow]   (default target/release/scorenow)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
bench_setup "$@"
start_scorenow

session=$(sign_in_reader "$base")

echo "SSR of / (signed in) — 2 wrk threads, 50 connections, 20 s"
wrk -t2 -c50 -d20s --latency -H "Cookie: $session" "$base/" | wrk_summary
echo "SSR of /login (anonymous) — same load"
wrk -t2 -c50 -d20s --latency "$base/login" | wrk_summary
