"""The config the local tools run: `--config PATH`, else `$RESPONDER_CONFIG`, else ./responder.config.json.

Every `responder` command resolves its config here, one way: the local world's services and roster,
the classifier's services and the replay's handlers (their SERVICES variable) all come from one file.
"""

from __future__ import annotations

import os
from pathlib import Path

from functions.services import ServiceConfig
from infra.config import CONFIG_ENV, DEFAULT_CONFIG_FILE, ConfigError, ResponderConfig, load_config
from local.errors import InputError


def config_path(path: Path | None = None) -> Path:
    """`--config PATH`, else `$RESPONDER_CONFIG`, else ./responder.config.json."""
    return path or (Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV) else DEFAULT_CONFIG_FILE)


def responder_config(path: Path | None = None) -> ResponderConfig:
    """The validated config, or one line (InputError) naming the file and the problem."""
    resolved = config_path(path)
    if not resolved.is_file():
        raise InputError(f"{resolved}: no such config file; name one with --config PATH (or ${CONFIG_ENV})")
    try:
        return load_config({"config": str(resolved)})
    except ConfigError as error:
        raise InputError(str(error)) from None


def configured_services(path: Path | None = None) -> tuple[ServiceConfig, ...]:
    """The services as the deployed functions read them (the SERVICES variable the stack sets)."""
    return services_of(responder_config(path))


def services_of(config: ResponderConfig) -> tuple[ServiceConfig, ...]:
    return tuple(ServiceConfig.model_validate(service) for service in config.runtime_services())
