"""Backends for the series API: a recording fake, a black hole, and the real Prometheus and
VictoriaMetrics, all on loopback and all stopped by their fixtures."""

import http.server
import json
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

MATRIX = {"status": "success", "data": {"resultType": "matrix",
                                        "result": [{"metric": {}, "values": [[1764841200, "1"]]}]}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeBackend:
    """A Prometheus query API that answers every query_range with one point and records the
    PromQL it was sent."""

    def __init__(self, port: int = 0):
        self.queries: list[str] = []
        self.answering = True
        backend = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                parsed = urllib.parse.urlparse(self.path)
                query = urllib.parse.parse_qs(parsed.query).get("query", [""])[0]
                backend.queries.append(query)
                body = json.dumps(MATRIX).encode()
                status = 200 if backend.answering else 503
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class BlackHole:
    """Accepts connections and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.open = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        self.sock.settimeout(0.2)
        while self.open:
            try:
                connection, _ = self.sock.accept()
                self.accepted.append(connection)
            except OSError:
                continue

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self):
        self.open = False
        self.thread.join()
        for connection in self.accepted:
            connection.close()
        self.sock.close()


def wait_until(condition, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def get_json(url: str, timeout: float = 5):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


class ScrapingBackend:
    """The real Prometheus or VictoriaMetrics, scraping one syncmond every second."""

    def __init__(self, kind: str, directory: Path, target_port: int, port: int = 0):
        self.kind = kind
        self.port = port or free_port()
        scrape = directory / f"{kind}-scrape.yml"
        scrape.write_text(
            "global:\n  scrape_interval: 1s\n"
            "scrape_configs:\n  - job_name: syncmond\n    honor_labels: true\n"
            f"    static_configs:\n      - targets: ['127.0.0.1:{target_port}']\n")
        if kind == "prometheus":
            command = ["prometheus", f"--config.file={scrape}", f"--storage.tsdb.path={directory / 'prometheus-data'}",
                       f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"]
        else:
            command = ["victoria-metrics", f"-storageDataPath={directory / 'vm-data'}",
                       f"-httpListenAddr=127.0.0.1:{self.port}", f"-promscrape.config={scrape}",
                       "-search.latencyOffset=0s", "-search.disableCache", "-loggerLevel=WARN"]
        self.log = open(directory / f"{kind}.log", "w")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(self._ready, 30, f"{kind} to start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"{self.kind} exited: {Path(self.log.name).read_text()}")
        try:
            path = "/-/ready" if self.kind == "prometheus" else "/health"
            with urllib.request.urlopen(self.url + path, timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def instant(self, promql: str):
        answer = get_json(self.url + "/api/v1/query?" + urllib.parse.urlencode({"query": promql}))
        return answer["data"]["result"]

    def close(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
