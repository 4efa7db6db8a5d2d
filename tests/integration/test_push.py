"""Native pushes against the real daemon: aggregation, validation, limits."""

import json

from conftest import SOURCE_DIR, sample_value

# SPEC 3.1's example batch, shared with the unit tests.
SPEC_EXAMPLE = json.loads((SOURCE_DIR / "tests" / "data" / "spec_example.json").read_text())

PROVIDER = {"provider": "vtex", "connection": "loja1-products"}
RESOURCE = {"connection": "loja1-products", "resource": "product"}


def test_two_pushes_add_up_under_the_spec_names(daemon):
    for _ in range(2):
        status, body = daemon.push(SPEC_EXAMPLE)
        assert status == 200
        assert body == {"accepted": {"providers": 1, "connections": 1, "observations": 3 + 1 + 900 + 2}}

    text = daemon.metrics()
    assert sample_value(text, "syncmon_provider_request_total", PROVIDER) == 240
    assert sample_value(text, "syncmon_provider_request_success_total", PROVIDER) == 220
    assert sample_value(text, "syncmon_provider_request_error_400_total", PROVIDER) == 12
    assert sample_value(text, "syncmon_provider_request_error_500_total", PROVIDER) == 8
    assert sample_value(text, "syncmon_provider_request_response_time_seconds_count", PROVIDER) == 6
    assert abs(sample_value(text, "syncmon_provider_request_response_time_seconds_sum", PROVIDER) - 1.02) < 1e-9
    assert sample_value(text, "syncmon_provider_request_response_time_seconds_bucket", {**PROVIDER, "le": "0.25"}) == 4
    assert sample_value(text, "syncmon_connection_resource_get_time_seconds_count", RESOURCE) == 1800
    assert sample_value(text, "syncmon_connection_resource_get_time_seconds_bucket", {**RESOURCE, "le": "0.05"}) == 1000
    assert sample_value(text, "syncmon_connection_resource_index_time_seconds_bucket", {**RESOURCE, "le": "30"}) == 2
    assert sample_value(text, "syncmon_connection_resource_update_time_seconds_count", RESOURCE) == 4
    assert sample_value(text, "syncmon_job_pushes_total", {"job": "loja1-products-sync"}) == 2
    assert sample_value(text, "syncmon_job_last_push_timestamp_seconds", {"job": "loja1-products-sync"}) > 1.7e9
    for family in ("syncmon_provider_request_total", "syncmon_connection_resource_get_time_seconds"):
        assert f"# HELP {family} " in text
    assert "# TYPE syncmon_provider_request_response_time_seconds histogram" in text


def test_webhooks_take_the_entity_from_the_url(daemon):
    status, body = daemon.push({"request_total": 3, "request_success": 3}, "/api/v1/providers/totvs/metrics")
    assert status == 200, body
    status, body = daemon.push({"entries": [{"resource": "price", "resource_create_time": [1.5]},
                                            {"resource": "stock", "resource_delete_time": [0.2]}]},
                               "/api/v1/connections/loja1-prices/metrics")
    assert status == 200, body
    assert body["accepted"] == {"providers": 0, "connections": 2, "observations": 2}
    text = daemon.metrics()
    assert sample_value(text, "syncmon_provider_request_total", {"provider": "totvs"}) == 3
    assert sample_value(text, "syncmon_connection_resource_create_time_seconds_count",
                        {"connection": "loja1-prices", "resource": "price"}) == 1


BAD_BATCHES = [
    # (body, expected path): each must be rejected whole, with nothing applied.
    ('{"providers": [', "$"),
    ({"providers": [{"provider": "vtex", "request_total": 1}, {"provider": "vtex", "request_total": -1}]},
     "$.providers[1].request_total"),
    ({"providers": [{"provider": "vtex", "request_total": 1.5}]}, "$.providers[0].request_total"),
    ({"providers": [{"provider": "vtex", "request_total": 1, "request_success": 2}]}, "$.providers[0]"),
    ({"providers": [{"provider": "vtex", "request_response_time": [0.1, -1]}]},
     "$.providers[0].request_response_time[1]"),
    ({"providers": [{"provider": "vtex", "surprise": 1}]}, "$.providers[0].surprise"),
    ({"connections": [{"connection": "c", "resource": "r",
                       "resource_get_time": {"count": 1, "sum": 0.1, "buckets": {"0.1": 1, "+Inf": 1}}}]},
     "$.connections[0].resource_get_time.buckets"),
    ('{"job": "a", "job": "b"}', "$.job"),
    ('{"job": "a\\u0000b"}', "$.job"),
    (b'{"job": "\xff\xfe"}', "$"),
    ({"job": "x" * 300}, "$.job"),
    ({"time_unit": "minutes"}, "$.time_unit"),
    ('{"providers": [{"provider": "vtex", "request_response_time": [NaN]}]}', "$"),
    ("[]", "$"),
]


