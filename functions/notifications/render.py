"""Render the runbook's templates. All wording lives in `templates/`; this module only fills fields."""

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from string import Template
from typing import Any

from pydantic import BaseModel

from functions.incident import Incident, IncidentStatus
from functions.lifecycle import held
from functions.notifications.escape import escape_text
from functions.policy import RUNBOOK, Level, Runbook
from functions.roster.holder import Holder

TEMPLATES = Path(__file__).parent / "templates"
VERDICT_ICONS = {"ok": "✅", "warning": "⚠️", "critical": "❌", "unknown": "❔"}


class Message(BaseModel, defer_build=True):
    kind: str
    subject: str
    text: str
    level: Level | None = None
    mentions: list[str] = []  # Slack user ids: chat channels notify them, other channels ignore them


@cache
def template(name: str, suffix: str = ".txt") -> Template:
    return Template((TEMPLATES / f"{name}{suffix}").read_text(encoding="utf-8"))


@cache
def _phrases() -> dict[str, str]:
    phrases: dict[str, str] = json.loads((TEMPLATES / "phrases.json").read_text(encoding="utf-8"))
    return phrases


def phrase(key: str, **fields: Any) -> str:
    return Template(_phrases()[key]).substitute(fields)


def render(name: str, fields: Mapping[str, Any]) -> str:
    """Strict: a template field without a value is a bug, never a blank in a page."""
    return template(name).substitute(fields).rstrip() + "\n"


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{mins} min" if mins or not minutes else ""]
    return " ".join(part for part in parts if part) or "0 min"


def _common(incident: Incident) -> dict[str, str]:
    return {
        "severity": incident.severity.value,
        "service": escape_text(incident.service),
        "status": incident.status.value,
        "impact": escape_text(incident.impact),
        "next_update": when(incident.next_update_at),
        "root_cause": escape_text(incident.root_cause) or phrase("root_cause_unknown"),
    }


def _links(links: Mapping[str, str] | None) -> str:
    return phrase("links", ack=links["ack"], resolve=links["resolve"]) if links else ""


def _trigger(incident: Incident) -> str:
    first = next(iter(incident.alarms.values()), None)
    if incident.declared_by is not None:
        return phrase("trigger_declared", by=escape_text(incident.declared_by), title=escape_text(incident.title))
    if first is None:
        return escape_text(incident.title)
    return phrase("trigger", name=escape_text(first.name), state=first.state.value, reason=escape_text(first.reason))


def _maintenance(incident: Incident) -> str:
    hold = incident.maintenance
    if hold is None:
        return ""
    return phrase(
        "maintenance_held" if held(incident) else "maintenance_pages",
        window=escape_text(hold.window_id),
        reason=escape_text(hold.reason),
        until=when(hold.until),
        severity=incident.severity.value,
    )


def diagnosis(findings: list[dict[str, Any]], checked_at: datetime | None) -> str:
    if not findings:
        return ""
    rows = "\n".join(
        phrase(
            "diagnosis_row",
            icon=VERDICT_ICONS.get(str(f.get("status")), "❔"),
            check=escape_text(str(f.get("check"))),
            summary=escape_text(str(f.get("summary")), limit=200),
        )
        for f in findings
    )
    commands = "\n".join(phrase("diagnosis_command", command=str(f["command"])) for f in findings if f.get("command"))
    return render("diagnosis", {"checked_at": when(checked_at), "rows": rows, "commands": commands})


def _graph(url: str | None) -> str:
    return phrase("graph_link", url=url) if url else ""


