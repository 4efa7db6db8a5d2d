"""docs/openapi.json against the routes the daemon really has, and the document it serves."""

import json
import subprocess

from conftest import SOURCE_DIR, SYNCMOND


def documented_routes(document: dict) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items()
            for method in item if method in ("get", "put", "post", "delete", "patch", "head")}


def test_every_route_is_documented_and_every_documented_route_exists(tmp_path):
    result = subprocess.run([SYNCMOND, "--list-routes", "--data-dir", str(tmp_path), "--listen", "127.0.0.1:0"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    routes = set()
    for line in result.stdout.splitlines():
        method, pattern = line.split(" ", 1)
        routes.add((method, pattern.replace("{grouping*}", "{grouping}")))
    routes.discard(("POST", "/bench/sink"))  # benchmark builds only
    document = json.loads((SOURCE_DIR / "docs" / "openapi.json").read_text())
    assert routes == documented_routes(document), (
        f"in the router only: {sorted(routes - documented_routes(document))}; "
        f"in the document only: {sorted(documented_routes(document) - routes)}")


def test_the_served_document_is_the_one_in_docs(daemon):
    status, headers, text = daemon.request("GET", "/api/v1/openapi.json")
    assert status == 200 and headers["Content-Type"] == "application/json"
    served = json.loads(text)
    assert served == json.loads((SOURCE_DIR / "docs" / "openapi.json").read_text())
    assert served["openapi"].startswith("3.1")


def test_every_operation_documents_its_errors_with_the_error_shape():
    document = json.loads((SOURCE_DIR / "docs" / "openapi.json").read_text())
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert "operationId" in operation, (method, path)
            if operation.get("security"):
                assert "401" in operation["responses"] and "403" in operation["responses"], (method, path)
            for status in operation["responses"]:
                assert status.isdigit(), (method, path, status)
