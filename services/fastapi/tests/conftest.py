from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.json_logs import JsonFormatter
from app.main import create_app
from app.settings import Settings


@pytest.fixture
def settings() -> Settings:
    return Settings(version="abc123")


@pytest.fixture
def client(settings: Settings) -> TestClient:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


# The test client's own logger: it logs the URLs the test sends, which the service never logs.
_TEST_CLIENT_LOGGERS = ("httpx", "httpcore")


class LogCapture:
    """What the application logged while a test ran, through the service's own JSON formatter."""

    def __init__(self, stream: io.StringIO) -> None:
        self._stream = stream

    @property
    def text(self) -> str:
        return self._stream.getvalue()

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.text.splitlines()]

    def requests(self) -> list[dict]:
        return [line for line in self.lines() if line["event"] == "request"]


@pytest.fixture
def logs(settings: Settings) -> Iterator[LogCapture]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(settings.service_name, settings.version))
    handler.addFilter(lambda record: not record.name.startswith(_TEST_CLIENT_LOGGERS))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield LogCapture(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