def initial_message(
    incident: Incident,
    links: Mapping[str, str] | None = None,
    graph_url: str | None = None,
    early: bool = False,
    budget_seconds: float = 10,
) -> Message:
    """`early`: sent before the checks ran (D19); it says their verdicts follow."""
    fields = _common(incident) | {
        "start_time": when(incident.opened_at),
        "affected_systems": ", ".join(escape_text(s) for s in incident.affected_systems),
        "trigger": _trigger(incident),
        "maintenance": _maintenance(incident),
        "graph": _graph(graph_url),
        "channel": incident.channel_name,
        "diagnosis": phrase("diagnosis_follows", budget=f"{budget_seconds:g}")
        if early
        else diagnosis(incident.findings, incident.opened_at),
        "links": _links(links),
    }
    subject = phrase(
        "subject_initial",
        severity=incident.severity.value,
        service=incident.service,
        title=escape_text(incident.title, limit=60),
    )
    return Message(kind="initial", subject=subject, text=render("initial", fields))


def eta(incident: Incident, runbook: Runbook = RUNBOOK) -> str:
    if incident.extra.get("eta"):
        return escape_text(str(incident.extra["eta"]))
    if incident.status is not IncidentStatus.MONITORING or incident.monitoring_since is None:
        return phrase("eta_investigating")
    settle = incident.monitoring_since + timedelta(seconds=runbook.stabilisation_seconds)
    if runbook.severity(incident.severity).human_confirms_resolution:
        return phrase("eta_confirm", since=when(incident.monitoring_since), at=when(settle))
    return phrase("eta_auto_resolve", at=when(settle))


def update_message(incident: Incident, links: Mapping[str, str] | None = None, with_diagnosis: bool = False) -> Message:
    actions = "\n".join(f"- {escape_text(action)}" for action in incident.actions_taken) or phrase("no_actions")
    fields = _common(incident) | {
        "eta": eta(incident),
        "actions_taken": actions,
        "links": _links(links),
        "diagnosis": diagnosis(incident.findings, incident.updated_at) if with_diagnosis else "",
    }
    subject = phrase(
        "subject_update", severity=incident.severity.value, service=incident.service, status=incident.status.value
    )
    return Message(kind="update", subject=subject, text=render("update", fields))


def diagnosis_update_message(incident: Incident, links: Mapping[str, str] | None = None) -> Message:
    """The Status Update that follows a P0's early Initial Notification with the checks' verdicts (D19)."""
    message = update_message(incident, links, with_diagnosis=True)
    worst = next((f for f in incident.findings if f.get("status") == "critical"), None) or next(
        iter(incident.findings), None
    )
    verdict = escape_text(str(worst.get("summary")), limit=60) if worst else incident.status.value
    subject = phrase("subject_diagnosis", severity=incident.severity.value, service=incident.service, verdict=verdict)
    return message.model_copy(update={"subject": subject})


def resolution_message(incident: Incident, postmortem_link: str | None = None) -> Message:
    resolved_at = incident.resolved_at or incident.updated_at
    if incident.postmortem_at and postmortem_link:
        postmortem = phrase("postmortem_scheduled_link", at=when(incident.postmortem_at), link=postmortem_link)
    elif incident.postmortem_at:
        postmortem = phrase("postmortem_scheduled", at=when(incident.postmortem_at))
    else:
        postmortem = phrase("postmortem_none", severity=incident.severity.value)
    fields = _common(incident) | {
        "duration": duration(resolved_at - incident.opened_at),
        "resolution": escape_text(incident.resolution) or phrase("resolution_unknown"),
        "postmortem": postmortem,
    }
    subject = phrase("subject_resolution", severity=incident.severity.value, service=incident.service)
    return Message(kind="resolution", subject=subject, text=render("resolution", fields))


# --- escalation messages -----------------------------------------------------------------------


def _ladder_fields(
    incident: Incident, level: Level, now: datetime, links: Mapping[str, str] | None, holder: Holder | None = None
) -> dict[str, str]:
    policy = RUNBOOK.level(level)
    paged = ", ".join(f"{lv.value} at {when(at)}" for lv, at in sorted(incident.paged_at.items())) or "nobody yet"
    return {
        "level": level.value,
        "role": policy.role,
        "severity": incident.severity.value,
        "service": escape_text(incident.service),
        "title": escape_text(incident.title),
        "incident_id": incident.id,
        "status": incident.status.value,
        "open_for": duration(now - incident.opened_at),
        "paged_before": paged,
        "links": _links(links),
        "on_call": _on_call(level, holder),
    }


