"""The post-mortem draft in the runbook's template, built from the incident and its timeline."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from functions.incident import Incident, TimelineEntry
from functions.notifications.escape import escape_text
from functions.notifications.render import duration, phrase, template, when
from functions.policy import RUNBOOK, Runbook

REVIEW_HOUR_UTC = 10


def review_time(incident: Incident, resolved_at: datetime, runbook: Runbook = RUNBOOK) -> datetime | None:
    """D6: P0 two days, P1 five days after resolution, at the next 10:00 UTC."""
    due = runbook.severity(incident.severity).postmortem_due_seconds
    if due is None:
        return None
    moment = resolved_at + timedelta(seconds=due)
    review = moment.replace(hour=REVIEW_HOUR_UTC, minute=0, second=0, microsecond=0)
    return review if review >= moment else review + timedelta(days=1)


def postmortem_key(incident: Incident) -> str:
    return f"postmortems/{incident.service}/{incident.id}.md"


def render_postmortem(incident: Incident, timeline: list[TimelineEntry]) -> str:
    resolved_at = incident.resolved_at or incident.updated_at
    review_at = incident.postmortem_at or resolved_at
    fields: dict[str, Any] = {
        "title": escape_text(incident.title),
        "severity": incident.severity.value,
        "service": escape_text(incident.service),
        "scenario": incident.scenario,
        "scenario_title": RUNBOOK.scenario(incident.scenario).title,
        "duration": duration(resolved_at - incident.opened_at),
        "opened_at": when(incident.opened_at),
        "resolved_at": when(resolved_at),
        "summary": escape_text(incident.resolution) or phrase("resolution_unknown"),
        "timeline": "\n".join(f"- {when(e.at)}: {escape_text(e.text)}" for e in timeline) or "- (empty)",
        "root_cause": escape_text(incident.root_cause) or phrase("root_cause_unknown"),
        "impact": escape_text(incident.impact),
        "actions_taken": "\n".join(f"- {escape_text(a)}" for a in incident.actions_taken) or "- (none recorded)",
        "owner": escape_text(incident.resolved_by) or "incident owner",
        "due": when(review_at),
        "review_at": when(review_at),
        "diagnosis": "\n".join(
            f"- {f.get('check')}: {f.get('status')} - {escape_text(str(f.get('summary')))}" for f in incident.findings
        )
        or "- (no automatic checks ran)",
    }
    return template("postmortem", suffix=".md").substitute(fields)


class PostmortemWriter:
    """Writes the draft to the private, encrypted post-mortem bucket."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def write(self, incident: Incident, timeline: list[TimelineEntry]) -> str | None:
        if not self._bucket or incident.postmortem_key is None:
            return None
        self._s3.put_object(
            Bucket=self._bucket,
            Key=incident.postmortem_key,
            Body=render_postmortem(incident, timeline).encode(),
            ContentType="text/markdown; charset=utf-8",
        )
        return f"s3://{self._bucket}/{incident.postmortem_key}"