def test_each_kind_of_bad_batch_changes_nothing(daemon):
    assert daemon.push(SPEC_EXAMPLE)[0] == 200
    before = daemon.domain_metrics()
    for body, path in BAD_BATCHES:
        status, reply = daemon.push(body)
        assert status == 400, (body, reply)
        assert reply["path"] == path, (body, reply)
        assert reply["error"]
    assert daemon.domain_metrics() == before
    text = daemon.metrics()
    assert sample_value(text, "syncmond_push_rejections_total", {"reason": "invalid"}) >= 10


def test_series_limit_rejects_the_whole_push_with_429(start_daemon):
    daemon = start_daemon("limits: {max_series: 6}\n")
    assert daemon.push({"providers": [{"provider": "a", "request_total": 1}]})[0] == 200
    before = daemon.domain_metrics()
    status, body = daemon.push({"providers": [{"provider": "a", "request_total": 1},
                                              {"provider": "b", "request_total": 1}]})
    assert status == 429
    assert body["path"] == "syncmon_provider_request_total"
    assert daemon.domain_metrics() == before
    # The refused push named provider b: it is not registered either.
    assert daemon.request("GET", "/api/v1/providers/b")[0] == 404
    assert daemon.request("GET", "/api/v1/providers/a")[0] == 200


def test_an_oversized_body_gets_413(start_daemon):
    daemon = start_daemon("limits: {max_body_bytes: 2048}\n")
    status, _, text = daemon.request("POST", "/api/v1/push", "x" * 4096, {"Content-Type": "application/json"})
    assert status == 413
    assert "max_body_bytes" in json.loads(text)["error"]

    # A declared length over the limit is refused before the body is sent.
    sock = daemon.raw_socket()
    sock.sendall(b"POST /api/v1/push HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n")
    reply = sock.recv(4096).decode()
    assert reply.startswith("HTTP/1.1 413")
    sock.close()
    assert daemon.request("GET", "/-/healthy")[0] == 200


def test_an_oversized_head_gets_431(start_daemon):
    daemon = start_daemon("limits: {max_header_bytes: 1024}\n")
    status, _, _ = daemon.request("GET", "/-/healthy", headers={"X-Padding": "y" * 4000})
    assert status == 431


def test_malformed_http_gets_400_and_the_daemon_lives_on(daemon):
    sock = daemon.raw_socket()
    sock.sendall(b"THIS IS NOT HTTP\r\n\r\n")
    assert sock.recv(4096).startswith(b"HTTP/1.1 400")
    sock.close()
    assert daemon.request("GET", "/-/healthy")[0] == 200


def test_registry_labels_from_the_config_file(start_daemon):
    daemon = start_daemon("""
registry:
  partners: [{id: acme, name: ACME}]
  tenants: [{id: loja1, name: Loja 1}]
  providers: [{id: vtex, name: VTEX, partner: acme}, {id: totvs, name: TOTVS, partner: acme}]
  connections: [{id: loja1-products, tenant: loja1, source_provider: totvs, target_provider: vtex,
                 resources: [product], expected_interval: 15m}]
""")
    assert daemon.push(SPEC_EXAMPLE)[0] == 200
    text = daemon.metrics()
    assert sample_value(text, "syncmon_provider_request_total",
                        {**PROVIDER, "partner": "acme", "tenant": "loja1"}) == 120
    assert sample_value(text, "syncmon_connection_resource_get_time_seconds_count",
                        {**RESOURCE, "tenant": "loja1", "source_provider": "totvs", "target_provider": "vtex"}) == 900
