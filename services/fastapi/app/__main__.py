"""Entry point of the container: `python -m app` serves the API with uvicorn, every log line JSON on stdout."""

from __future__ import annotations

import uvicorn

from .json_logs import configure_logging
from .main import create_app
from .settings import Settings

# Below the load balancer's deregistration delay and ECS's stop timeout (30 s), so in-flight
# requests finish before the task is killed.
GRACEFUL_SHUTDOWN_SECONDS = 20


def main() -> None:
    settings = Settings.from_environment()
    configure_logging(settings)
    uvicorn.run(
        create_app(settings),
        host=settings.bind_address,
        port=settings.port,
        log_level=settings.log_level,
        # uvicorn's own logging setup would give its loggers handlers and formats of their own; without it their
        # records reach the JSON handler. Its access log is off: RequestLog writes the one line per request.
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips="*",
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


if __name__ == "__main__":
    main()
