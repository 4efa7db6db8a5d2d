"""SPEC 4 end to end: every route against every kind of caller, tenant isolation, and ids that
try to break out of the PromQL or the path."""

import base64
import hashlib
import json
import signal
import urllib.parse

import pytest

from peers import FakeBackend, wait_until

TOKENS = {
    "admin": ("platform", "admin"),
    "tenant_a": ("loja1-portal", "tenant:loja1"),
    "tenant_b": ("loja2-portal", "tenant:loja2"),
    "partner": ("acme-portal", "partner:acme"),
    "push": ("loja1-jobs", "push"),
}
SECRETS = {who: f"secret-of-{who}" for who in TOKENS}
CALLERS = ["none", "unknown", "admin", "tenant_a", "tenant_b", "partner", "push"]


def access_config(backend_url: str, extra_tokens: str = "") -> str:
    lines = [f"prometheus: {{url: \"{backend_url}\", timeout: 2s}}", "history: {resolution: 1s}", "auth:", "  tokens:"]
    for who, (name, role) in TOKENS.items():
        digest = hashlib.sha256(SECRETS[who].encode()).hexdigest()
        scope = ', scope: ["connection:loja1-products", "provider:vtex"]' if who == "push" else ""
        lines.append(f'    - {{name: {name}, sha256: "{digest}", role: "{role}"{scope}}}')
    lines.append(extra_tokens)
    lines.append("""registry:
  partners: [{id: acme, name: ACME}, {id: beta, name: Beta}]
  tenants: [{id: loja1, name: Loja 1}, {id: loja2, name: Loja 2}]
  providers: [{id: vtex, partner: acme}, {id: totvs, partner: acme}, {id: omie, partner: beta}]
  connections:
    - {id: loja1-products, tenant: loja1, source_provider: totvs, target_provider: vtex, resources: [product]}
    - {id: loja2-orders, tenant: loja2, source_provider: omie, target_provider: vtex, resources: [order]}
""")
    return "\n".join(lines)


def headers_for(caller: str) -> dict:
    if caller == "none":
        return {}
    if caller == "unknown":
        return {"Authorization": "Bearer not-a-configured-token"}
    return {"Authorization": f"Bearer {SECRETS[caller]}"}


@pytest.fixture
def backend():
    fake = FakeBackend()
    yield fake
    fake.close()


@pytest.fixture
def guarded(start_daemon, backend):
    return start_daemon(access_config(backend.url))


PUSH_LOJA1 = {"providers": [{"provider": "vtex", "connection": "loja1-products", "request_total": 1}]}
PUSH_LOJA2 = {"connections": [{"connection": "loja2-orders", "resource": "order", "resource_get_time": [0.1]}]}
GROUP = "a_metric 1\n"

OPEN = {c: 200 for c in CALLERS}
READ = {"none": 401, "unknown": 401, "admin": 200, "tenant_a": 200, "tenant_b": 200, "partner": 200, "push": 403}
ADMIN_ONLY = {"none": 401, "unknown": 401, "tenant_a": 403, "tenant_b": 403, "partner": 403, "push": 403}


def scoped(**overrides):
    return {**READ, **overrides}


