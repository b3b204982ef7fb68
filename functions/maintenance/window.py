"""Maintenance windows (policy D14): a service, a start, an end and a reason.

Declared by people (`responder maintenance`, a signed `POST /maintenance`) or read from an AWS
Health scheduled change; either way they reach the intake as an event and are kept on the
service, so every alarm's first read already knows whether it fired inside a window.
"""

import hashlib
from datetime import datetime, timedelta
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from functions.declared.declaration import RESPONDER_SOURCE
from functions.intake.signal import Signal, SignalSource
from functions.services import SERVICE_NAME_PATTERN
from functions.validation import error_line

WINDOW_DECLARED = "Maintenance Window Declared"
WINDOW_ENDED = "Maintenance Window Ended"
MAX_WINDOW = timedelta(days=7)
WindowSource = Literal["cli", "api", "aws-health"]


class WindowError(ValueError):
    """One line naming the field and the problem; no window was stored."""


class MaintenanceWindow(BaseModel, defer_build=True):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    service: str = Field(pattern=SERVICE_NAME_PATTERN)
    starts_at: datetime
    ends_at: datetime
    reason: str = Field(min_length=1, max_length=300)
    source: WindowSource
    by: str = Field(min_length=1, max_length=80)
    declared_at: datetime

    @field_validator("reason", "by", mode="before")
    @classmethod
    def _one_line(cls, value: Any) -> Any:
        return " ".join(value.split()) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError(f"ends at {self.ends_at:%Y-%m-%d %H:%M} UTC, before it starts")
        if self.ends_at - self.starts_at > MAX_WINDOW:
            raise ValueError("is longer than 7 days; declare the work in shorter windows")
        return self

    def covers(self, moment: datetime) -> bool:
        return self.starts_at <= moment < self.ends_at

    def to_event(self) -> dict[str, Any]:
        return _event(WINDOW_DECLARED, self.model_dump(mode="json"), self.declared_at)


class WindowEnd(BaseModel, defer_build=True):
    """A person ends a window early; what is still in ALARM is re-evaluated now."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    service: str = Field(pattern=SERVICE_NAME_PATTERN)
    ended_at: datetime
    by: str = Field(min_length=1, max_length=80)

    def to_event(self) -> dict[str, Any]:
        return _event(WINDOW_ENDED, self.model_dump(mode="json"), self.ended_at)


def _event(detail_type: str, detail: dict[str, Any], at: datetime) -> dict[str, Any]:
    return {
        "version": "0",
        "id": hashlib.sha256(f"{detail_type}|{detail['id']}|{at.isoformat()}".encode()).hexdigest()[:32],
        "source": RESPONDER_SOURCE,
        "detail-type": detail_type,
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "resources": [],
        "detail": detail,
    }


def window(fields: dict[str, Any], services: list[str], now: datetime) -> MaintenanceWindow:
    """Build from loose input (API body, CLI): the first problem raised as one line."""
    data = {"declared_at": now, **fields}
    if data.get("service") not in services:
        known = ", ".join(services)
        raise WindowError(f"service {data.get('service')!r} is not a configured service ({known})")
    if not data.get("id"):
        seed = f"{data.get('service')}|{data.get('starts_at')}|{data.get('ends_at')}"
        data["id"] = "mw-" + hashlib.sha256(seed.encode()).hexdigest()[:12]
    try:
        built = MaintenanceWindow.model_validate(data)
    except ValidationError as error:
        raise WindowError(f"maintenance window: {error_line(error, model=MaintenanceWindow)}") from None
    if built.ends_at <= now:
        raise WindowError(f"maintenance window: ended at {built.ends_at:%Y-%m-%d %H:%M} UTC, in the past")
    return built


def active(windows: list[MaintenanceWindow], moment: datetime) -> MaintenanceWindow | None:
    """The window covering `moment` that ends last (overlapping windows extend each other)."""
    covering = [w for w in windows if w.covers(moment)]
    return max(covering, key=lambda w: w.ends_at, default=None)


def merged(windows: list[MaintenanceWindow], new: MaintenanceWindow, now: datetime) -> list[MaintenanceWindow]:
    """The service's windows with `new` added (or replacing the same id) and the finished ones dropped."""
    kept = [w for w in windows if w.id != new.id and w.ends_at > now]
    return sorted([*kept, new], key=lambda w: w.starts_at)


def ended(windows: list[MaintenanceWindow], end: WindowEnd) -> list[MaintenanceWindow]:
    """Ending a window early moves its end to the moment it was ended; a future window is dropped."""
    result = []
    for w in windows:
        if w.id != end.id:
            result.append(w)
        elif w.starts_at < end.ended_at:
            result.append(w.model_copy(update={"ends_at": min(w.ends_at, end.ended_at)}))
    return result


def from_health(signal: Signal, service: str, now: datetime) -> MaintenanceWindow | None:
    """An AWS Health scheduled change on a service's resource is a window of that service (D14).

    None when it is not one, or not one we can keep (no times, over, longer than a window may be:
    it stays a timeline entry then, as every Health event does).
    """
    if signal.source is not SignalSource.HEALTH or "scheduledChange" not in signal.categories:
        return None
    if signal.starts_at is None or signal.ends_at is None or signal.ends_at <= now:
        return None
    seed = signal.event_id or f"{signal.name}|{signal.starts_at.isoformat()}"
    try:
        return MaintenanceWindow(
            id="health-" + hashlib.sha256(seed.encode()).hexdigest()[:12],
            service=service,
            starts_at=signal.starts_at,
            ends_at=signal.ends_at,
            reason=f"AWS Health {signal.name}",
            source="aws-health",
            by="AWS Health",
            declared_at=signal.occurred_at,
        )
    except ValidationError:
        return None
