"""`responder classify`: what the intake would decide for each record, offline."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from functions.declared.declaration import Declaration
from functions.intake.parse import Command, Rejected, parse_event
from functions.intake.signal import Signal
from functions.maintenance.window import MaintenanceWindow
from functions.scenarios import classify
from functions.services import ServiceConfig
from functions.settings import load_settings
from local.config import configured_services


def classify_event(event: Any, config: Path | None = None) -> list[dict[str, Any]]:
    """One dict per record: the classification, or `{"error": reason}` for a record we cannot read."""
    services = offline_services(config)
    lines: list[dict[str, Any]] = []
    for record in parse_event(event):
        if isinstance(record, Rejected):
            lines.append({"error": record.reason})
            continue
        if not isinstance(record, Signal):
            lines.append(_command(record))
            continue
        result = classify(record, services)
        lines.append(
            {
                "source": record.source.value,
                "name": record.name,
                "state": record.state.value if record.state else None,
                "scenario": result.scenario,
                "severity": result.severity.value if result.severity else None,
                "service": result.service,
                "action": result.action.value,
                "rule": result.rule,
                "transport": record.transport,
                "occurred_at": record.occurred_at.isoformat(),
                "basis": result.basis,
            }
        )
    return lines


def _command(record: Command) -> dict[str, Any]:
    """What a person asked for through the actions API, in the same columns."""
    if isinstance(record, Declaration):
        return {
            "source": "declared",
            "name": record.title,
            "state": None,
            "scenario": record.kind,
            "severity": record.severity.value,
            "service": record.service,
            "action": "open",
            "rule": None,
            "transport": record.via,
            "occurred_at": record.declared_at.isoformat(),
            "basis": f"declared by {record.by} via {record.via} (D13)",
        }
    if isinstance(record, MaintenanceWindow):
        until = f"until {record.ends_at:%Y-%m-%d %H:%M} UTC"
        return _window_line(record.id, record.service, "window", record.source, record.starts_at, until)
    by = f"ended by {record.by}"
    return _window_line(record.id, record.service, "window-end", "api", record.ended_at, by)


def _window_line(window_id: str, service: str, action: str, transport: str, at: datetime, what: str) -> dict[str, Any]:
    return {
        "source": "maintenance",
        "name": window_id,
        "state": None,
        "scenario": "maintenance",
        "severity": None,
        "service": service,
        "action": action,
        "rule": None,
        "transport": transport,
        "occurred_at": at.isoformat(),
        "basis": f"maintenance window {what} (D14)",
    }


def offline_services(config: Path | None = None) -> tuple[ServiceConfig, ...]:
    """The services as the functions would read them, with no AWS: the `--config` file's when one is
    named, else $SERVICES (inside a replay), else the config's ($RESPONDER_CONFIG, ./responder.config.json)."""
    import os

    if config is not None or "SERVICES" not in os.environ:
        return configured_services(config)
    return load_settings({"INCIDENT_TABLE": "offline", "SERVICES": os.environ["SERVICES"]}).SERVICES
