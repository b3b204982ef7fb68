"""The config the local tools run: `--config PATH`, else `$RESPONDER_CONFIG`, else ./responder.config.json."""

from __future__ import annotations

from pathlib import Path

from functions.services import ServiceConfig
from infra.config import CONFIG_ENV, DEFAULT_CONFIG_FILE, ResponderConfig, load_config


def config_path(path: Path | None = None) -> Path:
    """`--config PATH`, else `$RESPONDER_CONFIG`, else ./responder.config.json."""
    import os

    return path or (Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV) else DEFAULT_CONFIG_FILE)


def responder_config(path: Path | None = None) -> ResponderConfig:
    return load_config({"config": str(path)} if path else {})


def configured_services(path: Path | None = None) -> tuple[ServiceConfig, ...]:
    """The services as the deployed functions read them (the SERVICES variable the stack sets)."""
    return tuple(ServiceConfig.model_validate(service) for service in responder_config(path).runtime_services())