def _on_call(level: Level, holder: Holder | None) -> str:
    if holder is None or holder.name is None:
        why = escape_text(holder.missing if holder else "") or "not configured"
        return phrase("on_call_unknown", level=level.value, why=why)
    return phrase("on_call", name=escape_text(holder.name), phone=escape_text(holder.phone))


def _mentions(holder: Holder | None) -> list[str]:
    return [holder.slack] if holder and holder.slack else []


def page_message(
    incident: Incident,
    level: Level,
    now: datetime,
    links: Mapping[str, str] | None,
    holder: Holder | None = None,
    graph_url: str | None = None,
) -> Message:
    why = phrase("why_first") if level is Level.L1 else phrase("why_escalated", below=_below(level))
    fields = _ladder_fields(incident, level, now, links, holder) | {"why": why, "graph": _graph(graph_url)}
    return Message(
        kind="page",
        subject=_ladder_subject("PAGE", incident, level),
        text=render("page", fields),
        level=level,
        mentions=_mentions(holder),
    )


def reminder_message(
    incident: Incident, level: Level, now: datetime, links: Mapping[str, str] | None, holder: Holder | None = None
) -> Message:
    fields = _ladder_fields(incident, level, now, links, holder) | {
        "paged_at": when(incident.paged_at.get(level)),
        "response_time": duration(timedelta(seconds=RUNBOOK.severity(incident.severity).response_seconds)),
    }
    return Message(
        kind="reminder",
        subject=_ladder_subject("NOT ACKNOWLEDGED", incident, level),
        text=render("reminder", fields),
        level=level,
        mentions=_mentions(holder),
    )


def exhausted_message(
    incident: Incident,
    level: Level,
    now: datetime,
    links: Mapping[str, str] | None,
    interval: timedelta,
    limit: int,
    reminder: bool,
    holder: Holder | None = None,
) -> Message:
    """Every level is told once (a page); afterwards L4 alone is reminded. `holder` is L4's."""
    fields = _ladder_fields(incident, Level.L4, now, links, holder) | {
        "interval": duration(interval),
        "limit": str(limit),
    }
    return Message(
        kind="reminder" if reminder else "page",
        subject=_ladder_subject("ESCALATION EXHAUSTED", incident, level),
        text=render("exhausted", fields),
        level=level,
        mentions=_mentions(holder) if level is Level.L4 else [],
    )


def nudge_message(
    incident: Incident, level: Level, now: datetime, update_link: str, holder: Holder | None = None
) -> Message:
    fields = _ladder_fields(incident, level, now, None, holder) | {
        "promised": when(incident.next_update_at),
        "update_link": update_link or phrase("no_update_link"),
    }
    return Message(
        kind="reminder",
        subject=_ladder_subject("UPDATE OVERDUE", incident, level),
        text=render("nudge", fields),
        level=level,
        mentions=_mentions(holder),
    )


def confirm_message(
    incident: Incident, level: Level, now: datetime, links: Mapping[str, str] | None, holder: Holder | None = None
) -> Message:
    fields = _ladder_fields(incident, level, now, links, holder) | {"since": when(incident.monitoring_since)}
    return Message(
        kind="reminder",
        subject=_ladder_subject("CONFIRM RESOLUTION", incident, level),
        text=render("confirm", fields),
        level=level,
        mentions=_mentions(holder),
    )


def _below(level: Level) -> str:
    return Level(f"L{level.position}").value


def _ladder_subject(what: str, incident: Incident, level: Level) -> str:
    return phrase(
        "subject_ladder", what=what, level=level.value, severity=incident.severity.value, service=incident.service
    )
