"""The public projection of an incident: the only fields a status-page visitor ever sees (D12).

Everything the page shows passes through `public_view`: an opaque key, the service, the
scenario's public title and impact, the status, start/resolve times and the public updates.
Never the alarm names or reasons, resource names, diagnostics, timeline, people or internal id.
"""

import hashlib
import json
from collections.abc import Collection
from datetime import datetime
from functools import cache
from pathlib import Path
from string import Template
from typing import Literal

from pydantic import BaseModel, ConfigDict

from functions.incident import Incident, IncidentStatus, PublicUpdate
from functions.policy import RUNBOOK, Runbook, Severity
from functions.services import ServiceConfig

TEMPLATES = Path(__file__).parent / "templates"

PublicImpact = Literal["outage", "degraded"]


class PublicIncident(BaseModel, defer_build=True):
    """One incident as the status page stores and shows it. Deterministic: the same incident
    state always gives the same document, so an unchanged write is a no-op for the stream."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str  # opaque: a digest of the internal id, stable across updates
    service: str
    title: str
    impact: PublicImpact
    status: IncidentStatus
    started_at: datetime
    resolved_at: datetime | None = None
    updates: tuple[PublicUpdate, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status is not IncidentStatus.RESOLVED


def public_key(incident_id: str) -> str:
    """Visitors get no internal id (it names the service's alarm delivery); a digest still links
    the page's and status.json's entries for the same incident."""
    return hashlib.sha256(f"status-page:{incident_id}".encode()).hexdigest()[:16]


def public_view(
    incident: Incident, runbook: Runbook = RUNBOOK, *, private_services: Collection[str] = ()
) -> PublicIncident | None:
    """The incident as the status page shows it, or None when it must not be shown at all:
    not set public, or on a private service (the synthetic daily test)."""
    if not incident.public or incident.service in private_services:
        return None
    scenario = runbook.scenario(incident.scenario)
    return PublicIncident(
        key=public_key(incident.id),
        service=incident.service,
        title=scenario.public_title,
        impact=scenario.public_impact,
        status=incident.status,
        started_at=incident.opened_at,
        resolved_at=incident.resolved_at if incident.status is IncidentStatus.RESOLVED else None,
        updates=tuple(sorted(incident.public_updates, key=lambda update: update.at)),
    )


def public_by_policy(scenario: str, severity: Severity, service: ServiceConfig, runbook: Runbook = RUNBOOK) -> bool:
    """`Incident.public` at open (D12): the severity's default, unless the scenario keeps its
    incidents private (security breach, data loss, ...) or the service is the synthetic test.
    Only a person makes such an incident public later."""
    return runbook.severity(severity).public and runbook.scenario(scenario).public_by_default and not service.synthetic


def public_update(
    incident: Incident, status: IncidentStatus, now: datetime, text: str | None = None, runbook: Runbook = RUNBOOK
) -> PublicUpdate:
    """One entry of the public history. A person's own words are used as given (the page
    escapes them); otherwise the status's wording, the scenario's own where it has one."""
    if text is not None and text.strip():
        return PublicUpdate(at=now, status=status, text=text.strip())
    scenario = runbook.scenario(incident.scenario)
    phrases = _phrases()
    key = status.value.lower()
    wording = phrases.get(f"{key}.{scenario.name}") or phrases[key]
    return PublicUpdate(
        at=now,
        status=status,
        text=Template(wording).substitute(service=incident.service, title=scenario.public_title),
    )


@cache
def _phrases() -> dict[str, str]:
    phrases: dict[str, str] = json.loads((TEMPLATES / "phrases.json").read_text(encoding="utf-8"))["updates"]
    return phrases
