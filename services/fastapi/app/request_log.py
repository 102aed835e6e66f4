"""The request id on every response and one `request` log line per served request (an ASGI middleware).

It wraps the whole application, Starlette's error handling included, so it sees the status that was actually sent, the
500 of an unhandled exception among them. Bodies stream through untouched and are never looked at; the line names the
path without its query string and no header value but the request id.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.routing import Router

from .request_context import REQUEST_ID_HEADER, TRACEPARENT_HEADER, RequestContext, current_request

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

logger = logging.getLogger("app.request")


class RequestLog:
    def __init__(self, app: ASGIApp, router: Router, health_path: str) -> None:
        self.app = app
        self.router = router
        self.health_path = health_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        context = RequestContext.from_headers(
            _single_header(scope, REQUEST_ID_HEADER), _single_header(scope, TRACEPARENT_HEADER)
        )
        reset = current_request.set(context)
        started = time.perf_counter()
        started_at = time.time()
        status: int | None = None

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = context.request_id
            await send(message)

        failure: Exception | None = None
        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception as error:
            # Logged here, once, by type; the server would log it again with its message, which can hold input.
            failure = error
            if status is None:
                await _answer_internal_error(send_with_request_id, context.request_id)
        finally:
            try:
                self._log(scope, status, started_at, time.perf_counter() - started, failure)
            finally:
                current_request.reset(reset)

    def _log(self, scope: Scope, status: int | None, started_at: float, seconds: float, failure: Exception | None) -> None:
        # An application that returns without answering gets the server's own 500.
        status = 500 if status is None else status
        route = self._route_template(scope)
        if route == self.health_path and status < 400:
            return
        method, path = scope["method"], scope["path"]
        logger.log(
            logging.ERROR if status >= 500 else logging.INFO,
            "%s %s %d",
            method,
            path,
            status,
            exc_info=failure,
            extra={
                "event": "request",
                "started_at": started_at,
                "fields": {
                    "method": method,
                    "route": route,
                    "path": path,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                },
            },
        )

    def _route_template(self, scope: Scope) -> str | None:
        # FastAPI's routes put themselves in the scope; Starlette's (/docs, /openapi.json) leave only their endpoint.
        route = scope.get("route")
        if route is not None:
            return getattr(route, "path", None)
        endpoint = scope.get("endpoint")
        if endpoint is None:
            return None
        return next((candidate.path for candidate in self.router.routes if getattr(candidate, "endpoint", None) is endpoint), None)


def _single_header(scope: Scope, name: str) -> str | None:
    """The header's value when it was sent once; a repeated header is treated as absent."""
    encoded = name.encode("latin-1")
    values = [value for key, value in scope.get("headers", []) if key.lower() == encoded]
    return values[0].decode("latin-1") if len(values) == 1 else None


async def _answer_internal_error(send: Send, request_id: str) -> None:
    body = json.dumps(
        {
            "error": "internal_error",
            "detail": f"The service failed while answering. Its logs tell why under request id {request_id}.",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
