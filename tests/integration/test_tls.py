"""Optional TLS on the listener (SPEC 4): HTTPS with the configured certificate, nothing in plain."""

import http.client
import json
import ssl
import subprocess

import pytest


@pytest.fixture
def certificate(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def test_https_serves_the_api_and_plain_http_gets_nothing(start_daemon, certificate):
    cert, key = certificate
    daemon = start_daemon(f"tls: {{cert_file: '{cert}', key_file: '{key}'}}\n")
    assert any("(TLS)" in line for line in daemon.log_lines)
    context = ssl.create_default_context(cafile=str(cert))
    connection = http.client.HTTPSConnection("127.0.0.1", daemon.port, context=context, timeout=10)
    try:
        connection.request("POST", "/api/v1/push", json.dumps({"providers": [{"provider": "vtex", "request_total": 2}]}))
        response = connection.getresponse()
        assert response.status == 200
        response.read()
        connection.request("GET", "/metrics")  # the same kept-alive TLS connection
        response = connection.getresponse()
        assert response.status == 200
        assert 'syncmon_provider_request_total{provider="vtex"} 2' in response.read().decode()
    finally:
        connection.close()

    plain = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=5)
    with pytest.raises((http.client.HTTPException, ConnectionError, OSError)):
        plain.request("GET", "/-/healthy")
        plain.getresponse()
    plain.close()

    # A client that does not trust the certificate is refused by its own TLS stack.
    untrusting = http.client.HTTPSConnection("127.0.0.1", daemon.port, context=ssl.create_default_context(), timeout=5)
    with pytest.raises(ssl.SSLError):
        untrusting.request("GET", "/-/healthy")
    untrusting.close()
    # And the daemon keeps serving.
    connection = http.client.HTTPSConnection("127.0.0.1", daemon.port, context=context, timeout=10)
    connection.request("GET", "/-/healthy")
    assert connection.getresponse().status == 200
    connection.close()
