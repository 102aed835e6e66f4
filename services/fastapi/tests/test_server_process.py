"""The real server process: uvicorn on a free port, the container health check script, graceful SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

SERVICE_DIR = Path(__file__).resolve().parent.parent
HEALTHCHECK = SERVICE_DIR / "healthcheck"
# uvicorn re-raises SIGTERM after its graceful shutdown; as a container's PID 1 that re-raise is
# ignored and the exit code is 0, as a child process here it ends the process with the signal.
GRACEFUL_EXIT_CODES = (0, -signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=3) as response:
        return json.load(response)


def run_healthcheck(port: int) -> int:
    return subprocess.run(
        [sys.executable, str(HEALTHCHECK)],
        env={**os.environ, "PORT": str(port)},
        capture_output=True,
        timeout=10,
    ).returncode


@pytest.fixture
def server():
    port = free_port()
    env = {**os.environ, "PORT": str(port), "BIND_ADDRESS": "127.0.0.1", "SERVICE_VERSION": "proc-1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "app"],
        cwd=SERVICE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            get_json(f"http://127.0.0.1:{port}/health")
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the server did not start on port {port}:\n{process.communicate()[0]}")
            time.sleep(0.2)
    yield process, port
    if process.poll() is None:
        process.kill()
        process.wait()


def test_server_serves_health_with_the_version_from_the_environment(server) -> None:
    _, port = server

    assert get_json(f"http://127.0.0.1:{port}/health") == {"status": "ok", "service": "fastapi", "version": "proc-1"}


def test_healthcheck_script_passes_while_serving_and_fails_when_stopped(server) -> None:
    process, port = server

    assert run_healthcheck(port) == 0
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=15)
    assert run_healthcheck(port) == 1


def test_sigterm_lets_an_in_flight_request_finish_before_the_server_exits(server) -> None:
    process, port = server
    body = b'{"values": [1, 2, 3, 4]}'

    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(
            b"POST /compute/statistics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body[:10]
        )
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert process.poll() is None, "the server exited while a request was still in flight"
        connection.sendall(body[10:])
        response = b""
        while chunk := connection.recv(65536):
            response += chunk

    exit_code = process.wait(timeout=15)
    output = process.communicate()[0]
    assert response.startswith(b"HTTP/1.1 200"), response
    assert b'"mean":2.5' in response
    assert exit_code in GRACEFUL_EXIT_CODES, output
    assert "stopped: in-flight requests finished" in output


def test_the_server_process_writes_every_line_as_json_and_one_line_per_request_but_health(server) -> None:
    process, port = server
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/inspect?token=secret-in-the-query",
        data=b'{"password": "secret-in-the-body"}',
        headers={"X-Request-Id": "proc-request-1", "Authorization": "Bearer secret-in-the-header"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        echoed = response.headers["x-request-id"]
    get_json(f"http://127.0.0.1:{port}/health")

    process.send_signal(signal.SIGTERM)
    process.wait(timeout=15)
    output = process.communicate()[0]

    not_json = [text for text in output.splitlines() if not text.startswith("{")]
    assert not_json == [], "every line the server writes is a JSON object"
    lines = [json.loads(text) for text in output.splitlines()]
    assert echoed == "proc-request-1"
    assert all(line["service"] == "fastapi" and line["version"] == "proc-1" for line in lines), output
    assert {"started", "stopped"} <= {line["event"] for line in lines}
    assert any(line["logger"] == "uvicorn.error" for line in lines), "uvicorn's own lines go through the JSON formatter"
    requests = [line for line in lines if line["event"] == "request"]
    assert [(line["request_id"], line["route"], line["path"], line["status"]) for line in requests] == [
        ("proc-request-1", "/inspect", "/inspect", 200)
    ], "one line for the request, none for the health checks"
    for secret in ("secret-in-the-query", "secret-in-the-body", "secret-in-the-header"):
        assert secret not in output
