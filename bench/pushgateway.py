#!/usr/bin/env python3
"""Pushgateway compatibility figures (issue 4): text-format pushes of 1,000 grouping keys x 50
series, to syncmond and to the real Pushgateway (default, and with --push.disable-consistency-check),
at concurrency 8 and 64, in one run; and syncmond's push latency with 10k versus 1M series stored.

    python3 bench/pushgateway.py [--seconds 10] [--large 1000000]
"""

import argparse
import tempfile
from pathlib import Path

from benchlib import DEFAULT_BINARY, Pushgateway, Syncmond, put_groups, wrk

GROUPS = 1000


def group_body():
    """About 50 series in 10 families, as a sync job's registry would hold them."""
    lines = []
    for family in range(10):
        name = f"sync_step_{family}_total"
        lines.append(f"# HELP {name} Records handled by step {family}.")
        lines.append(f"# TYPE {name} counter")
        for resource in ("product", "price", "stock", "order", "customer"):
            lines.append(f'{name}{{resource="{resource}",provider="vtex"}} {family * 1000 + len(resource)}')
    return ("\n".join(lines) + "\n").encode()


def measure(port, body_file, seconds, groups):
    rows = []
    for connections in (8, 64):
        rps, p50, p99, non2xx = wrk(port, body_file, connections, seconds, script="groups.lua",
                                    extra_env={"SYNCMON_BENCH_GROUPS": str(groups)})
        assert non2xx == 0, f"{non2xx} pushes failed"
        rows.append((connections, rps, p50, p99))
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--binary", default=str(DEFAULT_BINARY))
    parser.add_argument("--large", type=int, default=1_000_000, help="series stored for the latency comparison")
    args = parser.parse_args()
    body = group_body()
    results = {}
    with tempfile.TemporaryDirectory(dir=Path(DEFAULT_BINARY).parents[1]) as tmp:
        workdir = Path(tmp)
        body_file = workdir / "group.txt"
        body_file.write_bytes(body)
        for mode in ("snapshot", "ack"):
            daemon = Syncmond(args.binary, workdir, f"durability: {mode}\nserver: {{io_threads: 1}}\n",
                              name=f"groups-{mode}")
            daemon.start()
            put_groups(daemon.port, body, GROUPS)
            results[f"syncmond ({mode})"] = measure(daemon.port, body_file, args.seconds, GROUPS)
            daemon.stop()
        for check in (True, False):
            gateway = Pushgateway(workdir, consistency_check=check)
            gateway.start()
            put_groups(gateway.port, body, GROUPS)
            label = "Pushgateway (default)" if check else "Pushgateway (no consistency check)"
            results[label] = measure(gateway.port, body_file, args.seconds, GROUPS)
            gateway.stop()

        # Latency as the store grows: the same pushes into 200 groups with 10k series stored, then
        # with `--large` series stored.
        latency = {}
        daemon = Syncmond(args.binary, workdir,
                          f"durability: snapshot\nserver: {{io_threads: 1}}\nlimits: {{max_series: {args.large * 2}}}\n",
                          name="groups-latency")
        daemon.start()
        stored = 0
        for target in (10_000, args.large):
            groups_needed = target // 50
            put_groups(daemon.port, body, groups_needed - stored // 50, first=stored // 50)
            stored = groups_needed * 50
            daemon.wait_for_snapshot()
            rps, p50, p99, non2xx = wrk(daemon.port, body_file, 8, args.seconds, script="groups.lua",
                                        extra_env={"SYNCMON_BENCH_GROUPS": "200"})
            assert non2xx == 0
            latency[target] = (rps, p50, p99, daemon.rss_bytes())
        daemon.stop()

    print(f"text-format PUTs, {len(body)}-byte bodies of 50 series, {GROUPS} grouping keys held (50k series); "
          f"server on CPU 0, wrk on CPU 1, {args.seconds}s per row")
    print(f"{'server':>36} {'conns':>6} {'pushes/s':>10} {'p50':>9} {'p99':>9}")
    for server, rows in results.items():
        for connections, rps, p50, p99 in rows:
            print(f"{server:>36} {connections:>6} {rps:>10.0f} {p50:>9} {p99:>9}")
    for connections_index, connections in enumerate((8, 64)):
        ours = results["syncmond (snapshot)"][connections_index][1]
        for label in ("Pushgateway (default)", "Pushgateway (no consistency check)"):
            print(f"syncmond (snapshot) / {label} at {connections}: {ours / results[label][connections_index][1]:.1f}x")
    print("syncmond push latency by series stored (8 connections, PUTs into 200 groups):")
    for target, (rps, p50, p99, rss) in latency.items():
        print(f"  {target:>9} series: {rps:>8.0f} pushes/s, p50 {p50}, p99 {p99}, RSS {rss / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
