"""`responder classify`: what the intake would decide for each record, offline."""

from __future__ import annotations

from typing import Any

from functions.intake.parse import Rejected, parse_event
from functions.scenarios import classify
from functions.settings import load_settings


def classify_event(event: Any) -> list[dict[str, Any]]:
    """One dict per record: the classification, or `{"error": reason}` for a record we cannot read."""
    services = load_settings({"INCIDENT_TABLE": "offline", **_services_env()}).SERVICES
    lines: list[dict[str, Any]] = []
    for record in parse_event(event):
        if isinstance(record, Rejected):
            lines.append({"error": record.reason})
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


def _services_env() -> dict[str, str]:
    import os

    return {"SERVICES": os.environ["SERVICES"]} if "SERVICES" in os.environ else {}
