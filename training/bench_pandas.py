#!/usr/bin/env python3
"""pandas baseline for `demand bench ingest`: read a log part and count events per (user, category, type).

Usage: bench_pandas.py FILE [jsonl|csv] [RUNS]
Prints one JSON line: events, best wall and CPU seconds, peak RSS (MiB) and the pandas version.
Exits 3 with a message when pandas cannot be imported (the bench prints it as a skip).
"""
import json
import resource
import sys
import time

try:
    import pandas as pd
except ImportError as e:  # the bench reports this as a skip, not a failure
    print(f"pandas not importable: {e}", file=sys.stderr)
    sys.exit(3)


def run(path: str, fmt: str) -> int:
    frame = pd.read_json(path, lines=True) if fmt == "jsonl" else pd.read_csv(path)
    counts = frame.groupby(["userId", "categoryId", "type"]).size()
    assert len(counts) > 0
    return len(frame)


def main() -> None:
    path = sys.argv[1]
    fmt = sys.argv[2] if len(sys.argv) > 2 else ("csv" if path.endswith(".csv") else "jsonl")
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    best_wall = best_cpu = float("inf")
    events = 0
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        events = run(path, fmt)
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"events": events, "seconds": best_wall, "cpuSeconds": best_cpu, "peakRssMiB": peak_mib, "pandas": pd.__version__}))


if __name__ == "__main__":
    main()
