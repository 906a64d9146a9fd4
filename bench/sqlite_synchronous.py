#!/usr/bin/env python3
"""What synchronous=FULL costs ScoreNow's SQLite writes: small write
transactions (BEGIN IMMEDIATE, one insert, COMMIT) in WAL mode, NORMAL
against FULL, in the data directory's file system. Prints figures."""

import os
import sqlite3
import sys
import tempfile
import time

COMMITS = 2000


def run(mode: str, directory: str) -> tuple[float, float, float]:
    """Commits per second, p50 and p99 in microseconds."""
    with tempfile.TemporaryDirectory(dir=directory) as scratch:
        db = sqlite3.connect(os.path.join(scratch, "bench.db"), isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={mode}")
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        latencies = []
        start = time.perf_counter()
        for _ in range(COMMITS):
            began = time.perf_counter()
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO t (v) VALUES (?)", ("x" * 200,))
            db.execute("COMMIT")
            latencies.append(time.perf_counter() - began)
        total = time.perf_counter() - start
        db.close()
    latencies.sort()
    return COMMITS / total, latencies[len(latencies) // 2] * 1e6, latencies[int(len(latencies) * 0.99)] * 1e6


def main() -> None:
    directory = sys.argv[1] if len(sys.argv) > 1 else "target"
    os.makedirs(directory, exist_ok=True)
    print(f"SQLite {sqlite3.sqlite_version}, WAL, {COMMITS} write transactions in {directory}")
    for mode in ("NORMAL", "FULL"):
        per_second, p50, p99 = run(mode, directory)
        print(f"synchronous={mode:6} {per_second:8.0f} commits/s  p50 {p50:6.0f} µs  p99 {p99:6.0f} µs")


if __name__ == "__main__":
    main()
