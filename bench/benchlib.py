"""Shared pieces of the syncmon benchmarks: start syncmond pinned to CPU 0, drive it with wrk
pinned to CPU 1, read figures. Loopback only; every load is bounded in time."""

import json
import os
import re
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BINARY = ROOT / "build" / "release" / "syncmond"


class Syncmond:
    def __init__(self, binary, workdir: Path, config_text: str, name="syncmond"):
        self.binary = binary
        self.workdir = workdir
        self.config = workdir / f"{name}.yml"
        self.config.write_text(config_text)
        self.data_dir = workdir / f"{name}-data"
        self.log_path = workdir / f"{name}.log"
        self.process = None
        self.port = None

    def start(self):
        """Starts and returns the seconds from exec to a listening port (recovery included)."""
        started = time.perf_counter()
        self.log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            ["taskset", "-c", "0", str(self.binary), "--config", str(self.config), "--data-dir", str(self.data_dir),
             "--listen", "127.0.0.1:0", "--log-level", "info"],
            stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for line in self.log_path.read_text().splitlines()[::-1]:
                match = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
                if match and self.process.poll() is None:
                    self.port = int(match.group(1))
                    elapsed = time.perf_counter() - started
                    if self._listening():
                        return elapsed
            if self.process.poll() is not None:
                raise RuntimeError(f"syncmond exited: {self.log_path.read_text()[-2000:]}")
            time.sleep(0.005)
        raise RuntimeError("syncmond did not start")

    def _listening(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/healthy", timeout=5):
                return True
        except OSError:
            return False

    def recovery_seconds(self):
        """What the daemon itself logged for its last recovery."""
        found = re.findall(r"recovered .* in ([\d.]+) s", self.log_path.read_text())
        return float(found[-1]) if found else None

    def wait_for_snapshot(self, timeout=60):
        """Waits until a snapshot that started after this call is written: what a fill changed is
        then on disk, and the measurement that follows does not share the CPU with writing it.
        The first snapshot to finish may have started before the call, so two are awaited."""
        def last_snapshot():
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/status", timeout=10) as response:
                return json.loads(response.read())["data"]["last_snapshot"]
        seen = last_snapshot()
        changes = 0
        deadline = time.monotonic() + timeout
        while changes < 2:
            if time.monotonic() > deadline:
                raise RuntimeError("no snapshot was written in time")
            time.sleep(0.1)
            now = last_snapshot()
            if now != seen:
                seen, changes = now, changes + 1

    def stop(self, sig="TERM"):
        if self.process and self.process.poll() is None:
            if sig == "KILL":
                self.process.kill()
            else:
                self.process.terminate()
            self.process.wait(timeout=120)
        self.log.close()

    def post(self, body, path="/api/v1/push"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200, response.status

    def rss_bytes(self):
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0


class Pushgateway:
    """The real Pushgateway (Debian package prometheus-pushgateway), pinned to CPU 0."""

    def __init__(self, workdir: Path, consistency_check=True):
        self.workdir = workdir
        self.consistency_check = consistency_check
        self.process = None
        self.port = None

    def start(self):
        import socket
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        args = ["taskset", "-c", "0", "/usr/bin/prometheus-pushgateway", f"--web.listen-address=127.0.0.1:{self.port}",
                "--persistence.file=", "--log.level=error"]
        if not self.consistency_check:
            args.append("--push.disable-consistency-check")
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the Pushgateway did not start")

    def wait_for_snapshot(self, timeout=60):
        """Waits until a snapshot started after this call is written: what a fill changed is then on
        disk, and a measurement that follows does not share the CPU with writing it."""
        def last_snapshot():
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/status", timeout=10) as response:
                return json.loads(response.read())["data"]["last_snapshot"]
        before = last_snapshot()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(0.2)
            if last_snapshot() != before:
                # The one in progress when we asked may just have finished; the next holds the fill.
                if before is None:
                    return
                before, deadline = None, time.monotonic() + timeout
                while time.monotonic() < deadline and last_snapshot() is None:
                    time.sleep(0.2)
                return
        raise RuntimeError("no snapshot was written in time")

    def stop(self, sig="TERM"):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)

    def rss_bytes(self):
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0


def put_groups(port, body: bytes, groups: int, first: int = 0, prefix="bench"):
    """PUTs `body` to groups first..first+groups-1 over one kept-alive connection."""
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for n in range(first, first + groups):
        connection.request("PUT", f"/metrics/job/{prefix}/instance/{n}", body,
                           {"Content-Type": "text/plain; version=0.0.4"})
        response = connection.getresponse()
        response.read()
        assert response.status in (200, 202), response.status
    connection.close()


def wrk(port, body_file: Path, connections: int, seconds: int, path="/api/v1/push", script="push.lua",
        extra_env=None):
    """Runs wrk on CPU 1; returns requests/s, p50 and p99 latency (text), and non-2xx count."""
    env = dict(os.environ, SYNCMON_BENCH_BODY=str(body_file), SYNCMON_BENCH_PATH=path, **(extra_env or {}))
    threads = 1 if connections < 2 else 2
    result = subprocess.run(
        ["taskset", "-c", "1", "wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency",
         "-s", str(ROOT / "bench" / script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, env=env, timeout=seconds + 60)
    out = result.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = int(re.search(r"non2xx=(\d+)", out).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    return rps, latency.get("50"), latency.get("99"), non2xx


def fill_counter_series(daemon: Syncmond, series: int, per_push: int = 250, prefix="p"):
    """Creates `series` counter series: provider entries of 4 counters each, `per_push` per push."""
    providers = series // 4
    for start in range(0, providers, per_push):
        daemon.post({"providers": [{"provider": f"{prefix}{start + i}", "request_total": 1}
                                   for i in range(min(per_push, providers - start))]})


def time_metrics(port, runs=3):
    """Median seconds of `runs` scrapes of /metrics, and the size of the last one."""
    import statistics
    times, size = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=120) as response:
            size = len(response.read())
        times.append(time.perf_counter() - started)
    return statistics.median(times), size
