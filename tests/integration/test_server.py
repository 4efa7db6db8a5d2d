"""Connection handling of the real daemon: keep-alive, pipelining, timeouts, caps, shutdown."""

import json
import socket
import subprocess
import time

from conftest import SOURCE_DIR, SYNCMOND, sample_value


def read_responses(sock, count, timeout=5):
    """Reads `count` HTTP responses with Content-Length bodies from a raw socket."""
    sock.settimeout(timeout)
    data = b""
    responses = []
    while len(responses) < count:
        head_end = data.find(b"\r\n\r\n")
        if head_end >= 0:
            head = data[:head_end].decode()
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if len(data) >= head_end + 4 + length:
                responses.append((head, data[head_end + 4:head_end + 4 + length]))
                data = data[head_end + 4 + length:]
                continue
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return responses


def test_keep_alive_and_pipelined_requests_are_answered_in_order(daemon):
    body = json.dumps({"providers": [{"provider": "p", "request_total": 1}]}).encode()
    push = b"POST /api/v1/push HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    sock = daemon.raw_socket()
    sock.sendall(push + b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n" + push)
    responses = read_responses(sock, 3)
    assert [head.split("\r\n")[0] for head, _ in responses] == ["HTTP/1.1 200 OK"] * 3
    assert b"accepted" in responses[0][1] and responses[1][1] == b"OK\n"
    sock.close()
    assert sample_value(daemon.metrics(), "syncmon_provider_request_total", {"provider": "p"}) == 2


def test_a_slow_client_is_cut_off(start_daemon):
    daemon = start_daemon("limits: {request_timeout: 1s}\n")
    sock = daemon.raw_socket()
    sock.sendall(b"POST /api/v1/push HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
    started = time.monotonic()
    sock.settimeout(5)
    try:
        closed = sock.recv(4096) == b""
    except ConnectionResetError:
        closed = True
    elapsed = time.monotonic() - started
    assert closed
    assert 0.8 <= elapsed < 3, elapsed
    assert daemon.request("GET", "/-/healthy")[0] == 200


def test_an_idle_keep_alive_connection_is_closed(start_daemon):
    daemon = start_daemon("limits: {idle_timeout: 1s}\n")
    sock = daemon.raw_socket()
    sock.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
    assert read_responses(sock, 1)[0][0].startswith("HTTP/1.1 200")
    sock.settimeout(5)
    started = time.monotonic()
    assert sock.recv(4096) == b""
    assert time.monotonic() - started < 3


def test_connections_beyond_the_cap_get_503(start_daemon):
    daemon = start_daemon("limits: {max_connections: 2}\n")
    held = [daemon.raw_socket(), daemon.raw_socket()]
    for sock in held:  # make sure both are accepted and counted
        sock.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
        read_responses(sock, 1)
    extra = daemon.raw_socket()
    assert extra.recv(4096).startswith(b"HTTP/1.1 503")
    extra.close()
    for sock in held:
        sock.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        status, _, _ = daemon.request("GET", "/-/healthy")
        if status == 200:
            break
        time.sleep(0.05)
    assert status == 200


def test_sigterm_lets_an_in_flight_push_complete_then_exits_zero(daemon):
    idle = daemon.raw_socket()  # an idle keep-alive connection must not hold up the exit
    body = json.dumps({"providers": [{"provider": "late", "request_total": 7}]}).encode()
    sock = daemon.raw_socket()
    sock.sendall(b"POST /api/v1/push HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:10])
    time.sleep(0.3)
    daemon.signal()
    time.sleep(0.3)
    assert daemon.process.poll() is None, "exited with a push in flight"
    refused = False
    try:
        socket.create_connection(("127.0.0.1", daemon.port), timeout=2).close()
    except OSError:
        refused = True
    assert refused, "still accepting after SIGTERM"
    sock.sendall(body[10:])
    responses = read_responses(sock, 1)
    assert responses[0][0].startswith("HTTP/1.1 200")
    assert "Connection: close" in responses[0][0]
    assert json.loads(responses[0][1])["accepted"]["providers"] == 1
    assert daemon.wait(timeout=10) == 0
    idle.close()


def test_health_ready_and_status(daemon):
    assert daemon.request("GET", "/-/healthy")[:3:2] == (200, "OK\n")
    assert daemon.request("GET", "/-/ready")[0] == 200
    daemon.push({"providers": [{"provider": "p"}]})
    status, headers, text = daemon.request("GET", "/api/v1/status")
    assert status == 200 and headers["Content-Type"] == "application/json"
    reply = json.loads(text)
    assert reply["status"] == "success"
    data = reply["data"]
    assert data["ready"] is True
    assert data["series"] == 4
    assert data["build_information"]["version"]
    assert data["start_time"].endswith("Z")


def test_unknown_routes_and_methods(daemon):
    status, _, text = daemon.request("GET", "/api/v1/nothing")
    assert status == 404 and "error" in json.loads(text)
    status, headers, _ = daemon.request("GET", "/api/v1/push")
    assert status == 405 and headers["Allow"] == "POST"


def test_config_errors_stop_start_up_naming_the_key(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("limits:\n  max_series: lots\n")
    result = subprocess.run([SYNCMOND, "--config", str(bad)], capture_output=True, text=True, timeout=10)
    assert result.returncode == 1
    assert "limits.max_series" in result.stderr

    result = subprocess.run([SYNCMOND, "--check-config", str(bad)], capture_output=True, text=True, timeout=10)
    assert result.returncode == 1 and "limits.max_series" in result.stderr

    result = subprocess.run([SYNCMOND, "--check-config", str(SOURCE_DIR / "config" / "syncmon.yml")],
                            capture_output=True, text=True, timeout=10)
    assert result.returncode == 0, result.stderr

    result = subprocess.run([SYNCMOND, "--listen", "0.0.0.0:0", "--data-dir", str(tmp_path)],
                            capture_output=True, text=True, timeout=10)
    assert result.returncode == 1 and "not a loopback address" in result.stderr

    # A TLS certificate that cannot be loaded stops start-up, naming the key.
    tls = tmp_path / "tls.yml"
    tls.write_text(f"tls:\n  cert_file: {tmp_path}/missing.pem\n  key_file: {tmp_path}/k.pem\n")
    result = subprocess.run([SYNCMOND, "--config", str(tls), "--listen", "127.0.0.1:0", "--data-dir", str(tmp_path)],
                            capture_output=True, text=True, timeout=10)
    assert result.returncode == 1 and "tls.cert_file" in result.stderr

    # A bad role names its key.
    tokens = tmp_path / "tokens.yml"
    tokens.write_text("auth:\n  tokens:\n    - {name: a, sha256: " + "0" * 64 + ", role: boss}\n")
    result = subprocess.run([SYNCMOND, "--check-config", str(tokens)], capture_output=True, text=True, timeout=10)
    assert result.returncode == 1 and "auth.tokens[0].role" in result.stderr

    result = subprocess.run([SYNCMOND, "--version"], capture_output=True, text=True, timeout=10)
    assert result.returncode == 0 and result.stdout.startswith("syncmond ")


def test_systemd_notify_ready_and_stopping(start_daemon, tmp_path):
    """Type=notify: READY=1 once recovery is done and the port is open, STOPPING=1 on SIGTERM."""
    notify_path = str(tmp_path / "notify.sock")
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(notify_path)
    receiver.settimeout(10)
    import os
    os.environ["NOTIFY_SOCKET"] = notify_path
    try:
        daemon = start_daemon("")
    finally:
        del os.environ["NOTIFY_SOCKET"]
    assert receiver.recv(4096) == b"READY=1"
    assert daemon.request("GET", "/-/ready")[0] == 200
    daemon.signal()
    assert receiver.recv(4096) == b"STOPPING=1"
    assert daemon.wait() == 0
    receiver.close()


def test_sighup_reloads_the_config_and_keeps_serving(start_daemon):
    import signal as signals
    daemon = start_daemon("log_level: info\n")
    daemon.config_path.write_text("log_level: debug\n")
    daemon.signal(signals.SIGHUP)
    deadline = time.monotonic() + 5
    while not any("reloaded" in line for line in daemon.log_lines) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any("log_level debug" in line for line in daemon.log_lines)
    # A broken file is refused and the running configuration kept.
    daemon.config_path.write_text("log_level: chatty\n")
    daemon.signal(signals.SIGHUP)
    deadline = time.monotonic() + 5
    while not any("reload refused" in line for line in daemon.log_lines) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any("reload refused" in line and "log_level" in line for line in daemon.log_lines)
    assert daemon.process.poll() is None
    assert daemon.request("GET", "/-/healthy")[0] == 200
