"""The replay as a person on call would read it: each message once, with where it went."""

from __future__ import annotations

from datetime import datetime
from itertools import groupby

from local.report import ReplayReport
from local.world import Delivered


def clock_label(seconds: float | None) -> str:
    if seconds is None:
        return "+?"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"+{hours}h{minutes:02d}m{secs:02d}s"


def _same_message(n: Delivered) -> tuple[datetime | None, str, str | None, str]:
    """Slack and SNS carry one message in two markdown dialects: show it once."""
    return (n.at, n.kind, n.level, n.incident_id)


def render_transcript(report: ReplayReport) -> str:
    lines: list[str] = []
    for (at, kind, level, _), group in groupby(report.notifications, key=_same_message):
        messages = list(group)
        channels = ", ".join(n.channel for n in messages)
        text = next((n.text for n in messages if n.channel != "slack"), messages[0].text)
        header = f"── {clock_label(report.at_s(at))}  {kind}{' ' + str(level) if level else ''}  → {channels} "
        lines.append(header.ljust(96, "─"))
        lines.append(str(text).rstrip())
        lines.append("")
    for incident in report.incidents:
        lines.append(
            f"Incident {incident.id}: {incident.severity.value} {incident.scenario}, "
            f"status {incident.status.value}, service {incident.service}"
        )
        for entry in report.timelines.get(incident.id, []):
            lines.append(f"  {clock_label(report.at_s(entry.at))}  {entry.kind:<12} {entry.text}")
    if not report.incidents:
        lines.append("No incident: " + "; ".join(f"{r.get('name')}: {r.get('result')}" for r in report.results))
    lines.extend(_channels(report))
    lines.extend(_status_page(report))
    return "\n".join(lines)


def _channels(report: ReplayReport) -> list[str]:
    return [
        f"Slack channel {c['name']}: created {c['created']}×, members {', '.join(c['members']) or 'none'}, "
        f"{c['messages']} messages, {len(c['files'])} file(s), {'archived' if c['archived'] else 'open'}"
        for c in report.channels
    ]


def _status_page(report: ReplayReport) -> list[str]:
    if not report.status_page:
        return []
    steps = " → ".join(f"{clock_label(report.at_s(v.at))} {v.state}" for v in report.status_page)
    return [f"Status page: {steps}"]
