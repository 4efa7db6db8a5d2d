"""promtool (Debian package prometheus) checks the exposition after representative pushes."""

import subprocess

from test_push import SPEC_EXAMPLE


def test_promtool_finds_no_problem_in_metrics(daemon):
    assert daemon.push(SPEC_EXAMPLE)[0] == 200
    assert daemon.push({"providers": [{"provider": "totvs", "request_total": 2}]})[0] == 200
    # Escapes in label values: a job name with a quote and a backslash, a resource outside ASCII.
    assert daemon.push({"job": 'quote " and \\ backslash', "providers": [{"provider": "sud"}],
                        "connections": [{"connection": "c1", "resource": "süd", "resource_get_time": [0.1]}]})[0] == 200
    assert daemon.push('{"job": 1}')[0] == 400
    text = daemon.metrics()
    result = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "" and result.stderr.strip() == "", result.stdout + result.stderr
    for family in ("syncmon_", "syncmond_http_requests_total", "syncmond_push_rejections_total", "process_cpu_seconds_total"):
        assert family in text
