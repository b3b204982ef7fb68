"""A declaration: a person opens an incident no alarm can raise (policy D13).

It arrives as a signed `POST /incidents`, a Slack `/incident declare ...` or `responder declare`;
the actions API checks it and hands it to the intake as an `Incident Declared` event, so a declared
incident takes the same first response (channel, notification, ladder, status page) as an alarm's.
"""

import hashlib
import shlex
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from functions.policy import RUNBOOK, Runbook, Severity
from functions.services import SERVICE_NAME_PATTERN
from functions.validation import error_line

RESPONDER_SOURCE = "runbook-responder"
DECLARED_DETAIL_TYPE = "Incident Declared"
# What people type for each declarable scenario; the scenario's own name always works too.
KIND_ALIASES = {
    "security": "security-breach",
    "breach": "security-breach",
    "data": "data-loss",
    "partial": "partial-outage",
    "outage": "partial-outage",
    "docs": "documentation",
    "doc": "documentation",
    "feature": "enhancement",
}
DeclaredVia = Literal["cli", "api", "slack"]


class DeclarationError(ValueError):
    """One line naming the field and the problem; nothing was declared."""


def declarable_kinds(runbook: Runbook = RUNBOOK) -> list[str]:
    return [scenario.name for scenario in runbook.declarable]


def resolve_kind(kind: str, runbook: Runbook = RUNBOOK) -> str:
    text = kind.strip().lower()
    name = KIND_ALIASES.get(text, text)
    if name not in declarable_kinds(runbook):
        shown = kind if len(kind) <= 40 else kind[:40] + "…"
        raise DeclarationError(f"kind {shown!r} is not one of {', '.join(declarable_kinds(runbook))}")
    return name


class Declaration(BaseModel, defer_build=True):
    """Validated: `kind` is a declarable scenario, `severity` defaults to the scenario's, a title is required."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    severity: Severity
    title: str = Field(min_length=1, max_length=200)
    service: str = Field(pattern=SERVICE_NAME_PATTERN)
    impact: str | None = Field(default=None, max_length=500)
    public: bool | None = None  # None: the policy decides (D12); a security incident stays private
    by: str = Field(min_length=1, max_length=80)
    via: DeclaredVia
    declared_at: datetime
    request_id: str = Field(min_length=1, max_length=120, description="the same id twice declares once")

    @field_validator("title", "by", "impact", mode="before")
    @classmethod
    def _one_line(cls, value: Any) -> Any:
        return " ".join(value.split()) if isinstance(value, str) else value

    @field_validator("kind")
    @classmethod
    def _declarable(cls, kind: str) -> str:
        return resolve_kind(kind)

    @property
    def delivery_key(self) -> str:
        return f"declared|{self.request_id}"

    def to_event(self) -> dict[str, Any]:
        """The intake's input: EventBridge-shaped, so a rule on a bus could declare too."""
        return {
            "version": "0",
            "id": hashlib.sha256(self.request_id.encode()).hexdigest()[:32],
            "source": RESPONDER_SOURCE,
            "detail-type": DECLARED_DETAIL_TYPE,
            "time": self.declared_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "resources": [],
            "detail": self.model_dump(mode="json"),
        }


def declaration(fields: dict[str, Any], services: list[str]) -> Declaration:
    """Build from loose input (API body, CLI, slash command): one line per problem, the first one raised."""
    data = dict(fields)
    if not str(data.get("title") or "").strip():
        raise DeclarationError("title: a declared incident needs a title")
    kind = resolve_kind(str(data.get("kind") or ""))
    data["kind"] = kind
    if not data.get("severity"):
        data["severity"] = RUNBOOK.scenario(kind).declared_severity
    data["service"] = _service(data.get("service"), services)
    try:
        return Declaration.model_validate(data)
    except ValidationError as error:
        raise DeclarationError(error_line(error, model=Declaration)) from None


def _service(service: Any, services: list[str]) -> str:
    if service:
        if service not in services:
            raise DeclarationError(f"service {service!r} is not a configured service ({', '.join(services)})")
        return str(service)
    if len(services) == 1:
        return services[0]
    raise DeclarationError(f"service: name one of {', '.join(services)}")


SLASH_USAGE = 'usage: /incident declare [P0-P3] <kind> "<title>" [service=<name>] [public|private]'


def parse_slash_command(text: str) -> dict[str, Any]:
    """`declare P0 security "Customer data exposed" service=shop public` → declaration fields."""
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise DeclarationError(f"slash command: {error}; {SLASH_USAGE}") from None
    if not words or words[0].lower() != "declare":
        raise DeclarationError(SLASH_USAGE)
    words = words[1:]
    fields: dict[str, Any] = {}
    if words and words[0].upper() in Severity.__members__:
        fields["severity"] = words.pop(0).upper()
    if not words:
        raise DeclarationError(f"slash command: no kind; {SLASH_USAGE}")
    fields["kind"] = words.pop(0)
    title: list[str] = []
    for word in words:
        if word.startswith("service="):
            fields["service"] = word.split("=", 1)[1]
        elif word.lower() in ("public", "private"):
            fields["public"] = word.lower() == "public"
        else:
            title.append(word)
    fields["title"] = " ".join(title)
    return fields