# (method, route pattern, concrete path, body, expected status per caller)
MATRIX = [
    ("GET", "/-/healthy", "/-/healthy", None, OPEN),
    ("GET", "/-/ready", "/-/ready", None, OPEN),
    ("GET", "/metrics", "/metrics", None, OPEN),
    ("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", None, OPEN),
    ("GET", "/api/v1/status", "/api/v1/status", None, READ),
    ("GET", "/api/v1/providers", "/api/v1/providers", None, READ),
    ("GET", "/api/v1/providers/{id}", "/api/v1/providers/vtex", None, READ),
    ("GET", "/api/v1/providers/{id}", "/api/v1/providers/totvs", None, scoped(tenant_b=403)),
    ("GET", "/api/v1/providers/{id}", "/api/v1/providers/omie", None, scoped(tenant_a=403, partner=403)),
    ("PUT", "/api/v1/providers/{id}", "/api/v1/providers/shopify", {"partner": "acme"}, {**ADMIN_ONLY, "admin": 201}),
    ("DELETE", "/api/v1/providers/{id}", "/api/v1/providers/ghost", None, {**ADMIN_ONLY, "admin": 404}),
    ("GET", "/api/v1/providers/{id}/series", "/api/v1/providers/vtex/series", None, READ),
    ("GET", "/api/v1/providers/{id}/series", "/api/v1/providers/omie/series", None,
     scoped(tenant_a=403, partner=403)),
    ("POST", "/api/v1/providers/{provider}/metrics", "/api/v1/providers/vtex/metrics",
     {"entries": [{"request_total": 1}]},
     {"none": 401, "unknown": 401, "admin": 200, "tenant_a": 403, "tenant_b": 403, "partner": 403, "push": 200}),
    ("GET", "/api/v1/connections", "/api/v1/connections", None, READ),
    ("GET", "/api/v1/connections/{id}", "/api/v1/connections/loja1-products", None,
     scoped(tenant_b=403, partner=403)),
    ("PUT", "/api/v1/connections/{id}", "/api/v1/connections/loja1-stock", {"tenant": "loja1"},
     {**ADMIN_ONLY, "admin": 201}),
    ("DELETE", "/api/v1/connections/{id}", "/api/v1/connections/ghost", None, {**ADMIN_ONLY, "admin": 404}),
    ("GET", "/api/v1/connections/{id}/series", "/api/v1/connections/loja2-orders/series", None,
     scoped(tenant_a=403, partner=403)),
    ("POST", "/api/v1/connections/{connection}/metrics", "/api/v1/connections/loja2-orders/metrics",
     {"entries": [{"resource": "order", "resource_get_time": [0.1]}]},
     {"none": 401, "unknown": 401, "admin": 200, "tenant_a": 403, "tenant_b": 403, "partner": 403, "push": 403}),
    ("POST", "/api/v1/push", "/api/v1/push", PUSH_LOJA1,
     {"none": 401, "unknown": 401, "admin": 200, "tenant_a": 403, "tenant_b": 403, "partner": 403, "push": 200}),
    ("POST", "/api/v1/push", "/api/v1/push", PUSH_LOJA2,
     {"none": 401, "unknown": 401, "admin": 200, "tenant_a": 403, "tenant_b": 403, "partner": 403, "push": 403}),
    ("PUT", "/metrics/{grouping*}", "/metrics/job/matrix", GROUP,
     {"none": 401, "unknown": 401, "admin": 200, "tenant_a": 403, "tenant_b": 403, "partner": 403, "push": 403}),
    ("POST", "/metrics/{grouping*}", "/metrics/job/matrix", GROUP,
     {"none": 401, "unknown": 401, "admin": 200, "tenant_a": 403, "tenant_b": 403, "partner": 403, "push": 403}),
    ("DELETE", "/metrics/{grouping*}", "/metrics/job/matrix", None,
     {"none": 401, "unknown": 401, "admin": 202, "tenant_a": 403, "tenant_b": 403, "partner": 403, "push": 403}),
    ("GET", "/api/v1/metrics", "/api/v1/metrics", None, {**ADMIN_ONLY, "admin": 200}),
    ("PUT", "/api/v1/admin/wipe", "/api/v1/admin/wipe", None, {**ADMIN_ONLY, "admin": 202}),
]


def test_every_route_answers_every_caller_as_the_spec_says(guarded):
    failures = []
    for method, _, path, body, expected in MATRIX:
        for caller in CALLERS:
            payload = body if body is None or isinstance(body, str) else json.dumps(body)
            status, headers, text = guarded.request(method, path, payload, headers_for(caller))
            if status != expected[caller]:
                failures.append(f"{method} {path} as {caller}: {status} (expected {expected[caller]}) {text[:120]}")
            if status == 401:
                assert "Bearer" in headers.get("WWW-Authenticate", "")
                assert json.loads(text)["path"] == "Authorization"
            if status == 403:
                assert json.loads(text)["error"]
    assert not failures, "\n".join(failures)


def test_the_matrix_covers_every_documented_route(guarded):
    status, _, text = guarded.request("GET", "/api/v1/openapi.json")
    assert status == 200
    documented = {(method.upper(), path) for path, item in json.loads(text)["paths"].items()
                  for method in item if method in ("get", "put", "post", "delete")}
    tested = {(method, pattern.replace("{grouping*}", "{grouping}")) for method, pattern, *_ in MATRIX}
    assert documented == tested


def test_basic_auth_carries_the_token_as_password(guarded):
    credentials = base64.b64encode(f"any-user:{SECRETS['push']}".encode()).decode()
    status, _ = guarded.request("POST", "/api/v1/push", json.dumps(PUSH_LOJA1),
                                {"Authorization": f"Basic {credentials}"})[:2]
    assert status == 200


