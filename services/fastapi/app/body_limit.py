"""A request body size limit enforced before the application reads the body (an ASGI middleware).

A request that declares a Content-Length over the limit is answered 413 without calling the application. A body of
unknown length (chunked) is counted as it streams in: when it crosses the limit the middleware answers 413 itself,
tells the application the client went away, and drops whatever the application still sends. So no route, the
internal paths included, ever holds more than the limit of one body in memory.

Before answering, the rest of an oversized body is read and thrown away, up to DRAIN_BYTES: a proxy in front (the
gateway, a load balancer) is usually still sending it, and a server that closes a connection with unread data resets
it, so the proxy would report a broken connection (502) instead of passing the 413 on. A client that waits for
"100 Continue" has sent nothing yet and gets the 413 at once.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SETTING = "MAX_REQUEST_BODY_BYTES"

# How much of an oversized body is read and discarded at most before the 413, one chunk at a time: more than the
# 10 MB API Gateway lets through, so any body that passed the API is drained whole.
DRAIN_BYTES = 16 * 1024 * 1024


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            if not _expects_continue(scope):
                await _drain(receive, already_read=0, more_body=True)
            await self._reject(send, f"this one is {declared} bytes")
            return

        received = 0
        response_started = False
        rejected = False

        async def limited_receive() -> Message:
            nonlocal received, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    rejected = True
                    if not response_started:
                        await _drain(receive, already_read=received, more_body=message.get("more_body", False))
                        await self._reject(send, "this one is larger than that")
                    # To the application the client is gone: it stops reading, and what it sends is dropped.
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if rejected:
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except Exception:
            # After the 413 the application was told the client went away; how it reacts (Starlette raises
            # ClientDisconnect in a route that streams the body) is a consequence of the limit, not a fault.
            if not rejected:
                raise

    async def _reject(self, send: Send, size: str) -> None:
        body = json.dumps(
            {
                "error": "request_too_large",
                "detail": f"This service reads request bodies of at most {self.max_bytes} bytes ({SETTING}); "
                f"{size}. Send a smaller request.",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    # The rest of the body is not read, so the connection cannot carry another request.
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


async def _drain(receive: Receive, already_read: int, more_body: bool) -> None:
    """Reads and discards the rest of the body, up to DRAIN_BYTES in all, or until the client is gone."""
    drained = already_read
    while more_body and drained < DRAIN_BYTES:
        message = await receive()
        if message["type"] != "http.request":
            return
        drained += len(message.get("body", b""))
        more_body = message.get("more_body", False)


def _expects_continue(scope: Scope) -> bool:
    return any(name == b"expect" and value.lower() == b"100-continue" for name, value in scope.get("headers", []))


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None
