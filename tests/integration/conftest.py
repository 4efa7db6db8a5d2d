"""Fixtures that start the real syncmond on an ephemeral loopback port and talk HTTP to it."""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

SYNCMOND = os.environ.get("SYNCMOND", "")
SOURCE_DIR = Path(os.environ.get("SYNCMON_SOURCE_DIR", Path(__file__).resolve().parents[2]))
START_TIMEOUT_S = 15


class Daemon:
    """One running syncmond; its stderr is collected in the background."""

    def __init__(self, tmp_path: Path, config_text: str = "", extra_args=(), data_dir=None, on_start=None):
        assert SYNCMOND and Path(SYNCMOND).exists(), "set SYNCMOND to the syncmond binary"
        self.directory = tmp_path
        self.config_text = config_text
        self.extra_args = tuple(extra_args)
        self.on_start = on_start
        self.config_path = tmp_path / "syncmon.yml"
        self.config_path.write_text(config_text)
        self.data_dir = Path(data_dir) if data_dir else tmp_path / "data"
        self.log_lines: list[str] = []
        self.process = subprocess.Popen(
            [SYNCMOND, "--config", str(self.config_path), "--data-dir", str(self.data_dir),
             "--listen", "127.0.0.1:0", *extra_args],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.port = self._wait_for_port()
        self._reader = threading.Thread(target=self._collect_log, daemon=True)
        self._reader.start()
        if on_start:
            on_start(self)

    def restarted(self) -> "Daemon":
        """A new daemon with the same config and data directory (this one must have exited)."""
        assert self.process.poll() is not None, "stop or kill the daemon first"
        return Daemon(self.directory, self.config_text, self.extra_args, self.data_dir, self.on_start)

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line:
                raise RuntimeError("syncmond exited before listening: " + "".join(self.log_lines))
            self.log_lines.append(line)
            match = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            if match:
                return int(match.group(1))
        raise RuntimeError("syncmond did not report its port in time")

    def _collect_log(self):
        for line in self.process.stderr:
            self.log_lines.append(line)

    def connection(self, timeout=10) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None):
        """One request on a fresh connection: (status, headers, body text)."""
        connection = self.connection()
        try:
            payload = body if body is None or isinstance(body, (bytes, str)) else json.dumps(body)
            connection.request(method, path, body=payload, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read().decode("utf-8")
        finally:
            connection.close()

    def push(self, body, path="/api/v1/push"):
        status, _, text = self.request("POST", path, body, {"Content-Type": "application/json"})
        return status, json.loads(text) if text else None

    def metrics(self) -> str:
        status, _, text = self.request("GET", "/metrics")
        assert status == 200
        return text

    def domain_metrics(self) -> str:
        """The syncmon_* lines only: what pushes change."""
        return "\n".join(line for line in self.metrics().splitlines() if line.startswith(("syncmon_", "# HELP syncmon_", "# TYPE syncmon_")))

    def raw_socket(self, timeout=10) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        return sock

    def signal(self, sig=signal.SIGTERM):
        self.process.send_signal(sig)

    def wait(self, timeout=15) -> int:
        return self.process.wait(timeout=timeout)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def start_daemon(tmp_path):
    """Factory: start_daemon(config_text) -> Daemon; every daemon is stopped after the test."""
    started = []

    def start(config_text: str = "", extra_args=(), data_dir=None):
        directory = tmp_path / f"d{len(started)}"
        directory.mkdir()
        return Daemon(directory, config_text, extra_args, data_dir, on_start=started.append)

    yield start
    for daemon in started:
        daemon.stop()


@pytest.fixture
def daemon(start_daemon):
    return start_daemon("")


def sample_value(metrics_text: str, name: str, labels: dict) -> float | None:
    """The value of one sample line, matching the labels exactly (order-insensitive)."""
    for line in metrics_text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        match = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', match.group(3) or ""))
        if found == labels:
            return float(match.group(4))
    return None
