"""What a replay produced: incidents, messages as people received them, timelines, actions.

Plain data with its JSON form; `local.transcript` renders it for people, `local.replay` fills it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from functions.incident import Incident, TimelineEntry
from local.status_watch import PageVersion
from local.world import Delivered


@dataclass
class ReplayReport:
    start: datetime
    incidents: list[Incident] = field(default_factory=list)
    notifications: list[Delivered] = field(default_factory=list)
    timelines: dict[str, list[TimelineEntry]] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    postmortems: dict[str, str] = field(default_factory=dict)
    channels: list[dict[str, Any]] = field(default_factory=list)  # the incident channels as Slack holds them
    status_page: list[PageVersion] = field(default_factory=list)  # each version a visitor could have seen

    def at_s(self, moment: datetime | None) -> float | None:
        return round((moment - self.start).total_seconds(), 3) if moment else None

    @property
    def incident(self) -> Incident | None:
        return self.incidents[-1] if self.incidents else None

    def as_json(self) -> dict[str, Any]:
        incident = self.incident
        return {
            "incident": _incident_json(incident) if incident else None,
            "incidents": [_incident_json(i) for i in self.incidents],
            "notifications": [
                {
                    "at_s": self.at_s(n.at),
                    "kind": n.kind,
                    "level": n.level,
                    "channel": n.channel,
                    "incident_id": n.incident_id,
                    "text": n.text,
                }
                for n in self.notifications
            ],
            "findings": [
                {key: f.get(key) for key in ("check", "status", "summary", "command")}
                for f in (incident.findings if incident else [])
            ],
            "timeline": [
                {"at_s": self.at_s(e.at), "kind": e.kind, "text": e.text, "incident_id": incident_id}
                for incident_id, entries in self.timelines.items()
                for e in entries
            ],
            "results": self.results,
            "actions": self.actions,
            "postmortems": self.postmortems,
            "channels": self.channels,
            "status_page": [
                {"at_s": self.at_s(v.at), "state": v.state, "services": v.services, "incidents": v.incidents}
                for v in self.status_page
            ],
        }


def _incident_json(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "severity": incident.severity.value,
        "status": incident.status.value,
        "scenario": incident.scenario,
        "service": incident.service,
        "opened_at": incident.opened_at.isoformat(),
        "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
        "alarms": {name: alarm.state.value for name, alarm in incident.alarms.items()},
        "escalation_execution": incident.escalation_execution,
        "postmortem": incident.postmortem_key,
    }
