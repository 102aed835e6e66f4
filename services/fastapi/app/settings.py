"""Settings read from the environment, which the platform fills from the service manifest."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    service_name: str = "fastapi"
    version: str = "dev"
    bind_address: str = "0.0.0.0"
    port: int = 8000
    root_path: str = ""
    log_level: str = "info"
    # 1 MB: far above any JSON body the API takes (10000 numbers, 100000 characters of text).
    max_body_bytes: int = 1024 * 1024

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        port_text = env.get("PORT", "").strip() or str(cls.port)
        if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
            raise ValueError(
                f"PORT is '{port_text}', which is not a TCP port. "
                f"Set PORT to a number between 1 and 65535, or unset it to use {cls.port}."
            )
        root_path = env.get("ROOT_PATH", "").strip().rstrip("/")
        if root_path and not root_path.startswith("/"):
            raise ValueError(
                f"ROOT_PATH is '{root_path}', which is not a path. Set it to the gateway prefix, e.g. /api/fastapi."
            )
        max_body_text = env.get("MAX_REQUEST_BODY_BYTES", "").strip() or str(cls.max_body_bytes)
        if not max_body_text.isdigit() or int(max_body_text) < 1:
            raise ValueError(
                f"MAX_REQUEST_BODY_BYTES is '{max_body_text}', which is not a positive number of bytes. "
                f"Set it to e.g. 1048576 (1 MB), or unset it to use {cls.max_body_bytes}."
            )
        return cls(
            service_name=env.get("SERVICE_NAME", "").strip() or cls.service_name,
            version=env.get("SERVICE_VERSION", "").strip() or cls.version,
            bind_address=env.get("BIND_ADDRESS", "").strip() or cls.bind_address,
            port=int(port_text),
            root_path=root_path,
            log_level=env.get("LOG_LEVEL", "").strip().lower() or cls.log_level,
            max_body_bytes=int(max_body_text),
        )

    @property
    def computed_by(self) -> str:
        return f"{self.service_name}@{self.version}"
