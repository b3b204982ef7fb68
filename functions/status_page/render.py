"""The status page as files: `index.html` (self-contained, no script) and `status.json`.

Wording lives in `templates/`; every value is html-escaped here, a person's update text included.
The page's only style is one inline `<style>` element, so the Content-Security-Policy can allow
exactly that element by its hash and nothing else (no scripts, no other origins).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from datetime import datetime
from functools import cache
from string import Template
from typing import Any

from pydantic import BaseModel, ConfigDict

from functions.incident import PublicUpdate
from functions.status_page.page import ServiceState, ServiceStatus, StatusPage
from functions.status_page.public import TEMPLATES, PublicIncident

HTML_CONTENT_TYPE = "text/html; charset=utf-8"
JSON_CONTENT_TYPE = "application/json"


class StatusDocument(BaseModel, defer_build=True):
    """status.json: the same facts as the page, for machines."""

    model_config = ConfigDict(frozen=True)

    generated_at: datetime
    history_days: int
    state: ServiceState
    services: tuple[ServiceStatus, ...]
    incidents: tuple[PublicIncident, ...]  # open ones first, then the history; updates oldest first


@cache
def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


@cache
def _page_phrases() -> dict[str, str]:
    phrases: dict[str, str] = json.loads((TEMPLATES / "phrases.json").read_text(encoding="utf-8"))["page"]
    return phrases


def _phrase(key: str, **fields: Any) -> str:
    return Template(_page_phrases()[key]).substitute(fields)


def _fill(template_name: str, /, **fields: str) -> str:
    """Strict: a field without a value is a bug, never a blank on the page. Values arrive escaped."""
    return _template(template_name).substitute(fields).rstrip("\n")


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _service(service: ServiceStatus) -> str:
    state = service.state.value
    return _fill(
        "service.html",
        state=state,
        name=_e(service.name),
        icon=_e(_phrase(f"icon.{state}")),
        state_word=_e(_phrase(f"state.{state}")),
    )


def _update(update: PublicUpdate) -> str:
    return _fill(
        "update.html",
        status=_e(update.status.value),
        at_iso=_iso(update.at),
        at=_when(update.at),
        text=_e(update.text),
    )


def _incident(incident: PublicIncident) -> str:
    resolved = ""
    if incident.resolved_at is not None:
        resolved = _fill("resolved.html", resolved_iso=_iso(incident.resolved_at), resolved=_when(incident.resolved_at))
    newest_first = sorted(incident.updates, key=lambda update: update.at, reverse=True)
    return _fill(
        "incident.html",
        css="resolved" if not incident.is_open else incident.impact,
        key=_e(incident.key),
        title=_e(incident.title),
        status=_e(incident.status.value),
        service=_e(incident.service),
        impact_word=_e(_phrase(f"impact.{incident.impact}")),
        started_iso=_iso(incident.started_at),
        started=_when(incident.started_at),
        resolved=resolved,
        updates="\n".join(_update(update) for update in newest_first),
    )


def _incidents(incidents: tuple[PublicIncident, ...], empty: str) -> str:
    if not incidents:
        return f'<p class="empty">{_e(empty)}</p>'
    return "\n".join(_incident(incident) for incident in incidents)


def render_html(page: StatusPage) -> str:
    overall = page.overall.value
    days = page.history_days
    return (
        _fill(
            "status.html",
            overall=overall,
            overall_icon=_e(_phrase(f"icon.{overall}")),
            summary=_e(_phrase(f"summary.{overall}")),
            services="\n".join(_service(service) for service in page.services),
            open=_incidents(page.open, _phrase("no_open")),
            history_heading=_e(_phrase("history", days=days)),
            history=_incidents(page.history, _phrase("no_history", days=days)),
            generated_iso=_iso(page.generated_at),
            generated=_when(page.generated_at),
        )
        + "\n"
    )


def render_json(page: StatusPage) -> str:
    document = StatusDocument(
        generated_at=page.generated_at,
        history_days=page.history_days,
        state=page.overall,
        services=page.services,
        incidents=page.open + page.history,
    )
    return document.model_dump_json(indent=2) + "\n"


@cache
def inline_style_source() -> str:
    """The CSP source that allows the page's one `<style>` element: the hash of its exact text."""
    match = re.search(r"<style>(.*?)</style>", (TEMPLATES / "status.html").read_text(encoding="utf-8"), re.DOTALL)
    if match is None or "$" in match.group(1):
        raise ValueError("status.html must hold one static <style> element (its hash is in the CSP)")
    digest = hashlib.sha256(match.group(1).encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def content_security_policy() -> str:
    """What the page may load: its own inline style, a data: favicon, nothing else, never framed."""
    return "; ".join(
        (
            "default-src 'none'",
            f"style-src {inline_style_source()}",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )
