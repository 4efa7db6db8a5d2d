#!/usr/bin/env python3
"""Durability figures (issue 3): pushes/s with `durability: ack` (every push synced to disk before
its 200, group commit) against `durability: snapshot`, at concurrency 1, 8 and 64; and recovery
time with 100k and 1M series, after SIGTERM (snapshot only) and after kill -9 (snapshot plus
journal).

    python3 bench/durability.py [--seconds 10] [--series 100000,1000000]
"""

import argparse
import json
import random
import tempfile
from pathlib import Path

from benchlib import DEFAULT_BINARY, Syncmond, fill_counter_series, wrk


def push_rows(binary, workdir, seconds):
    random.seed(7)
    body = {"job": "bench", "providers": [{
        "provider": "vtex", "connection": "bench", "request_total": 100, "request_success": 95,
        "request_response_time": [round(random.lognormvariate(-2.5, 1), 4) for _ in range(100)]}]}
    body_file = workdir / "body.json"
    body_file.write_text(json.dumps(body))
    rows = []
    for mode in ("ack", "snapshot"):
        daemon = Syncmond(binary, workdir, f"durability: {mode}\nserver: {{io_threads: 1}}\n", name=f"push-{mode}")
        daemon.start()
        try:
            daemon.post(body)
            for connections in (1, 8, 64):
                rps, p50, p99, non2xx = wrk(daemon.port, body_file, connections, seconds)
                assert non2xx == 0, f"{non2xx} pushes were not accepted"
                rows.append((mode, connections, rps, p50, p99))
        finally:
            daemon.stop()
    return rows


def recovery_rows(binary, workdir, series_counts):
    rows = []
    for series in series_counts:
        daemon = Syncmond(binary, workdir,
                          f"durability: ack\nsnapshot_interval: 1h\nlimits: {{max_series: {series * 2}}}\n",
                          name=f"recovery-{series}")
        daemon.start()
        fill_counter_series(daemon, series, per_push=1000)
        daemon.stop("TERM")  # final snapshot: recovery reads the snapshot only
        daemon.start()
        from_snapshot = daemon.recovery_seconds()
        # Half the series again through the journal, then a crash: snapshot plus journal replay.
        fill_counter_series(daemon, series // 2, per_push=1000)
        daemon.stop("KILL")
        startup = daemon.start()
        from_journal = daemon.recovery_seconds()
        db_bytes = sum(f.stat().st_size for f in daemon.data_dir.iterdir())
        daemon.stop("TERM")
        rows.append((series, from_snapshot, from_journal, startup, db_bytes))
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--binary", default=str(DEFAULT_BINARY))
    parser.add_argument("--series", default="100000,1000000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=Path(DEFAULT_BINARY).parents[1]) as tmp:
        workdir = Path(tmp)
        pushes = push_rows(args.binary, workdir, args.seconds)
        recoveries = recovery_rows(args.binary, workdir, [int(n) for n in args.series.split(",")])

    print(f"native pushes (982-byte body, 100 observations), server on CPU 0 with 1 io thread, wrk on CPU 1, "
          f"{args.seconds}s per row; data dir on the build disk")
    print(f"{'durability':>10} {'connections':>11} {'pushes/s':>10} {'p50':>9} {'p99':>9}")
    for mode, connections, rps, p50, p99 in pushes:
        print(f"{mode:>10} {connections:>11} {rps:>10.0f} {p50:>9} {p99:>9}")
    by_key = {(mode, c): rps for mode, c, rps, _, _ in pushes}
    for connections in (1, 8, 64):
        print(f"ack/snapshot at {connections:>2} connections: {by_key[('ack', connections)] / by_key[('snapshot', connections)]:.2f}")
    print(f"{'series':>9} {'recover snapshot':>17} {'recover snap+journal':>21} {'start to listening':>19} {'db MB':>7}")
    for series, snap, journal, startup, db_bytes in recoveries:
        print(f"{series:>9} {snap:>16.2f}s {journal:>20.2f}s {startup:>18.2f}s {db_bytes / 1e6:>7.1f}")


if __name__ == "__main__":
    main()