def test_a_tenant_never_sees_another_tenants_entities(guarded):
    for caller, mine, theirs in (("tenant_a", {"loja1-products"}, {"loja2-orders"}),
                                 ("tenant_b", {"loja2-orders"}, {"loja1-products"})):
        status, _, text = guarded.request("GET", "/api/v1/connections", None, headers_for(caller))
        assert status == 200
        assert {c["id"] for c in json.loads(text)["connections"]} == mine
        status, _, text = guarded.request("GET", "/api/v1/providers", None, headers_for(caller))
        providers = {p["id"] for p in json.loads(text)["providers"]}
        assert providers == ({"totvs", "vtex"} if caller == "tenant_a" else {"omie", "vtex"})
        for connection in theirs:
            assert guarded.request("GET", f"/api/v1/connections/{connection}/series", None,
                                   headers_for(caller))[0] == 403
    status, _, text = guarded.request("GET", "/api/v1/providers", None, headers_for("partner"))
    assert {p["id"] for p in json.loads(text)["providers"]} == {"totvs", "vtex"}


HOSTILE_IDS = ['vtex"} or up{x="', "a{b}", ".*", "vtex|omie", "sum(up)", "../../etc/passwd", "..", "%00",
               "vtex\nx", "a'b", "vtex)", "x" * 200]


def test_hostile_ids_and_parameters_never_reach_the_backend(guarded, backend):
    admin = headers_for("admin")
    for hostile in HOSTILE_IDS:
        encoded = urllib.parse.quote(hostile, safe="")
        for kind in ("providers", "connections"):
            status, _, text = guarded.request("GET", f"/api/v1/{kind}/{encoded}/series", None, admin)
            assert status in (400, 404), (hostile, status, text)
            status, _, _ = guarded.request("GET", f"/api/v1/{kind}/{encoded}", None, admin)
            assert status in (400, 404)
            status, _, _ = guarded.request("PUT", f"/api/v1/{kind}/{encoded}", "{}", admin)
            assert status in (400, 404)
        status, _, text = guarded.request("GET", "/api/v1/connections/loja1-products/series?resource="
                                          + urllib.parse.quote(hostile, safe=""), None, admin)
        assert status == 400 and json.loads(text)["path"] == "resource"
        status, _, text = guarded.request("GET", "/api/v1/providers/vtex/series?metrics="
                                          + urllib.parse.quote(hostile, safe=""), None, admin)
        assert status == 400 and json.loads(text)["path"] == "metrics"
    assert backend.queries == []
    # A legitimate request does reach it, with the ids quoted as PromQL strings.
    status, _, text = guarded.request("GET", "/api/v1/connections/loja1-products/series?resource=product", None, admin)
    assert status == 200 and json.loads(text)["source"] == "prometheus"
    assert backend.queries and all('connection="loja1-products"' in q for q in backend.queries)


def test_admin_changes_persist_and_sighup_reloads_registry_and_tokens(guarded, backend):
    admin = headers_for("admin")
    status, _, text = guarded.request("PUT", "/api/v1/providers/shopify", json.dumps({"name": "Shopify", "partner": "acme"}), admin)
    assert status == 201 and json.loads(text)["origin"] == "api"
    # The registry labels of exported series follow API entities too, on the next scrape.
    assert guarded.request("POST", "/api/v1/push", json.dumps({"providers": [{"provider": "shopify",
                                                                              "request_total": 1}]}), admin)[0] == 200
    metrics = guarded.request("GET", "/metrics")[2]
    assert 'syncmon_provider_request_total{provider="shopify",partner="acme"} 1' in metrics
    assert guarded.request("PUT", "/api/v1/providers/shopify", json.dumps({"name": "Shopify 2"}), admin)[0] == 200
    # Replaced without a partner: the label goes with it.
    assert 'syncmon_provider_request_total{provider="shopify"} 1' in guarded.request("GET", "/metrics")[2]
    status, _, text = guarded.request("PUT", "/api/v1/connections/loja1-stock",
                                      json.dumps({"tenant": "loja1", "source_provider": "shopify",
                                                  "target_provider": "vtex", "expected_interval": "5m"}), admin)
    assert status == 201, text
    # A config entity cannot be changed through the API; a used provider cannot go.
    assert guarded.request("PUT", "/api/v1/providers/vtex", "{}", admin)[0] == 409
    assert guarded.request("DELETE", "/api/v1/providers/shopify", None, admin)[0] == 409
    status, _, text = guarded.request("PUT", "/api/v1/connections/bad", json.dumps({"tenant": "nobody"}), admin)
    assert status == 400 and json.loads(text)["path"] == "$.tenant"

    guarded.stop()
    again = guarded.restarted()
    status, _, text = again.request("GET", "/api/v1/providers/shopify", None, admin)
    assert status == 200 and json.loads(text)["name"] == "Shopify 2"
    status, _, text = again.request("GET", "/api/v1/connections/loja1-stock", None, headers_for("tenant_a"))
    assert status == 200 and json.loads(text)["expected_interval"] == "5m"
    assert again.request("DELETE", "/api/v1/connections/loja1-stock", None, admin)[0] == 204
    assert again.request("DELETE", "/api/v1/providers/shopify", None, admin)[0] == 204
    assert again.request("GET", "/api/v1/providers/shopify", None, admin)[0] == 404

    # SIGHUP: a new token and a new provider apply without a restart; a removed token stops working.
    new_digest = hashlib.sha256(b"fresh-token").hexdigest()
    text = access_config(backend.url, f'    - {{name: fresh, sha256: "{new_digest}", role: admin}}')
    text = text.replace("{id: omie, partner: beta}", "{id: omie, partner: beta}, {id: magalu, partner: beta}")
    text = "\n".join(line for line in text.splitlines() if "loja2-portal" not in line)
    again.config_path.write_text(text)
    again.signal(signal.SIGHUP)
    wait_until(lambda: again.request("GET", "/api/v1/providers/magalu", None, admin)[0] == 200, 10, "the reload")
    assert again.request("GET", "/api/v1/status", None, {"Authorization": "Bearer fresh-token"})[0] == 200
    assert again.request("GET", "/api/v1/status", None, headers_for("tenant_b"))[0] == 401


