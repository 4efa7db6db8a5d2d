"""Durability of the real daemon (SPEC 6): kill -9, SIGTERM, Idempotency-Key, full and read-only
disks, damaged databases."""

import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import SYNCMOND, sample_value

FAST_SNAPSHOTS = "snapshot_interval: 200ms\n"


def counter(daemon, provider):
    return sample_value(daemon.metrics(), "syncmon_provider_request_total", {"provider": provider}) or 0


class Pusher(threading.Thread):
    """Pushes until told to stop or the daemon dies; tallies what was acknowledged."""

    def __init__(self, daemon, provider, deadline):
        super().__init__(daemon=True)
        self.port = daemon.port
        self.provider = provider
        self.deadline = deadline
        self.acknowledged = 0
        self.in_doubt = 0  # sent, but no answer came back
        self.stop = threading.Event()

    def run(self):
        import http.client
        rng = random.Random(self.provider)
        while not self.stop.is_set() and time.monotonic() < self.deadline:
            amount = rng.randint(1, 9)
            body = json.dumps({"job": "crash", "providers": [{"provider": self.provider, "request_total": amount}]})
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("POST", "/api/v1/push", body, {"Content-Type": "application/json"})
                status = connection.getresponse().status
                connection.close()
            except OSError:
                self.in_doubt += amount
                return  # the daemon is gone
            if status == 200:
                self.acknowledged += amount


def test_kill_9_under_concurrent_load_loses_nothing_acknowledged(start_daemon):
    daemon = start_daemon("")
    acknowledged = {f"p{i}": 0 for i in range(6)}
    in_doubt = {name: 0 for name in acknowledged}
    for cycle in range(5):
        deadline = time.monotonic() + 10
        pushers = [Pusher(daemon, name, deadline) for name in acknowledged]
        for pusher in pushers:
            pusher.start()
        time.sleep(0.4 + random.random() * 0.6)
        daemon.process.kill()  # SIGKILL while pushes are in flight
        daemon.process.wait(timeout=10)
        for pusher in pushers:
            pusher.stop.set()
            pusher.join(timeout=10)
            acknowledged[pusher.provider] += pusher.acknowledged
            in_doubt[pusher.provider] += pusher.in_doubt
        daemon = daemon.restarted()
        text = daemon.metrics()
        for name, total in acknowledged.items():
            value = sample_value(text, "syncmon_provider_request_total", {"provider": name}) or 0
            # Every acknowledged push is there; an unanswered one may or may not be.
            assert total <= value <= total + in_doubt[name], (cycle, name, total, value, in_doubt[name])
            acknowledged[name] = value  # the next cycle counts on from what survived
            in_doubt[name] = 0
    assert sum(acknowledged.values()) > 0


def test_sigterm_and_restart_give_byte_identical_domain_families(start_daemon):
    daemon = start_daemon("")
    for i in range(30):
        body = {"job": f"job-{i % 3}", "providers": [{"provider": f"p{i % 5}", "connection": "c", "request_total": i + 1,
                                                      "request_success": i, "request_response_time": [0.01 * i, 0.3]}],
                "connections": [{"connection": f"c{i % 4}", "resource": "product", "resource_get_time": [0.05 * i]}]}
        assert daemon.push(body)[0] == 200
    before = daemon.domain_metrics()
    daemon.signal(signal.SIGTERM)
    assert daemon.wait() == 0
    daemon = daemon.restarted()
    assert daemon.domain_metrics() == before
    # And once more, from the snapshot the second run writes.
    daemon.signal(signal.SIGTERM)
    assert daemon.wait() == 0
    assert daemon.restarted().domain_metrics() == before


def push_with_key(daemon, body, key):
    status, _, text = daemon.request("POST", "/api/v1/push", json.dumps(body),
                                     {"Content-Type": "application/json", "Idempotency-Key": key})
    return status, json.loads(text)


def test_idempotency_key_applies_once_also_after_kill_9(start_daemon):
    daemon = start_daemon("")
    body = {"providers": [{"provider": "once", "request_total": 4}]}
    status, first = push_with_key(daemon, body, "sync-run-1")
    assert status == 200 and "duplicate" not in first
    status, second = push_with_key(daemon, body, "sync-run-1")
    assert status == 200 and second == {**first, "duplicate": True}
    assert counter(daemon, "once") == 4

    daemon.process.kill()
    daemon.process.wait()
    daemon = daemon.restarted()
    status, third = push_with_key(daemon, body, "sync-run-1")
    assert status == 200 and third["duplicate"] is True
    assert counter(daemon, "once") == 4

    assert push_with_key(daemon, body, "sync-run-2")[0] == 200
    assert counter(daemon, "once") == 8

    status, reply = push_with_key(daemon, {"providers": [{"provider": "once", "request_total": 1}]}, "sync-run-2")
    assert status == 422 and reply["path"] == "Idempotency-Key"
    status, reply = push_with_key(daemon, body, "bad key with spaces")
    assert status == 400 and reply["path"] == "Idempotency-Key"
    assert counter(daemon, "once") == 8


