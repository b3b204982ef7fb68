"""Times on the command line: durations (`45m`, `1h30m`) and moments (`now`, `+5m`, `-1d`, ISO 8601).

A relative moment counts from the wall clock when the command runs, so an example in the README
works on any date. The replay's `--ack-at`/`--resolve-at`/`--until` are durations on the replay's
own virtual clock (from its first event), never moments.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from local.errors import InputError

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_DURATION_HINT = "45m, 2h, 1h30m, 1d or 90s"
_MOMENT_HINT = (
    "now or an ISO 8601 moment such as 2026-12-24T09:00Z (UTC unless it has an offset),"
    " or a time from now such as +5m, +1h30m or -1d"
)


def parse_duration(text: str, option: str) -> timedelta:
    delta = _duration(text)
    if delta is None:
        raise InputError(f"{option} {text!r}: expected a duration such as {_DURATION_HINT}")
    return delta


def parse_moment(option: str, text: str | None, now: datetime) -> datetime:
    """The moment `text` names, relative ones from `now`; `None` is now. Without an offset it is UTC."""
    value = "now" if text is None else text.strip()
    if value.lower() == "now":
        return now
    if value[:1] in ("+", "-"):
        delta = _duration(value[1:])
        if delta is None:
            raise InputError(f"{option} {text!r}: expected {_MOMENT_HINT}")
        return now + delta if value[0] == "+" else now - delta
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {text!r}: expected {_MOMENT_HINT}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    """`2026-12-24T09:00:00Z`: to the second, in UTC."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _duration(text: str) -> timedelta | None:
    match = _DURATION.match(text.strip().lower())
    if not text.strip() or not match or not any(match.groups()):
        return None
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
