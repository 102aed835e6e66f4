"""The FastAPI application: built by create_app so tests and the server share one code path."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from .body_limit import BodySizeLimit
from .computations import analyze, summarize
from .models import (
    Health,
    RequestInspection,
    StatisticsRequest,
    StatisticsSummary,
    TextAnalysis,
    TextAnalysisRequest,
)
from .request_log import ASGIApp, RequestLog
from .settings import Settings

logger = logging.getLogger("app")

# Never echo credentials back, even to the caller who sent them: responses end up in logs and tool output.
REDACTED_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization", "x-api-key", "x-amz-security-token"})

HEALTH_PATH = "/health"


class LoggedFastAPI(FastAPI):
    """FastAPI with RequestLog outside everything else, Starlette's error handling included, so that every response
    carries x-request-id, a 500 from an unhandled exception too (middleware added with add_middleware sits inside it)."""

    def build_middleware_stack(self) -> ASGIApp:
        return RequestLog(super().build_middleware_stack(), self.router, health_path=HEALTH_PATH)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_environment()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        logger.info(
            "%s %s started (root path '%s')",
            settings.service_name,
            settings.version,
            settings.root_path,
            extra={"event": "started"},
        )
        yield
        logger.info(
            "%s %s stopped: in-flight requests finished", settings.service_name, settings.version, extra={"event": "stopped"}
        )

    app = LoggedFastAPI(
        title=settings.service_name,
        version=settings.version,
        description="Service info, health, and a stateless JSON API (request inspection, statistics, text analysis).",
        root_path=settings.root_path,
        lifespan=lifespan,
    )

    # Around every route, the internal paths included: no body over the limit is read anywhere.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)

    @app.exception_handler(RequestValidationError)
    async def validation_failed(_: Request, error: RequestValidationError) -> JSONResponse:
        # The default handler echoes each rejected input back: that fails on NaN (not JSON) and
        # returns all 10001 numbers of an oversized list. Location and message say enough.
        problems = [{key: value for key, value in problem.items() if key != "input"} for problem in error.errors()]
        return JSONResponse(status_code=422, content={"detail": jsonable_encoder(problems)})

    @app.get(HEALTH_PATH, response_model=Health, tags=["service"])
    def health() -> Health:
        return Health(status="ok", service=settings.service_name, version=settings.version)

    @app.get("/", tags=["service"])
    def info(request: Request) -> dict[str, object]:
        prefix = request.scope.get("root_path", "").rstrip("/")
        return {
            "service": settings.service_name,
            "version": settings.version,
            "description": app.description,
            "docs": f"{prefix}/docs",
            "openapi": f"{prefix}/openapi.json",
            "health": f"{prefix}/health",
            "endpoints": ["GET /inspect", "POST /inspect", "POST /compute/statistics", "POST /text/analyze"],
        }

    @app.get("/inspect", response_model=RequestInspection, tags=["api"], operation_id="inspect_get")
    @app.post("/inspect", response_model=RequestInspection, tags=["api"], operation_id="inspect_post")
    async def inspect(request: Request) -> RequestInspection:
        # Counted as it streams in, never held whole.
        body_bytes = 0
        async for chunk in request.stream():
            body_bytes += len(chunk)
        query: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            query.setdefault(key, []).append(value)
        return RequestInspection(
            method=request.method,
            path=request.url.path,
            root_path=request.scope.get("root_path", ""),
            query=query,
            headers={
                name: "[redacted]" if name in REDACTED_HEADERS else value
                for name, value in request.headers.items()
            },
            client=request.client.host if request.client else None,
            body_bytes=body_bytes,
            served_by=settings.computed_by,
        )

    @app.post("/compute/statistics", response_model=StatisticsSummary, tags=["api"])
    def compute_statistics(body: StatisticsRequest) -> StatisticsSummary:
        return summarize(body.values, settings.computed_by)

    @app.post("/text/analyze", response_model=TextAnalysis, tags=["api"])
    def analyze_text(body: TextAnalysisRequest) -> TextAnalysis:
        return analyze(body.text, body.top, settings.computed_by)

    return app