def test_a_damaged_database_is_refused_and_left_untouched(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    db = data / "syncmon.db"
    db.write_bytes(b"this is not an SQLite database" * 500)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    result = subprocess.run([SYNCMOND, "--listen", "127.0.0.1:0", "--data-dir", str(data)],
                            capture_output=True, text=True, timeout=20)
    assert result.returncode == 1
    assert "is not a valid syncmon database" in result.stderr and "mv " in result.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_a_database_from_a_newer_version_is_refused_and_left_untouched(start_daemon, tmp_path):
    daemon = start_daemon("")
    assert daemon.push({"providers": [{"provider": "p"}]})[0] == 200
    daemon.signal()
    assert daemon.wait() == 0
    db = daemon.data_dir / "syncmon.db"
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA user_version = 99")
    connection.close()
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    result = subprocess.run([SYNCMOND, "--listen", "127.0.0.1:0", "--data-dir", str(daemon.data_dir)],
                            capture_output=True, text=True, timeout=20)
    assert result.returncode == 1
    assert "newer syncmond (schema version 99" in result.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


class SmallDisk:
    """A tmpfs of its own, so a test can fill it up or turn it read-only (needs root)."""

    def __init__(self, path: Path, size: str):
        self.path = path
        path.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)

    def remount(self, options: str):
        subprocess.run(["mount", "-o", f"remount,{options}", str(self.path)], check=True)

    def unmount(self):
        subprocess.run(["umount", "-l", str(self.path)], check=False)


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root (CI runs as root)")


def wait_for(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@needs_root
@pytest.mark.parametrize("mode", ["ack", "snapshot"])
def test_a_full_disk_refuses_pushes_keeps_reads_and_recovers_by_itself(start_daemon, tmp_path, mode):
    disk = SmallDisk(tmp_path / "small", "600k")
    try:
        daemon = start_daemon(f"durability: {mode}\n{FAST_SNAPSHOTS}", data_dir=disk.path)
        accepted = 0
        refused = None
        # New series every push, so that journal and snapshots need ever more room.
        for i in range(4000):
            body = {"connections": [{"connection": f"c{i}", "resource": f"r{j}", "resource_get_time": [0.1]}
                                    for j in range(20)]}
            status, reply = daemon.push(body)
            if status == 200:
                accepted += 1
                continue
            refused = (status, reply)
            break
        assert refused is not None, "the disk never filled up"
        assert refused[0] == 503 and "retry" in refused[1]["error"], refused
        assert accepted > 0
        # Reads keep working while pushes are refused.
        assert daemon.request("GET", "/-/healthy")[0] == 200
        text = daemon.metrics()
        assert sample_value(text, "syncmond_store_writable", {}) == 0
        status, _, status_text = daemon.request("GET", "/api/v1/status")
        assert status == 200 and json.loads(status_text)["data"]["store_writable"] is False

        disk.remount("size=64m")
        assert wait_for(lambda: daemon.push({"providers": [{"provider": "after"}]})[0] == 200), \
            "pushes were not accepted again once the disk had room"
        assert sample_value(daemon.metrics(), "syncmond_store_writable", {}) == 1
        daemon.signal()
        assert daemon.wait() == 0
        daemon = daemon.restarted()
        assert sample_value(daemon.metrics(), "syncmon_provider_request_total", {"provider": "after"}) == 0
        assert "provider=\"after\"" in daemon.metrics()
        daemon.stop()
    finally:
        disk.unmount()


def test_a_read_only_data_dir_refuses_pushes_keeps_reads_and_recovers_by_itself(start_daemon, tmp_path):
    """Linux will not remount a filesystem read-only under a process that holds files open for
    writing, so tests/fault/readonly_shim.c gives syncmond what such a filesystem would: EROFS on
    every write under the data directory while a flag file exists."""
    shim = os.environ.get("SYNCMON_READONLY_SHIM", "")
    assert shim and Path(shim).exists(), "SYNCMON_READONLY_SHIM must name the built shim"
    data = tmp_path / "data"
    flag = tmp_path / "read-only"
    os.environ.update(LD_PRELOAD=shim, SYNCMON_FAULT_DIR=str(data), SYNCMON_FAULT_FLAG=str(flag))
    try:
        daemon = start_daemon(FAST_SNAPSHOTS, data_dir=data)
    finally:
        for name in ("LD_PRELOAD", "SYNCMON_FAULT_DIR", "SYNCMON_FAULT_FLAG"):
            os.environ.pop(name)
    assert daemon.push({"providers": [{"provider": "before", "request_total": 1}]})[0] == 200
    flag.touch()
    status, reply = daemon.push({"providers": [{"provider": "during", "request_total": 1}]})
    assert status == 503 and "journal could not be written" in reply["error"], reply
    assert daemon.request("GET", "/-/healthy")[0] == 200
    assert counter(daemon, "before") == 1
    assert "provider=\"during\"" not in daemon.metrics()
    assert sample_value(daemon.metrics(), "syncmond_store_writable", {}) == 0
    flag.unlink()
    assert wait_for(lambda: daemon.push({"providers": [{"provider": "after", "request_total": 1}]})[0] == 200)
    daemon.process.kill()
    daemon.process.wait()
    daemon = daemon.restarted()
    assert counter(daemon, "before") == 1 and counter(daemon, "after") == 1
    assert "provider=\"during\"" not in daemon.metrics()
