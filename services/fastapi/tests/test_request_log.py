"""The request line and the x-request-id header, through the application as the server runs it."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

from .conftest import LogCapture

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


class ComputationFailed(RuntimeError):
    pass


@pytest.fixture
def app_with_test_routes(settings: Settings):
    app = create_app(settings)

    @app.get("/items/{item_id}")
    def item(item_id: int) -> dict:
        logging.getLogger("app.items").info("looking up an item")
        return {"item_id": item_id}

    @app.get("/fails")
    def fails() -> dict:
        raise ComputationFailed("input was secret-from-the-body")

    return app


@pytest.fixture
def test_client(app_with_test_routes) -> TestClient:
    with TestClient(app_with_test_routes) as client:
        yield client


def only_request(logs: LogCapture) -> dict:
    requests = logs.requests()
    assert len(requests) == 1, logs.text
    return requests[0]


def test_a_request_gets_one_line_with_the_contracts_fields_and_the_id_it_was_answered_with(
    client: TestClient, logs: LogCapture
) -> None:
    response = client.post("/compute/statistics", json={"values": [1, 2]})

    line = only_request(logs)
    assert response.status_code == 200
    assert line["request_id"] == response.headers["x-request-id"]
    assert len(line["request_id"]) == 16
    assert (line["level"], line["service"], line["version"], line["event"]) == ("info", "fastapi", "abc123", "request")
    assert (line["method"], line["route"], line["path"], line["status"]) == ("POST", "/compute/statistics", "/compute/statistics", 200)
    assert isinstance(line["duration_ms"], (int, float)) and line["duration_ms"] >= 0
    assert re.fullmatch(r"[0-9a-f]{32}", line["trace_id"])
    assert re.fullmatch(r"[0-9a-f]{16}", line["span_id"])
    assert "parent_span_id" not in line
    assert line["message"] == "POST /compute/statistics 200"


def test_an_acceptable_incoming_request_id_is_kept_and_echoed(client: TestClient, logs: LogCapture) -> None:
    response = client.get("/", headers={"X-Request-Id": "JKJaXmPLvHcESHA="})

    assert response.headers["x-request-id"] == "JKJaXmPLvHcESHA="
    assert only_request(logs)["request_id"] == "JKJaXmPLvHcESHA="


@pytest.mark.parametrize("sent", ["has space", "x" * 129, "<script>alert(1)</script>", "a,b", "id;drop"])
def test_an_unacceptable_incoming_request_id_is_replaced_and_never_logged(client: TestClient, logs: LogCapture, sent: str) -> None:
    response = client.get("/", headers={"X-Request-Id": sent})

    echoed = response.headers["x-request-id"]
    assert echoed != sent
    assert len(echoed) == 16
    assert only_request(logs)["request_id"] == echoed
    assert sent not in logs.text


def test_a_request_id_sent_twice_is_replaced(client: TestClient, logs: LogCapture) -> None:
    response = client.get("/", headers=[("X-Request-Id", "first-id"), ("X-Request-Id", "second-id")])

    assert response.headers["x-request-id"] not in ("first-id", "second-id")
    assert "first-id" not in logs.text and "second-id" not in logs.text


def test_a_valid_traceparent_is_continued(client: TestClient, logs: LogCapture) -> None:
    client.get("/", headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"})

    line = only_request(logs)
    assert line["trace_id"] == TRACE_ID
    assert line["parent_span_id"] == PARENT_ID
    assert re.fullmatch(r"[0-9a-f]{16}", line["span_id"]) and line["span_id"] != PARENT_ID


def test_an_invalid_traceparent_starts_a_new_trace(client: TestClient, logs: LogCapture) -> None:
    client.get("/", headers={"traceparent": f"00-{'0' * 32}-{PARENT_ID}-01"})

    line = only_request(logs)
    assert re.fullmatch(r"[0-9a-f]{32}", line["trace_id"]) and line["trace_id"] != "0" * 32
    assert "parent_span_id" not in line


def test_the_route_is_the_matched_template_and_the_path_the_one_requested(test_client: TestClient, logs: LogCapture) -> None:
    test_client.get("/items/42")

    line = only_request(logs)
    assert (line["route"], line["path"]) == ("/items/{item_id}", "/items/42")


def test_a_line_written_while_serving_a_request_carries_its_ids(test_client: TestClient, logs: LogCapture) -> None:
    response = test_client.get("/items/7", headers={"X-Request-Id": "inside-1", "traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"})

    inside = [line for line in logs.lines() if line["message"] == "looking up an item"]
    assert response.status_code == 200
    assert len(inside) == 1
    assert (inside[0]["request_id"], inside[0]["trace_id"], inside[0]["span_id"]) == (
        "inside-1",
        TRACE_ID,
        only_request(logs)["span_id"],
    )


def test_the_docs_route_of_starlette_is_named_and_an_unknown_path_has_no_route(client: TestClient, logs: LogCapture) -> None:
    client.get("/docs")
    client.get("/no/such/path")

    docs, unknown = logs.requests()
    assert (docs["route"], docs["status"]) == ("/docs", 200)
    assert (unknown["route"], unknown["path"], unknown["status"]) == (None, "/no/such/path", 404)


def test_an_unhandled_exception_answers_500_with_the_request_id_and_logs_its_type_not_its_message(
    test_client: TestClient, logs: LogCapture
) -> None:
    response = test_client.get("/fails", headers={"X-Request-Id": "fails-1"})

    line = only_request(logs)
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "fails-1"
    assert (line["level"], line["status"], line["route"]) == ("error", 500, "/fails")
    assert line["exception_type"] == "tests.test_request_log.ComputationFailed"
    assert "secret-from-the-body" not in logs.text


def test_no_credential_query_string_or_body_reaches_a_line(client: TestClient, logs: LogCapture) -> None:
    response = client.post(
        "/inspect?token=secret-in-the-query&page=2",
        content=b'{"password": "secret-in-the-body"}',
        headers={"Authorization": "Bearer secret-in-the-header", "Cookie": "session=secret-in-the-cookie"},
    )

    line = only_request(logs)
    assert response.status_code == 200
    assert line["path"] == "/inspect"
    for secret in ("secret-in-the-query", "secret-in-the-body", "secret-in-the-header", "secret-in-the-cookie", "token=", "Bearer"):
        assert secret not in logs.text


def test_a_successful_health_check_is_not_logged_but_a_failing_one_is(client: TestClient, logs: LogCapture) -> None:
    assert client.get("/health").status_code == 200
    assert logs.requests() == []

    assert client.post("/health").status_code == 405

    line = only_request(logs)
    assert (line["route"], line["status"]) == ("/health", 405)


def test_a_body_over_the_limit_is_logged_with_its_413_and_answered_with_the_request_id(logs: LogCapture) -> None:
    with TestClient(create_app(Settings(version="abc123", max_body_bytes=16))) as client:
        response = client.post("/compute/statistics", content=b"x" * 17, headers={"X-Request-Id": "too-big-1"})

    line = only_request(logs)
    assert response.status_code == 413
    assert response.headers["x-request-id"] == "too-big-1"
    assert (line["status"], line["request_id"], line["path"]) == (413, "too-big-1", "/compute/statistics")