def test_auto_register_off_refuses_unknown_ids_with_their_path(start_daemon):
    daemon = start_daemon("registry:\n  auto_register: false\n  providers: [{id: vtex}]\n")
    assert daemon.push({"providers": [{"provider": "vtex", "request_total": 1}]})[0] == 200
    status, body = daemon.push({"providers": [{"provider": "vtex", "request_total": 1},
                                              {"provider": "ghost", "request_total": 1}]})
    assert status == 400 and body["path"] == "$.providers[1].provider"
    assert daemon.push({"entries": [{"request_total": 1}]}, "/api/v1/providers/ghost/metrics")[1]["path"] == "provider"
    # Nothing of the refused batch was applied.
    assert 'provider="ghost"' not in daemon.metrics()


def test_listings_show_auto_registered_entities_with_summary_and_health(start_daemon):
    daemon = start_daemon("history: {resolution: 1s}\n")
    assert daemon.push({"providers": [{"provider": "erp", "connection": "job1", "request_total": 10,
                                       "request_success": 4, "request_error_500": 6,
                                       "request_response_time": [0.2, 0.3]}]})[0] == 200

    def summary():
        status, _, text = daemon.request("GET", "/api/v1/providers/erp?window=10m")
        assert status == 200
        return json.loads(text)

    wait_until(lambda: summary()["summary"]["requests"] == 10, 10, "the history to take the push")
    provider = summary()
    assert provider["origin"] == "push" and provider["health"] == "down"
    assert provider["summary"]["success_ratio"] == pytest.approx(0.4)
    assert provider["summary"]["errors_5xx"] == 6
    assert 0.25 <= provider["summary"]["p95_response_time_seconds"] <= 0.5
    status, _, text = daemon.request("GET", "/api/v1/connections")
    assert [c["id"] for c in json.loads(text)["connections"]] == ["job1"]
    status, _, text = daemon.request("GET", "/api/v1/providers?window=soon")
    assert status == 400 and json.loads(text)["path"] == "window"


def test_protect_metrics_puts_metrics_behind_a_reading_token(start_daemon, backend):
    daemon = start_daemon(access_config(backend.url).replace("auth:\n", "auth:\n  protect_metrics: true\n"))
    assert daemon.request("GET", "/metrics")[0] == 401
    assert daemon.request("GET", "/metrics", None, headers_for("push"))[0] == 403
    status, _, text = daemon.request("GET", "/metrics", None, headers_for("tenant_a"))
    assert status == 200 and "syncmond_http_requests_total" in text
    assert daemon.request("GET", "/-/healthy")[0] == 200
    # Refused pushes are counted by reason.
    daemon.request("POST", "/api/v1/push", "{}", {})
    daemon.request("POST", "/api/v1/push", "{}", headers_for("partner"))
    text = daemon.request("GET", "/metrics", None, headers_for("admin"))[2]
    assert 'syncmond_push_rejections_total{reason="unauthorized"} 1' in text
    assert 'syncmond_push_rejections_total{reason="forbidden"} 1' in text
