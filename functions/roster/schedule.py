"""Who holds a ladder level at a moment: the override covering it, else the rotation's week.

Weeks are `[hand-over, next hand-over)` and overrides `[start, end)`: at the exact hand-over moment
the next person holds the level, at an override's end the rotation has it back. All arithmetic is
on aware datetimes in whole microseconds, so boundaries are exact.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from functions.policy import RUNBOOK, Level
from functions.roster.model import WEEK, Person, Roster


class OnCall(BaseModel, defer_build=True):
    """One level's holder at a moment, how they came to hold it, and for how long (UTC)."""

    model_config = ConfigDict(frozen=True)

    level: Level
    role: str
    key: str
    person: Person
    source: Literal["rotation", "override"]
    since: datetime
    until: datetime
    reason: str | None = None  # the override's


def on_call(roster: Roster, level: Level, at: datetime) -> OnCall:
    """Who holds `level` at `at` (timezone-aware), from an override or the rotation, since and until when."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"on_call needs a timezone-aware moment, got {at.isoformat()}")
    level = Level(level)
    overrides = roster.overrides_for(level)
    for override in overrides:
        if override.start <= at < override.end:
            return _on_call(roster, level, override.person, "override", override.start, override.end, override.reason)
    week_start, key = _rotation_week(roster, level, at)
    week_end = week_start + WEEK
    since = max([week_start, *(o.end for o in overrides if week_start < o.end <= at)])
    until = min([week_end, *(o.start for o in overrides if at < o.start < week_end)])
    return _on_call(roster, level, key, "rotation", since, until, None)


def on_call_table(roster: Roster, at: datetime) -> tuple[OnCall, ...]:
    """Every level, L1 first, at one moment."""
    return tuple(on_call(roster, level, at) for level in Level)


def _rotation_week(roster: Roster, level: Level, at: datetime) -> tuple[datetime, str]:
    """The start of the rotation week holding `at`, and whose week it is (weeks count back from an anchor too)."""
    rotation = roster.levels[level]
    anchor = roster.handover.on(rotation.anchor)
    weeks = (at - anchor) // WEEK
    return anchor + weeks * WEEK, rotation.rotation[weeks % len(rotation.rotation)]


def _on_call(
    roster: Roster,
    level: Level,
    key: str,
    source: Literal["rotation", "override"],
    since: datetime,
    until: datetime,
    reason: str | None,
) -> OnCall:
    return OnCall(
        level=level,
        role=RUNBOOK.level(level).role,
        key=key,
        person=roster.people[key],
        source=source,
        since=since.astimezone(UTC),
        until=until.astimezone(UTC),
        reason=reason,
    )
