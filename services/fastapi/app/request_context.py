"""Who a request is: the request id the gateway gave it and its place in the caller's W3C trace.

The context of the request being served lives in a context variable, so every log line written while serving it carries
the same ids (a sync route runs in a worker thread, which gets a copy of the context).
"""

from __future__ import annotations

import base64
import re
import secrets
from contextvars import ContextVar
from dataclasses import dataclass

REQUEST_ID_HEADER = "x-request-id"
TRACEPARENT_HEADER = "traceparent"

# What the gateway sends (API Gateway's $context.requestId is 16 characters of base64) and more, but nothing that
# could carry an attacker's text into a log line.
_ACCEPTABLE_REQUEST_ID = re.compile(r"[A-Za-z0-9+/=_.-]{1,128}")
# W3C Trace Context, version 00: version, trace-id, parent-id and flags, lowercase hex.
_TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}")
_ALL_ZERO = re.compile(r"0+")


def new_request_id() -> str:
    """An id of the gateway's shape: base64 of 11 random bytes, 16 characters."""
    return base64.b64encode(secrets.token_bytes(11)).decode("ascii")


def acceptable_request_id(value: str | None) -> str | None:
    """The incoming id when it is 1-128 characters of A-Za-z0-9+/=_.-, else None."""
    if value is not None and _ACCEPTABLE_REQUEST_ID.fullmatch(value):
        return value
    return None


@dataclass(frozen=True)
class TraceParent:
    trace_id: str
    parent_id: str


def parse_traceparent(value: str | None) -> TraceParent | None:
    """The trace and parent ids of a valid `traceparent`, or None (absent, malformed, or an all-zero id)."""
    if value is None:
        return None
    match = _TRACEPARENT.fullmatch(value.strip(" \t"))
    if match is None:
        return None
    trace_id, parent_id = match.groups()
    if _ALL_ZERO.fullmatch(trace_id) or _ALL_ZERO.fullmatch(parent_id):
        return None
    return TraceParent(trace_id, parent_id)


def new_trace_id() -> str:
    return _nonzero_hex(16)


def new_span_id() -> str:
    return _nonzero_hex(8)


def _nonzero_hex(size: int) -> str:
    while _ALL_ZERO.fullmatch(value := secrets.token_hex(size)):
        pass
    return value


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    trace_id: str
    span_id: str
    parent_span_id: str | None = None

    @classmethod
    def from_headers(cls, request_id: str | None, traceparent: str | None) -> RequestContext:
        """Keeps an acceptable incoming id and continues a valid incoming trace; makes new ones otherwise."""
        parent = parse_traceparent(traceparent)
        return cls(
            request_id=acceptable_request_id(request_id) or new_request_id(),
            trace_id=parent.trace_id if parent else new_trace_id(),
            span_id=new_span_id(),
            parent_span_id=parent.parent_id if parent else None,
        )

    def log_fields(self) -> dict[str, str]:
        fields = {"request_id": self.request_id, "trace_id": self.trace_id, "span_id": self.span_id}
        if self.parent_span_id is not None:
            fields["parent_span_id"] = self.parent_span_id
        return fields


current_request: ContextVar[RequestContext | None] = ContextVar("current_request", default=None)
