"""The roster document: people, one weekly rotation per ladder level, overrides (policy D15).

    {
      "handover": "Monday 09:00 UTC",
      "people": {
        "ana": {"name": "Ana Example", "phone": "+12025550101", "slack": "U0ANA00001", "email": "ana@example.com"}
      },
      "levels": {
        "L1": {"rotation": ["ana", "ben", "cai"], "anchor": "2026-01-05"},
        "L2": {"rotation": ["dee", "eli"], "anchor": "2026-01-05"},
        "L3": {"rotation": ["fay"], "anchor": "2026-01-05"},
        "L4": {"rotation": ["gus"], "anchor": "2026-01-05"}
      },
      "overrides": [
        {"level": "L1", "person": "cai", "start": "2026-12-24T09:00:00Z", "end": "2026-12-27T09:00:00Z",
         "reason": "covers ana's holiday"}
      ]
    }

- `handover`: the weekly moment every rotation moves on: `<weekday> HH:MM UTC` or with an explicit
  offset (`Monday 09:00 +01:00`). An offset, never a named zone: the Lambda needs no tz database,
  and an offset does not follow daylight saving (the hand-over moves by an hour of local time twice
  a year; cover the gap with an override, or write UTC).
- `levels.<L>.anchor`: a date on the hand-over weekday; `rotation[0]` takes over at the hand-over
  on that date, `rotation[1]` a week later, and so on both ways in time (an anchor in the future
  works too).
- `overrides`: `[start, end)` windows that win over the rotation; those of one level never overlap.

Each problem is one pydantic error. Checks that need the whole document (who is in `people`, the
anchors' weekday, overlaps) continue pydantic's location in the error's context, so
`functions.validation.error_line` names the exact input: `levels.L1.rotation[2]`, `overrides[3].end`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from itertools import pairwise
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    field_validator,
    model_validator,
)

from functions.policy import RUNBOOK, Level
from functions.validation import error_line as error_line  # re-exported: infra/config.py reads it here
from functions.validation import problem

WEEK = timedelta(days=7)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LADDER = ", ".join(level.value for level in Level)

_PERSON_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{6,20}$")
_FICTIONAL_PHONE = re.compile(r"^\+1[0-9]{3}55501[0-9]{2}$")  # North America's 555-0100..0199
_HANDOVER = re.compile(
    r"^\s*(?P<day>[A-Za-z]+)\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*(?P<zone>UTC|GMT|Z|[+-]\d{2}:?\d{2})\s*$",
    re.IGNORECASE,
)
HANDOVER_FORMAT = "'<Weekday> HH:MM UTC' or '<Weekday> HH:MM +HH:MM', e.g. 'Monday 09:00 UTC'"


@dataclass(frozen=True)
class HandOver:
    """The weekly hand-over moment: a weekday (0 = Monday), a time of day and a fixed UTC offset."""

    weekday: int
    at: time
    offset: timedelta

    def __str__(self) -> str:
        zone = "UTC" if not self.offset else _offset_text(self.offset)
        return f"{WEEKDAYS[self.weekday]} {self.at:%H:%M} {zone}"

    @property
    def tzinfo(self) -> timezone:
        return timezone(self.offset)

    def on(self, day: date) -> datetime:
        """The hand-over moment on `day` (a date in the hand-over's offset)."""
        return datetime.combine(day, self.at, tzinfo=self.tzinfo)


def _offset_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def parse_handover(value: Any) -> HandOver:
    if isinstance(value, HandOver):
        return value
    match = _HANDOVER.match(value) if isinstance(value, str) else None
    if match is None:
        raise problem(f"{value!r} is not a hand-over moment; write {HANDOVER_FORMAT}")
    weekday = _weekday(match["day"])
    hour, minute = int(match["hour"]), int(match["minute"])
    offset = _offset(match["zone"])
    if weekday is None or hour > 23 or minute > 59 or offset is None:
        raise problem(f"{value!r} is not a hand-over moment; write {HANDOVER_FORMAT}")
    return HandOver(weekday=weekday, at=time(hour, minute), offset=offset)


def _weekday(text: str) -> int | None:
    text = text.lower()
    for index, name in enumerate(WEEKDAYS):
        if text in (name.lower(), name[:3].lower()):
            return index
    return None


def _offset(zone: str) -> timedelta | None:
    if zone.upper() in ("UTC", "GMT", "Z"):
        return timedelta(0)
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    offset = timedelta(hours=hours, minutes=minutes) * (-1 if zone[0] == "-" else 1)
    valid = minutes < 60 and timedelta(hours=-12) <= offset <= timedelta(hours=14)
    return offset if valid else None


HandOverField = Annotated[HandOver, PlainValidator(parse_handover), PlainSerializer(str, return_type=str)]


def _known_level(value: Any) -> Any:
    if value not in {level.value for level in Level}:
        raise problem(f"unknown level {value!r}; the ladder is {LADDER}")
    return value


LevelField = Annotated[Level, BeforeValidator(_known_level)]


class Person(BaseModel, defer_build=True):
    """Someone who can be on call: what a page names and how to reach them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    phone: str = Field(description="E.164: +, country code, number, digits only (+12025550101)")
    slack: str = Field(description="Slack member id (U… or W…): profile → ⋮ → Copy member ID")
    email: str | None = None

    @field_validator("name")
    @classmethod
    def _one_printable_line(cls, name: str) -> str:
        if not name.strip() or not name.isprintable():
            raise problem(f"{name!r} is not a name: one line of printable text")
        return name.strip()

    @field_validator("phone")
    @classmethod
    def _e164(cls, phone: str) -> str:
        if not _E164.match(phone):
            raise problem(f"{phone!r} is not an E.164 phone number (+, country code, digits only: +12025550101)")
        return phone

    @field_validator("slack")
    @classmethod
    def _slack_user(cls, slack: str) -> str:
        if not _SLACK_USER.match(slack):
            raise problem(f"{slack!r} is not a Slack member id (U… or W…, from the profile's 'Copy member ID')")
        return slack

    @field_validator("email")
    @classmethod
    def _email(cls, email: str | None) -> str | None:
        if email is not None and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
            raise problem(f"{email!r} is not an email address")
        return email


class LevelRotation(BaseModel, defer_build=True):
    """Who holds one ladder level, week by week: `rotation[0]` from the anchor's hand-over."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rotation: tuple[str, ...]
    anchor: date

    @field_validator("rotation")
    @classmethod
    def _somebody(cls, rotation: tuple[str, ...]) -> tuple[str, ...]:
        if not rotation:
            raise problem("nobody is on call: the rotation lists no one; name at least one person from people")
        return rotation


class Override(BaseModel, defer_build=True):
    """`person` holds `level` over `[start, end)`, whatever the rotation says."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: LevelField
    person: str
    start: AwareDatetime
    end: AwareDatetime
    reason: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> Override:
        if self.end <= self.start:
            raise problem(f"ends at or before its start ({_utc(self.start)} to {_utc(self.end)})", "end")
        return self


class Roster(BaseModel, defer_build=True):
    """The whole on-call roster; every level L1..L4 has someone at every moment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    handover: HandOverField
    people: dict[str, Person] = Field(min_length=1)
    levels: dict[Level, LevelRotation]
    overrides: tuple[Override, ...] = ()

    @field_validator("people", mode="before")
    @classmethod
    def _usable_keys(cls, people: Any) -> Any:
        for key in people if isinstance(people, dict) else ():
            if not _PERSON_KEY.match(str(key)):
                raise problem("not a usable key: up to 40 letters, digits, '.', '_' or '-'", str(key))
        return people

    @field_validator("levels", mode="before")
    @classmethod
    def _every_level_once(cls, levels: Any) -> Any:
        if not isinstance(levels, dict):
            return levels
        for key in levels:
            _known_level_at(key)
        for level in Level:
            if level.value not in levels:
                role = RUNBOOK.level(level).role
                raise problem(f"missing: nobody would be on call at {level} ({role}); give it a rotation", level.value)
        return levels

    @model_validator(mode="after")
    def _consistent(self) -> Roster:
        for level, rotation in self.levels.items():
            for index, key in enumerate(rotation.rotation):
                self._known_person(key, "levels", level.value, "rotation", index)
            if rotation.anchor.weekday() != self.handover.weekday:
                raise problem(
                    f"{rotation.anchor} is a {WEEKDAYS[rotation.anchor.weekday()]}; an anchor is a hand-over day "
                    f"({WEEKDAYS[self.handover.weekday]})",
                    "levels",
                    level.value,
                    "anchor",
                )
        for index, override in enumerate(self.overrides):
            self._known_person(override.person, "overrides", index, "person")
        self._no_overlaps()
        return self

    def _known_person(self, key: str, *path: str | int) -> None:
        if key not in self.people:
            raise problem(f"{key!r} is not in people", *path)

    def _no_overlaps(self) -> None:
        by_level = sorted(enumerate(self.overrides), key=lambda item: (item[1].level.position, item[1].start))
        for (first_index, first), (index, later) in pairwise(by_level):
            if later.level == first.level and later.start < first.end:
                earlier, other = sorted((first_index, index))
                raise problem(
                    f"overlaps overrides[{earlier}] at {later.level} ({_span(first)} and {_span(later)}); "
                    "one person holds a level at a time",
                    "overrides",
                    other,
                )

    def overrides_for(self, level: Level) -> tuple[Override, ...]:
        return tuple(override for override in self.overrides if override.level == level)

    def fictional_people(self) -> list[str]:
        """Keys of people with a 555-01xx number: the example roster, not a team yet."""
        return [key for key, person in self.people.items() if _FICTIONAL_PHONE.match(person.phone)]


def _known_level_at(key: Any) -> None:
    if key not in {level.value for level in Level}:
        raise problem(f"unknown level; the ladder is {LADDER}", str(key))


def _span(override: Override) -> str:
    return f"{_utc(override.start)}–{_utc(override.end)}"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def dump_roster(roster: Roster) -> str:
    """The roster as compact JSON: what the SSM parameter holds and `Roster.model_validate_json` reads."""
    return roster.model_dump_json(exclude_none=True)
