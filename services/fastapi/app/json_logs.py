"""Log lines as JSON objects, one per line on stdout, in the fields every service of the platform shares.

Every line has time (a request line's is when the request began), level, service, version, message and event; a line written while a request is served adds its
request_id, trace_id and span_id (and parent_span_id). A record's `fields` (passed as `extra={"fields": {...}}`) add
more. An exception adds only its type and its frames (file, line, function): its message can hold the request's input.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import datetime, timezone
from typing import IO, Any

from .request_context import current_request
from .settings import Settings

# Fields a record's own `fields` cannot replace.
_BASE_FIELDS = frozenset({"time", "level", "service", "version", "message", "event"})


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str, version: str) -> None:
        super().__init__()
        self.service = service
        self.version = version

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            # A request line is stamped with when the request began, as the gateway's access log is, so the lines of one
            # request sort as the calls were made: gateway, then mcp, then the fastapi call mcp made.
            "time": _rfc3339_utc(getattr(record, "started_at", record.created)),
            "level": _level(record.levelno),
            "service": self.service,
            "version": self.version,
            "message": record.getMessage(),
            "event": getattr(record, "event", "log"),
            "logger": record.name,
        }
        context = current_request.get()
        if context is not None:
            line.update(context.log_fields())
        for name, value in getattr(record, "fields", {}).items():
            if name not in _BASE_FIELDS:
                line[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            exception_type, _, trace = record.exc_info
            line["exception_type"] = exception_type_name(exception_type)
            line["exception_stack"] = "\n".join(
                f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in traceback.extract_tb(trace)
            )
        return json.dumps(line, separators=(",", ":"), default=str)


def exception_type_name(exception_type: type[BaseException]) -> str:
    module = exception_type.__module__
    return exception_type.__qualname__ if module == "builtins" else f"{module}.{exception_type.__qualname__}"


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> None:
    """Sends every logger's records, uvicorn's included, through one JSON handler on stdout."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonFormatter(settings.service_name, settings.version))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())


def _rfc3339_utc(created: float) -> str:
    return datetime.fromtimestamp(created, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _level(levelno: int) -> str:
    if levelno >= logging.ERROR:
        return "error"
    if levelno >= logging.WARNING:
        return "warning"
    if levelno >= logging.INFO:
        return "info"
    return "debug"
