from __future__ import annotations

import pytest

from app.settings import Settings


def test_defaults_apply_when_the_environment_is_empty() -> None:
    settings = Settings.from_environment({})

    assert settings == Settings(service_name="fastapi", version="dev", bind_address="0.0.0.0", port=8000, root_path="")


def test_environment_sets_version_address_port_and_root_path() -> None:
    settings = Settings.from_environment(
        {"SERVICE_VERSION": "abc123", "BIND_ADDRESS": "127.0.0.1", "PORT": "9100", "ROOT_PATH": "/api/fastapi/"}
    )

    assert (settings.version, settings.bind_address, settings.port, settings.root_path) == (
        "abc123",
        "127.0.0.1",
        9100,
        "/api/fastapi",
    )


@pytest.mark.parametrize("port", ["http", "-1", "70000"])
def test_an_invalid_port_is_refused_with_the_fix(port: str) -> None:
    with pytest.raises(ValueError, match="Set PORT to a number"):
        Settings.from_environment({"PORT": port})


def test_a_root_path_without_leading_slash_is_refused() -> None:
    with pytest.raises(ValueError, match="ROOT_PATH"):
        Settings.from_environment({"ROOT_PATH": "api/fastapi"})
