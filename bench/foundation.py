#!/usr/bin/env python3
"""First rough figures for syncmond (issue 2): native push throughput at concurrency 8 and 64,
/metrics time and size at 100k series, RSS per series.

    python3 bench/foundation.py [--seconds 10] [--binary build/release/syncmond]
"""

import argparse
import json
import random
import tempfile
from pathlib import Path

from benchlib import DEFAULT_BINARY, Syncmond, fill_counter_series, time_metrics, wrk


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--binary", default=str(DEFAULT_BINARY))
    parser.add_argument("--series", type=int, default=100_000)
    args = parser.parse_args()
    random.seed(7)

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        body = {"job": "bench", "providers": [{
            "provider": "vtex", "connection": "bench", "request_total": 100, "request_success": 95,
            "request_error_400": 3, "request_error_500": 2,
            "request_response_time": [round(random.lognormvariate(-2.5, 1), 4) for _ in range(100)]}]}
        body_file = workdir / "body.json"
        body_file.write_text(json.dumps(body))
        daemon = Syncmond(args.binary, workdir,
                          "durability: snapshot\nserver: {io_threads: 1}\nlimits: {max_series: 5000000}\n")
        daemon.start()
        try:
            daemon.post(body)  # the series exist before the load starts
            rows = []
            for connections in (8, 64):
                rps, p50, p99, non2xx = wrk(daemon.port, body_file, connections, args.seconds)
                assert non2xx == 0, f"{non2xx} pushes were not accepted"
                rows.append((connections, rps, rps * 100, p50, p99))
            baseline_rss = daemon.rss_bytes()
            fill_counter_series(daemon, args.series)
            metrics_seconds, metrics_bytes = time_metrics(daemon.port, runs=5)
            series_rss = (daemon.rss_bytes() - baseline_rss) / args.series
        finally:
            daemon.stop()

    print(f"body: {len(json.dumps(body))} bytes, 100 observations into existing series; "
          f"server pinned to CPU 0 (1 io thread), wrk to CPU 1, {args.seconds}s per row, durability: snapshot")
    print(f"{'connections':>11} {'pushes/s':>10} {'observations/s':>15} {'p50':>9} {'p99':>9}")
    for connections, rps, obs, p50, p99 in rows:
        print(f"{connections:>11} {rps:>10.0f} {obs:>15.0f} {p50:>9} {p99:>9}")
    print(f"/metrics with {args.series} counter series: median {metrics_seconds * 1000:.0f} ms over 5 scrapes, "
          f"{metrics_bytes / 1e6:.1f} MB; RSS growth {series_rss:.0f} B per series")


if __name__ == "__main__":
    main()
