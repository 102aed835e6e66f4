"""Entry point of the container: `python -m app` serves the API with uvicorn."""

from __future__ import annotations

import logging

import uvicorn

from .main import create_app
from .settings import Settings

# Below the load balancer's deregistration delay and ECS's stop timeout (30 s), so in-flight
# requests finish before the task is killed.
GRACEFUL_SHUTDOWN_SECONDS = 20


def main() -> None:
    settings = Settings.from_environment()
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s:%(name)s: %(message)s")
    uvicorn.run(
        create_app(settings),
        host=settings.bind_address,
        port=settings.port,
        log_level=settings.log_level,
        proxy_headers=True,
        forwarded_allow_ips="*",
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


if __name__ == "__main__":
    main()
