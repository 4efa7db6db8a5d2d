#!/usr/bin/env python3
"""First rough figures for syncmond (issue 2): native push throughput at concurrency 8 and 64,
/metrics time and size at 100k series, RSS per series.

Loopback only; every load is bounded in time (wrk -d) and count. The server is pinned to CPU 0
and the load generator to CPU 1 so that the two do not fight over the 2 cores.

    python3 bench/foundation.py [--seconds 10] [--binary build/release/syncmond]
"""

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_daemon(binary, workdir):
    config = workdir / "bench.yml"
    config.write_text("durability: snapshot\nserver: {io_threads: 1}\nlimits: {max_series: 5000000}\n")
    process = subprocess.Popen(
        ["taskset", "-c", "0", str(binary), "--config", str(config), "--data-dir", str(workdir / "data"),
         "--listen", "127.0.0.1:0", "--log-level", "warn"],
        stderr=subprocess.PIPE, text=True)
    # With log level warn the port line is not printed; find the port from /proc instead.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        out = subprocess.run(["ss", "-ltnp"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if f"pid={process.pid}," in line:
                return process, int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))
        time.sleep(0.05)
    raise RuntimeError("syncmond did not start")


def post(port, body):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/push", data=body.encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def wrk(port, body_file, connections, seconds):
    env = dict(os.environ, SYNCMON_BENCH_BODY=str(body_file))
    result = subprocess.run(
        ["taskset", "-c", "1", "wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--latency",
         "-s", str(ROOT / "bench" / "push.lua"), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, env=env, timeout=seconds + 30)
    out = result.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = int(re.search(r"non2xx=(\d+)", out).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    return rps, latency.get("50"), latency.get("99"), non2xx


def rss_bytes(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def time_metrics(port, runs=5):
    times, size = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=60) as response:
            size = len(response.read())
        times.append(time.perf_counter() - started)
    return statistics.median(times), size


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--binary", default=str(ROOT / "build" / "release" / "syncmond"))
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
        process, port = start_daemon(args.binary, workdir)
        try:
            post(port, body_file.read_text())  # the series exist before the load starts
            rows = []
            for connections in (8, 64):
                rps, p50, p99, non2xx = wrk(port, body_file, connections, args.seconds)
                assert non2xx == 0, f"{non2xx} pushes were not accepted"
                rows.append((connections, rps, rps * 100, p50, p99))

            baseline_rss = rss_bytes(process.pid)
            # Provider entries: 4 counter series each; 250 entries (1,000 series) per push.
            per_push = 250
            for start in range(0, args.series // 4, per_push):
                post(port, json.dumps({"providers": [
                    {"provider": f"p{start + i}", "request_total": 1} for i in range(per_push)]}))
            metrics_seconds, metrics_bytes = time_metrics(port)
            series_rss = (rss_bytes(process.pid) - baseline_rss) / args.series
        finally:
            process.terminate()
            process.wait(timeout=20)

    print(f"body: {len(json.dumps(body))} bytes, 100 observations into existing series; "
          f"server pinned to CPU 0 (1 io thread), wrk to CPU 1, {args.seconds}s per row")
    print(f"{'connections':>11} {'pushes/s':>10} {'observations/s':>15} {'p50':>9} {'p99':>9}")
    for connections, rps, obs, p50, p99 in rows:
        print(f"{connections:>11} {rps:>10.0f} {obs:>15.0f} {p50:>9} {p99:>9}")
    print(f"/metrics with {args.series} counter series: median {metrics_seconds * 1000:.0f} ms over 5 scrapes, "
          f"{metrics_bytes / 1e6:.1f} MB; RSS growth {series_rss:.0f} B per series")


if __name__ == "__main__":
    main()
