"""SPEC 3.5 end to end: the series API against the real Prometheus and VictoriaMetrics scraping
syncmond, and its fallback when the backend refuses or never answers."""

import json
import time

import pytest

from peers import BlackHole, FakeBackend, ScrapingBackend, free_port, wait_until

STEP = 5
PUSH_SECONDS = 16
TIMES = [0.3, 0.3, 0.4]  # all in the (0.25, 0.5] bucket: p50, p95 and p99 fall inside it


def get_series(daemon, path):
    started = time.monotonic()
    status, _, text = daemon.request("GET", path)
    assert status == 200, text
    return json.loads(text), time.monotonic() - started


def line(answer, metric, stat=None):
    for item in answer["series"]:
        if item["metric"] == metric and item.get("stat") == stat:
            return item["points"]
    raise AssertionError(f"no {metric} {stat} in {answer}")


@pytest.mark.parametrize("kind", ["prometheus", "victoria-metrics"])
def test_series_from_a_real_backend_match_what_was_pushed(start_daemon, tmp_path, kind):
    backend_port = free_port()
    daemon = start_daemon(f"durability: snapshot\nprometheus: {{url: 'http://127.0.0.1:{backend_port}', timeout: 5s}}\n")
    # The series exist (at zero) before the first scrape, so the backend sees every increase.
    assert daemon.push({"providers": [{"provider": "vtex", "connection": "c1", "request_total": 0,
                                       "request_response_time": []}]})[0] == 200
    scraper = ScrapingBackend(kind, tmp_path, daemon.port, backend_port)
    try:
        wait_until(lambda: scraper.instant('syncmon_provider_request_total{provider="vtex"}'), 30,
                   f"{kind} to scrape syncmond")
        time.sleep(1.5)
        first_push = time.time()
        pushed = 0
        while time.time() - first_push < PUSH_SECONDS:
            assert daemon.push({"providers": [{"provider": "vtex", "connection": "c1", "request_total": 7,
                                               "request_response_time": TIMES}]})[0] == 200
            pushed += 7
            time.sleep(0.25)
        last_push = time.time()
        # Every step that holds a push has ended and has been scraped twice since.
        end = (int(last_push) // STEP + 1) * STEP
        time.sleep(max(0.0, end - time.time()) + 3)
        start = (int(first_push) // STEP) * STEP - STEP
        answer, _ = get_series(daemon, f"/api/v1/providers/vtex/series?metrics=request_total,request_response_time"
                                       f"&start={start}&end={end}&step={STEP}s")
        assert answer["source"] == "prometheus", answer
        assert answer["step"] == STEP and answer["start"] == start and answer["end"] == end
        events = line(answer, "request_total")
        total = sum(value for _, value in events)
        per_step = 7 * STEP / 0.25
        assert abs(total - pushed) <= per_step, (total, pushed, events)
        for stat in ("p50", "p95", "p99"):
            points = line(answer, "request_response_time", stat)
            assert points, f"no {stat} points"
            assert all(0.25 <= value <= 0.5 for _, value in points), (stat, points)
        means = line(answer, "request_response_time", "mean")
        assert all(abs(value - sum(TIMES) / len(TIMES)) < 0.01 for _, value in means), means
        # The same request again comes from the cache.
        again, _ = get_series(daemon, f"/api/v1/providers/vtex/series?metrics=request_total,request_response_time"
                                      f"&start={start}&end={end}&step={STEP}s")
        assert again == answer
        assert "syncmond_proxy_cache_hits_total 1" in daemon.metrics()
    finally:
        scraper.close()


def local_config(url: str, timeout: str = "1s", failures: int = 2, open_for: str = "3s") -> str:
    return (f"history: {{resolution: 1s}}\nprometheus: {{url: '{url}', timeout: {timeout}, "
            f"breaker_failures: {failures}, breaker_open_for: {open_for}, cache_ttl: 0s}}\n")


def push_and_wait_for_history(daemon):
    assert daemon.push({"providers": [{"provider": "vtex", "request_total": 5}]})[0] == 200
    wait_until(lambda: json.loads(daemon.request("GET", "/api/v1/providers/vtex")[2])["summary"]["requests"] == 5,
               10, "the history to take the push")


def test_a_refused_backend_gets_a_local_answer_at_once(start_daemon):
    daemon = start_daemon(local_config(f"http://127.0.0.1:{free_port()}"))
    push_and_wait_for_history(daemon)
    time.sleep(1.1)  # the step that holds the push has ended
    answer, elapsed = get_series(daemon, "/api/v1/providers/vtex/series?metrics=request_total&step=1s"
                                         f"&start={int(time.time()) - 30}")
    assert answer["source"] == "local" and answer["partial"] is True  # the daemon has not run for 30 s
    assert "connect" in answer["backend_error"]
    assert sum(value for _, value in line(answer, "request_total")) == 5
    assert elapsed < 1.0


def test_a_black_holed_backend_answers_within_the_timeout_and_the_breaker_opens_and_closes(start_daemon):
    hole = BlackHole()
    port = hole.port
    daemon = start_daemon(local_config(hole.url, timeout="1s", failures=2, open_for="3s"))
    try:
        push_and_wait_for_history(daemon)
        for _ in range(2):
            answer, elapsed = get_series(daemon, "/api/v1/providers/vtex/series?metrics=request_total")
            assert answer["source"] == "local" and "did not answer within" in answer["backend_error"]
            assert elapsed < 1.0 + 1.0
        # Open: the next answer does not even try the backend.
        answer, elapsed = get_series(daemon, "/api/v1/providers/vtex/series?metrics=request_total")
        assert "circuit breaker is open" in answer["backend_error"] and elapsed < 0.5
        status = json.loads(daemon.request("GET", "/api/v1/status")[2])["data"]["backend"]
        assert status == {"url": hole.url, "reachable": False, "circuit_breaker": "open"}
        assert "syncmond_proxy_breaker_open 1" in daemon.metrics()
    finally:
        hole.close()
    # The backend comes back on the same port; after open_for a trial call closes the breaker.
    backend = FakeBackend(port)
    try:
        time.sleep(3.2)
        answer, _ = get_series(daemon, "/api/v1/providers/vtex/series?metrics=request_total")
        assert answer["source"] == "prometheus"
        status = json.loads(daemon.request("GET", "/api/v1/status")[2])["data"]["backend"]
        assert status["reachable"] is True and status["circuit_breaker"] == "closed"
    finally:
        backend.close()


def test_unknown_entities_are_404_before_any_backend_call(start_daemon):
    backend = FakeBackend()
    daemon = start_daemon(local_config(backend.url))
    try:
        status, _, text = daemon.request("GET", "/api/v1/providers/ghost/series")
        assert status == 404 and json.loads(text)["path"] == "id"
        assert backend.queries == []
        push_and_wait_for_history(daemon)
        backend.answering = False
        answer, _ = get_series(daemon, "/api/v1/providers/vtex/series?metrics=request_total")
        assert answer["source"] == "local" and "HTTP 503" in answer["backend_error"]
    finally:
        backend.close()


def test_shutdown_with_a_backend_call_in_flight_exits_cleanly(start_daemon):
    """The server stops before a black-holed backend call ends (shutdown_timeout < timeout)."""
    import threading
    hole = BlackHole()
    daemon = start_daemon(local_config(hole.url, timeout="3s") + "server: {shutdown_timeout: 500ms}\n")
    try:
        push_and_wait_for_history(daemon)
        outcome = {}

        def ask():
            try:
                outcome["status"] = daemon.request("GET", "/api/v1/providers/vtex/series")[0]
            except Exception as error:  # the connection is closed by the shutdown
                outcome["error"] = error

        asking = threading.Thread(target=ask)
        asking.start()
        time.sleep(0.5)  # the backend call is in flight
        daemon.signal()
        assert daemon.wait(timeout=15) == 0
        asking.join(timeout=10)
        assert outcome
    finally:
        hole.close()
