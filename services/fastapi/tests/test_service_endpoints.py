from __future__ import annotations

from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


def test_health_reports_status_service_and_build_version(client: TestClient) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "fastapi", "version": "abc123"}


def test_root_describes_the_service_and_its_endpoints(client: TestClient) -> None:
    body = client.get("/").json()

    assert body["service"] == "fastapi"
    assert body["version"] == "abc123"
    assert body["docs"] == "/docs"
    assert "POST /compute/statistics" in body["endpoints"]


def test_openapi_and_docs_carry_the_gateway_prefix_when_root_path_is_set() -> None:
    with TestClient(create_app(Settings(version="v7", root_path="/api/fastapi"))) as client:
        spec = client.get("/openapi.json").json()
        docs = client.get("/docs").text
        info = client.get("/").json()

    assert spec["servers"] == [{"url": "/api/fastapi"}]
    assert spec["info"]["version"] == "v7"
    assert "/compute/statistics" in spec["paths"]
    assert "'/api/fastapi/openapi.json'" in docs
    assert info["docs"] == "/api/fastapi/docs"


def test_openapi_has_no_server_prefix_without_root_path(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()

    assert "servers" not in spec
    assert "'/openapi.json'" in client.get("/docs").text


def test_unknown_path_answers_404(client: TestClient) -> None:
    assert client.get("/api/fastapi/health").status_code == 404
