"""The shipped Prometheus artifacts fit what syncmond exposes: every metric the Grafana dashboard
and the alert rules query exists on /metrics after a representative push, and promtool accepts
the rules and passes their unit tests."""

import json
import re
import subprocess

from conftest import SOURCE_DIR
from test_push import SPEC_EXAMPLE

# Metric names in a PromQL expression: identifiers not followed by '(' (functions) and not label
# names or keywords inside {...} or by (...).
IDENTIFIER = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
NOT_METRICS = {"sum", "by", "rate", "histogram_quantile", "time", "and", "or", "le", "provider", "connection",
               "resource", "job", "instance", "reason", "route", "code", "up", "__rate_interval"}


def metric_names(expr):
    without_labels = re.sub(r"\{[^}]*\}", "", expr)
    without_grouping = re.sub(r"\bby \([^)]*\)", "", without_labels)
    without_ranges = re.sub(r"\[[^\]]*\]", "", without_grouping)
    names = set()
    for match in IDENTIFIER.finditer(without_ranges):
        name = match.group(0)
        following = without_ranges[match.end():match.end() + 1]
        if following == "(" or name in NOT_METRICS or name.startswith("$"):
            continue
        names.add(name)
    return names


def exposed_names(text):
    return {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line and not line.startswith("#")}


def representative_state(daemon):
    assert daemon.push(SPEC_EXAMPLE)[0] == 200
    assert daemon.push({"connections": [{"connection": "c", "resource": "r", "resource_create_time": [1],
                                         "resource_delete_time": [1], "resource_get_time": [1]}]})[0] == 200
    assert daemon.push({"job": 1})[0] == 400  # a rejection, so its counter exists
    status, _, _ = daemon.request("PUT", "/metrics/job/batch", "done 1\n")
    assert status == 200
    return exposed_names(daemon.metrics())


def test_every_metric_the_dashboard_queries_exists(daemon):
    dashboard = json.loads((SOURCE_DIR / "config" / "grafana-dashboard.json").read_text())
    queried = set()
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            queried |= metric_names(target["expr"])
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            queried |= metric_names(variable["query"].replace("label_values", "f"))
    exposed = representative_state(daemon)
    # `up` is Prometheus' own; everything else must come from syncmond.
    missing = sorted(queried - exposed)
    assert not missing, missing
    assert len(queried) >= 20


def test_every_metric_the_alert_rules_query_exists(daemon):
    rules = (SOURCE_DIR / "config" / "syncmon-alerts.yml").read_text()
    queried = set()
    for expr in re.findall(r"expr: \|\n((?:\s{10,}.*\n)+)|expr: (.*)\n", rules):
        queried |= metric_names(" ".join(expr))
    exposed = representative_state(daemon)
    missing = sorted(queried - exposed)
    assert not missing, missing
    assert "syncmon_provider_request_total" in queried


def test_promtool_checks_and_unit_tests_the_alert_rules():
    check = subprocess.run(["promtool", "check", "rules", str(SOURCE_DIR / "config" / "syncmon-alerts.yml")],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    test = subprocess.run(["promtool", "test", "rules", str(SOURCE_DIR / "tests" / "rules" / "syncmon-alerts_test.yml")],
                          capture_output=True, text=True, timeout=60)
    assert test.returncode == 0, test.stdout + test.stderr
    assert "SUCCESS" in test.stdout
