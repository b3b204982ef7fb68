"""The application's ERROR lines of the last hour, grouped into signatures."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field

from functions.aws import AwsClients
from functions.diagnostics import base
from functions.diagnostics.base import CheckContext, Finding, Status
from functions.policy import Resource

CLIENTS = ("logs",)
NEEDS: tuple[Resource, ...] = ("log_group",)


class Params(base.Params):
    filter_pattern: str = "ERROR"
    window_minutes: int = Field(default=60, ge=1, le=24 * 60)
    warning_events: int = Field(default=10, ge=1, description="this many ERROR lines in the window warns")
    critical_events: int = Field(default=100, ge=1, description="this many ERROR lines in the window is critical")
    top: int = Field(default=5, ge=1, le=20, description="signatures reported")
    max_events: int = Field(
        default=2000, ge=1, description="stop reading after this many lines (counts are then a floor)"
    )
    max_pages: int = Field(default=5, ge=1, le=50)
    page_size: int | None = Field(default=None, ge=1, le=10_000, description="events per page (AWS default)")


def command(ctx: CheckContext, params: Params | None = None) -> str:
    params = params or Params()
    start = int((ctx.now - timedelta(minutes=params.window_minutes)).timestamp() * 1000)
    return (
        f"aws logs filter-log-events --log-group-name {ctx.service.log_group} "
        f"--filter-pattern {params.filter_pattern!r} --start-time {start} "
        f"--end-time {int(ctx.now.timestamp() * 1000)}"
    )


def error_log_signatures(ctx: CheckContext, clients: AwsClients, params: Params) -> Finding:
    """The most frequent ERROR signatures in the service's log group over the last hour.

    Lines are grouped by shape: numbers, ids, hex, IP addresses and quoted values are blanked, so
    "timeout after 3021 ms for user 42" and "... 2990 ms for user 7" count as one signature. The
    top five with counts, first/last seen and one example line tell a responder whether this is
    one new failure (a deploy, a dependency) or background noise.
    """
    start = ctx.now - timedelta(minutes=params.window_minutes)
    request: dict[str, Any] = {
        "logGroupName": ctx.service.log_group,
        "filterPattern": params.filter_pattern,
        "startTime": int(start.timestamp() * 1000),
        "endTime": int(ctx.now.timestamp() * 1000),
    }
    if params.page_size:
        request["limit"] = params.page_size
    groups: dict[str, dict[str, Any]] = {}
    total = 0
    truncated = False
    for page_number in range(params.max_pages):
        page = clients.logs.filter_log_events(**request)
        for event in page.get("events", []):
            total += 1
            message = event.get("message", "")
            key = signature(message)
            group = groups.setdefault(
                key,
                {
                    "signature": key,
                    "count": 0,
                    "example": message.strip()[:300],
                    "first_seen": event["timestamp"],
                    "last_seen": event["timestamp"],
                },
            )
            group["count"] += 1
            group["first_seen"] = min(group["first_seen"], event["timestamp"])
            group["last_seen"] = max(group["last_seen"], event["timestamp"])
        token = page.get("nextToken")
        if not token:
            break
        if total >= params.max_events or page_number == params.max_pages - 1:
            truncated = True
            break
        request["nextToken"] = token

    top = sorted(groups.values(), key=lambda g: (-g["count"], g["first_seen"]))[: params.top]
    for group in top:
        group["first_seen"] = _iso(group["first_seen"])
        group["last_seen"] = _iso(group["last_seen"])
    evidence = {
        "log_group": ctx.service.log_group,
        "window_minutes": params.window_minutes,
        "total": total,
        "truncated": truncated,
        "distinct_signatures": len(groups),
        "signatures": top,
    }
    status = base.grade(total, params.warning_events, params.critical_events) if total else Status.OK
    count = f"{total}{'+' if truncated else ''}"
    if not total:
        summary = f"no {params.filter_pattern} lines in {ctx.service.log_group} in the last {params.window_minutes} min"
    else:
        leading = "; ".join(f"{g['count']}× {_clip(g['signature'], 100)}" for g in top[:3])
        summary = (
            f"{count} {params.filter_pattern} lines in {params.window_minutes} min, "
            f"{len(groups)} signature{'s' if len(groups) != 1 else ''}: {leading}"
        )
    return Finding(
        check="error_log_signatures",
        status=status,
        summary=summary,
        evidence=evidence,
        command=command(ctx, params),
    )


_LEADING_TIMESTAMP = re.compile(r"^\[?\d{4}-\d{2}-\d{2}[T ][\d:.,]+(?:Z|[+-]\d{2}:?\d{2})?\]?\s*")
_MASKS = (
    (re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'"), "<str>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<id>"),
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"), "<ip>"),
    (re.compile(r"\b0x[0-9a-f]+\b|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b", re.I), "<hex>"),
    (re.compile(r"(?<![A-Za-z0-9])\d+(?:\.\d+)*"), "<n>"),
)
_SPACES = re.compile(r"\s+")


def signature(message: str) -> str:
    """The shape of a log line: what stays when the values that vary per occurrence are blanked."""
    text = _message_of(message.strip())
    text = _LEADING_TIMESTAMP.sub("", text)
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return _SPACES.sub(" ", text).strip()[:200]


def _message_of(line: str) -> str:
    """Structured (JSON) lines group by their level, message and exception type, not by the whole object."""
    if not line.startswith("{"):
        return line
    try:
        record = json.loads(line)
    except ValueError:
        return line
    if not isinstance(record, dict):
        return line
    message = record.get("message") or record.get("msg") or line
    parts = [str(record.get("level", "")), str(message), str(record.get("exception_name", ""))]
    return " ".join(part for part in parts if part)


def _iso(millis: int) -> str:
    return datetime.fromtimestamp(millis / 1000, tz=UTC).isoformat()


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
