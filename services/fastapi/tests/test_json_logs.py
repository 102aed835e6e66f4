"""The JSON log line: one object per line, the shared fields, the request's ids, and no exception message."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from app.json_logs import JsonFormatter, configure_logging
from app.request_context import RequestContext, current_request
from app.settings import Settings

RFC3339_UTC_MILLISECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def record(level: int = logging.INFO, message: str = "hello %s", args: tuple = ("world",), **extra) -> logging.LogRecord:
    log_record = logging.LogRecord("app.test", level, __file__, 1, message, args, None)
    for name, value in extra.items():
        setattr(log_record, name, value)
    return log_record


def format_line(log_record: logging.LogRecord) -> dict:
    text = JsonFormatter("fastapi", "v9").format(log_record)
    assert "\n" not in text, "one object per line"
    return json.loads(text)


def test_a_line_has_time_level_service_version_message_and_event() -> None:
    log_record = record()
    log_record.created = 1796605323.456789  # 2026-12-07T01:02:03.456789Z

    line = format_line(log_record)

    assert line["time"] == "2026-12-07T01:02:03.456Z"
    assert RFC3339_UTC_MILLISECONDS.fullmatch(line["time"])
    assert (line["level"], line["service"], line["version"]) == ("info", "fastapi", "v9")
    assert line["message"] == "hello world"
    assert line["event"] == "log"
    assert "request_id" not in line


def test_a_request_line_is_stamped_with_when_the_request_began() -> None:
    log_record = record(event="request", started_at=1796605323.0)
    log_record.created = 1796605324.5

    assert format_line(log_record)["time"] == "2026-12-07T01:02:03.000Z"


@pytest.mark.parametrize(
    ("level", "name"),
    [(logging.DEBUG, "debug"), (5, "debug"), (logging.INFO, "info"), (logging.WARNING, "warning"), (logging.ERROR, "error"), (logging.CRITICAL, "error")],
)
def test_levels_are_named_as_the_contract_names_them(level: int, name: str) -> None:
    assert format_line(record(level))["level"] == name


def test_a_line_written_inside_a_request_carries_its_ids() -> None:
    context = RequestContext(request_id="req-1", trace_id="a" * 32, span_id="b" * 16, parent_span_id="c" * 16)
    reset = current_request.set(context)
    try:
        line = format_line(record())
    finally:
        current_request.reset(reset)

    assert (line["request_id"], line["trace_id"], line["span_id"], line["parent_span_id"]) == ("req-1", "a" * 32, "b" * 16, "c" * 16)


def test_a_records_event_and_fields_are_added_but_cannot_replace_the_shared_ones() -> None:
    line = format_line(record(event="started", fields={"status": 200, "route": None, "service": "forged", "time": "x"}))

    assert line["event"] == "started"
    assert line["status"] == 200
    assert line["route"] is None
    assert line["service"] == "fastapi"
    assert RFC3339_UTC_MILLISECONDS.fullmatch(line["time"])


class InputCarryingError(ValueError):
    pass


def test_an_exception_adds_its_full_type_name_and_frames_but_never_its_message() -> None:
    try:
        raise InputCarryingError("the caller's secret-input-123")
    except InputCarryingError as error:
        log_record = record(logging.ERROR, exc_info=(type(error), error, error.__traceback__))

    text = JsonFormatter("fastapi", "v9").format(log_record)
    line = json.loads(text)

    assert line["exception_type"] == "tests.test_json_logs.InputCarryingError"
    assert "test_an_exception_adds_its_full_type_name_and_frames_but_never_its_message" in line["exception_stack"]
    assert "secret-input-123" not in text


def test_a_builtin_exception_is_named_without_its_module() -> None:
    try:
        raise KeyError("secret-key-name")
    except KeyError as error:
        line = format_line(record(logging.ERROR, exc_info=(type(error), error, error.__traceback__)))

    assert line["exception_type"] == "KeyError"


def test_configure_logging_sends_uvicorns_records_through_the_json_formatter() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        configure_logging(Settings(version="v2", log_level="info"), stream)
        logging.getLogger("uvicorn.error").info("Uvicorn running on %s", "http://127.0.0.1:8000")
        logging.getLogger("app").debug("below the level")
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)

    lines = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert len(lines) == 1
    assert lines[0]["message"] == "Uvicorn running on http://127.0.0.1:8000"
    assert (lines[0]["service"], lines[0]["version"], lines[0]["logger"]) == ("fastapi", "v2", "uvicorn.error")
