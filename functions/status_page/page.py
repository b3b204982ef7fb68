"""What the status page says: each service's state, the open incidents and the recent history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from functions.incident import IncidentStatus
from functions.policy import RUNBOOK, Runbook
from functions.services import ServiceConfig
from functions.status_page.public import PublicIncident


class ServiceState(StrEnum):
    OPERATIONAL = "operational"
    DEGRADED = "degraded"
    OUTAGE = "outage"

    @property
    def rank(self) -> int:
        return list(ServiceState).index(self)


class ServiceStatus(BaseModel, defer_build=True):
    model_config = ConfigDict(frozen=True)

    name: str
    state: ServiceState


class StatusPage(BaseModel, defer_build=True):
    model_config = ConfigDict(frozen=True)

    generated_at: datetime
    history_days: int
    services: tuple[ServiceStatus, ...]
    open: tuple[PublicIncident, ...]  # newest first
    history: tuple[PublicIncident, ...]  # resolved within the window, most recently resolved first

    @property
    def overall(self) -> ServiceState:
        return max((service.state for service in self.services), key=lambda s: s.rank, default=ServiceState.OPERATIONAL)


def incident_state(incident: PublicIncident) -> ServiceState:
    """An open incident's effect on its service: its impact, but only degraded once monitoring."""
    if not incident.is_open:
        return ServiceState.OPERATIONAL
    if incident.status is IncidentStatus.MONITORING:
        return ServiceState.DEGRADED
    return ServiceState(incident.impact)


def service_states(services: Iterable[ServiceConfig], incidents: Iterable[PublicIncident]) -> tuple[ServiceStatus, ...]:
    """Every configured, non-synthetic service, worst open incident first: outage > degraded > operational."""
    worst: dict[str, ServiceState] = {}
    for incident in incidents:
        state = incident_state(incident)
        if state.rank > worst.get(incident.service, ServiceState.OPERATIONAL).rank:
            worst[incident.service] = state
    return tuple(
        ServiceStatus(name=service.name, state=worst.get(service.name, ServiceState.OPERATIONAL))
        for service in services
        if not service.synthetic
    )


def build_page(
    incidents: Iterable[PublicIncident], services: Sequence[ServiceConfig], now: datetime, runbook: Runbook = RUNBOOK
) -> StatusPage:
    """The page at `now`. Only configured, non-synthetic services appear, and only their incidents:
    an incident on a service the page does not list would name something that is not public."""
    shown = {service.name for service in services if not service.synthetic}
    since = now - timedelta(days=runbook.status_page_days)
    mine = [incident for incident in incidents if incident.service in shown]
    open_ = sorted((i for i in mine if i.is_open), key=lambda i: i.started_at, reverse=True)
    history = sorted(
        (i for i in mine if not i.is_open and i.resolved_at is not None and i.resolved_at >= since),
        key=lambda i: i.resolved_at or i.started_at,
        reverse=True,
    )
    return StatusPage(
        generated_at=now,
        history_days=runbook.status_page_days,
        services=service_states(services, open_),
        open=tuple(open_),
        history=tuple(history),
    )
