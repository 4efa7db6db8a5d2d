#!/usr/bin/env python3
"""What the registry and the local history cost (issue 5): pushes that each name a provider nobody
registered yet (auto-registration) against the same pushes once the ids are known, one at a time
on one keep-alive connection; then listing them all, and the history's and the process's memory.

    python3 bench/registry.py [--ids 8000] [--binary build/release/syncmond]
"""

import argparse
import http.client
import json
import tempfile
import time
from pathlib import Path

from benchlib import DEFAULT_BINARY, Syncmond


def push_each(port: int, ids: int, prefix: str) -> float:
    """Seconds for `ids` pushes of one provider each, sequentially; bounded by `ids`."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    for i in range(ids):
        body = json.dumps({"providers": [{"provider": f"{prefix}{i}", "request_total": 1}]})
        connection.request("POST", "/api/v1/push", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        assert response.status == 200, response.status
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ids", type=int, default=8000)
    parser.add_argument("--binary", default=str(DEFAULT_BINARY))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        daemon = Syncmond(args.binary, Path(tmp), "durability: snapshot\nserver: {io_threads: 1}\nhistory: {resolution: 1s}\n")
        daemon.start()
        try:
            base_rss = daemon.rss_bytes()
            new_ids = push_each(daemon.port, args.ids, "p")
            known_ids = push_each(daemon.port, args.ids, "p")
            time.sleep(1.5)  # the history closes its interval
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=60)
            connection.request("GET", "/api/v1/providers")
            listing = json.loads(connection.getresponse().read())
            listing_seconds = time.perf_counter() - started
            connection.request("GET", "/metrics")
            metrics = connection.getresponse().read().decode()
            history = next(float(line.split()[1]) for line in metrics.splitlines()
                           if line.startswith("syncmond_history_bytes "))
            rss = daemon.rss_bytes() - base_rss
        finally:
            daemon.stop()
    print(f"{args.ids} pushes naming a new provider each: {new_ids:.2f} s ({args.ids / new_ids:.0f}/s)")
    print(f"{args.ids} pushes naming known providers:      {known_ids:.2f} s ({args.ids / known_ids:.0f}/s)")
    print(f"listing {len(listing['providers'])} providers with summaries: {listing_seconds * 1000:.0f} ms")
    print(f"local history: {history / 1e6:.1f} MB ({history / args.ids:.0f} B per provider); "
          f"RSS growth {rss / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
