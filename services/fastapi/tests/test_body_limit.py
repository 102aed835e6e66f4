"""The request body limit: 413 with a JSON reason before a body over the limit is read, on every path."""

from __future__ import annotations

import asyncio
import http.client
import json

import pytest
from fastapi.testclient import TestClient

from app.body_limit import DRAIN_BYTES, BodySizeLimit
from app.main import create_app
from app.settings import Settings

from .test_server_process import server  # noqa: F401  (the real uvicorn process, a fixture)

LIMIT = 1024


@pytest.fixture
def small_limit_client() -> TestClient:
    with TestClient(create_app(Settings(version="abc123", max_body_bytes=LIMIT))) as test_client:
        yield test_client


def test_the_default_limit_is_one_megabyte_and_the_environment_sets_it() -> None:
    assert Settings.from_environment({}).max_body_bytes == 1024 * 1024
    assert Settings.from_environment({"MAX_REQUEST_BODY_BYTES": "2048"}).max_body_bytes == 2048


@pytest.mark.parametrize("value", ["lots", "0", "-5"])
def test_a_limit_that_is_not_a_positive_number_is_refused_with_the_fix(value: str) -> None:
    with pytest.raises(ValueError, match="MAX_REQUEST_BODY_BYTES"):
        Settings.from_environment({"MAX_REQUEST_BODY_BYTES": value})


@pytest.mark.parametrize("path", ["/inspect", "/compute/statistics", "/text/analyze", "/no-such-path"])
def test_a_declared_length_over_the_limit_gets_413_with_a_json_reason(small_limit_client: TestClient, path: str) -> None:
    response = small_limit_client.post(path, content=b"x" * (LIMIT + 1), headers={"content-type": "application/json"})

    assert response.status_code == 413
    body = response.json()
    assert body["error"] == "request_too_large"
    assert f"at most {LIMIT} bytes" in body["detail"]
    assert "MAX_REQUEST_BODY_BYTES" in body["detail"]


def test_a_body_at_the_limit_is_read(small_limit_client: TestClient) -> None:
    response = small_limit_client.post("/inspect", content=b"x" * LIMIT)

    assert response.status_code == 200
    assert response.json()["body_bytes"] == LIMIT


def test_the_default_limit_refuses_two_megabytes() -> None:
    with TestClient(create_app(Settings(version="abc123"))) as client:
        response = client.post("/compute/statistics", content=b"[" + b"1," * (1024 * 1024) + b"1]")

    assert response.status_code == 413
    assert response.json()["error"] == "request_too_large"


class _Chunks:
    """An ASGI receive that hands out a body in chunks (a chunked request) and records how much was taken."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = list(chunks)
        self.taken = 0

    async def __call__(self) -> dict:
        if not self.chunks:
            return {"type": "http.disconnect"}
        chunk = self.chunks.pop(0)
        self.taken += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": bool(self.chunks)}


def _run(middleware: BodySizeLimit, receive: _Chunks) -> list[dict]:
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/inspect", "headers": [(b"transfer-encoding", b"chunked")]}
    asyncio.run(middleware(scope, receive, send))
    return sent


def test_a_chunked_body_is_cut_where_it_crosses_the_limit_and_the_application_never_holds_more() -> None:
    seen: list[int] = []

    async def reading_app(scope, receive, send) -> None:
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                seen.append(total)
                raise RuntimeError("client disconnected")  # what Starlette's request.stream() does
            total += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"read it all"})

    receive = _Chunks([b"x" * 400] * 10)  # 4000 bytes in 400-byte chunks, the limit is 1024
    sent = _run(BodySizeLimit(reading_app, max_bytes=LIMIT), receive)

    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error"] == "request_too_large"
    assert receive.taken == 4000, "the rest is read and discarded, so a proxy still sending it is not reset"
    assert seen == [800], "the application gets the chunks below the limit, then a disconnect"


def test_draining_an_oversized_body_stops_at_the_drain_bound() -> None:
    async def never_called(scope, receive, send) -> None:
        raise AssertionError("the application is not called for a declared length over the limit")

    chunk = b"x" * (1024 * 1024)
    receive = _Chunks([chunk] * 40)  # 40 MB declared and sent
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/inspect", "headers": [(b"content-length", str(40 * len(chunk)).encode())]}
    asyncio.run(BodySizeLimit(never_called, max_bytes=LIMIT)(scope, receive, send))

    assert sent[0]["status"] == 413
    assert receive.taken == DRAIN_BYTES, "at most DRAIN_BYTES are read before the answer"


def test_a_client_waiting_for_100_continue_gets_the_413_without_sending_the_body() -> None:
    async def never_called(scope, receive, send) -> None:
        raise AssertionError("the application is not called for a declared length over the limit")

    receive = _Chunks([b"x" * 5000])
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    headers = [(b"content-length", b"5000"), (b"expect", b"100-continue")]
    asyncio.run(BodySizeLimit(never_called, max_bytes=LIMIT)({"type": "http", "headers": headers}, receive, send))

    assert sent[0]["status"] == 413
    assert receive.taken == 0


def test_a_chunked_body_within_the_limit_passes_untouched() -> None:
    async def echo_length(scope, receive, send) -> None:
        total = 0
        while True:
            message = await receive()
            total += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(total).encode()})

    sent = _run(BodySizeLimit(echo_length, max_bytes=LIMIT), _Chunks([b"x" * 512, b"x" * 512]))

    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b"1024"


@pytest.mark.integration
def test_the_server_process_answers_a_chunked_body_over_the_limit_with_413(server) -> None:  # noqa: F811
    _, port = server
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    # 1 MB and one byte, no Content-Length: the last chunk crosses the limit, so the whole body is on its way when the
    # server answers, and closing the connection after the 413 discards nothing the client still waits for.
    chunks = iter([b"x" * 65536] * 16 + [b"x"])

    connection.request("POST", "/inspect", body=chunks, encode_chunked=True, headers={"Content-Type": "application/octet-stream"})
    response = connection.getresponse()

    assert response.status == 413
    assert json.loads(response.read())["error"] == "request_too_large"
    connection.close()


@pytest.mark.integration
def test_the_server_process_answers_a_client_waiting_for_100_continue_with_413_before_it_sends_the_body(server) -> None:  # noqa: F811
    _, port = server
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    connection.putrequest("POST", "/compute/statistics")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(2 * 1024 * 1024))
    connection.putheader("Expect", "100-continue")
    connection.endheaders()  # and no body: the answer comes before it
    response = connection.getresponse()

    assert response.status == 413
    assert "at most 1048576 bytes" in json.loads(response.read())["detail"]
    connection.close()


@pytest.mark.integration
def test_the_server_process_answers_two_declared_megabytes_with_413_and_no_reset(server) -> None:  # noqa: F811
    _, port = server
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    connection.request("POST", "/compute/statistics", body=b"[" + b"1," * (1024 * 1024) + b"1]", headers={"Content-Type": "application/json"})
    response = connection.getresponse()

    assert response.status == 413
    assert "this one is 2097155 bytes" in json.loads(response.read())["detail"]
    connection.close()
