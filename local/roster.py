"""`responder roster`: who holds L1..L4 at a moment, from a config file or the stack's SSM parameter."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from functions import clock
from functions.roster.load import RosterError, load_roster, parse_roster
from functions.roster.model import Roster
from functions.roster.schedule import OnCall, on_call_table
from infra.config import ConfigError, load_config
from local.config import config_path
from local.errors import InputError
from local.when import parse_moment


def roster_command(when: str | None, config: Path | None, parameter: str | None, *, as_json: bool) -> str:
    """The text (or JSON document) `responder roster` prints."""
    at = parse_when(when)
    roster, source = read_roster(config, parameter)
    table = on_call_table(roster, at)
    if as_json:
        return json.dumps(roster_report(roster, table, at, source), indent=2, ensure_ascii=False)
    return render_roster(roster, table, at, source)


def parse_when(text: str | None) -> datetime:
    """`now`, `+12h`, `-1d`, or an ISO 8601 date or moment; UTC unless it carries an offset."""
    return parse_moment("--at", text, clock.now())


def read_roster(config: Path | None, parameter: str | None) -> tuple[Roster, str]:
    """The roster and where it came from: the SSM parameter, a roster document, or a responder config."""
    if parameter:
        return _from_parameter(parameter), f"SSM parameter {parameter}"
    path = config_path(config)
    text = _read(path)
    if _is_roster_document(text):
        try:
            return parse_roster(text, str(path)), str(path)
        except RosterError as error:
            raise InputError(str(error)) from None
    return _from_config(path), str(path)


def _from_parameter(name: str) -> Roster:
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        client = boto3.client("ssm")
    except BotoCoreError as error:
        raise InputError(f"SSM parameter {name}: cannot read it ({type(error).__name__}: {error})") from None
    try:
        return load_roster(client, name)
    except RosterError as error:
        raise InputError(str(error)) from None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; name a config or roster with --config, or use --parameter") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read ({type(error).__name__})") from None


def _is_roster_document(text: str) -> bool:
    """A bare roster (what the SSM parameter holds) has `levels` at the top; a responder config has `roster`."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return False  # load_config names the problem
    return isinstance(data, dict) and "levels" in data and "roster" not in data


def _from_config(path: Path) -> Roster:
    try:
        config = load_config({"config": str(path)})
    except ConfigError as error:
        raise InputError(str(error)) from None
    if config.roster is not None:
        return config.roster
    name = config.roster_parameter  # the config refuses one with neither
    raise InputError(f"{path}: the roster is kept in SSM parameter {name}; run with --parameter {name}")


def roster_report(roster: Roster, table: tuple[OnCall, ...], at: datetime, source: str) -> dict[str, Any]:
    return {
        "at": _iso(at),
        "handover": str(roster.handover),
        "source": source,
        "on_call": [
            {
                "level": row.level.value,
                "role": row.role,
                "person": row.key,
                "name": row.person.name,
                "phone": row.person.phone,
                "slack": row.person.slack,
                "email": row.person.email,
                "by": row.source,
                "since": _iso(row.since),
                "until": _iso(row.until),
                "reason": row.reason,
            }
            for row in table
        ],
    }


def render_roster(roster: Roster, table: tuple[OnCall, ...], at: datetime, source: str) -> str:
    header = ("LEVEL", "ROLE", "NAME", "PHONE", "SLACK", "BY", "UNTIL")
    rows = [
        (
            row.level.value,
            row.role,
            row.person.name,
            row.person.phone,
            row.person.slack,
            row.source,
            _moment(row.until) + (f"  ({row.reason})" if row.reason else ""),
        )
        for row in table
    ]
    widths = [max(len(line[column]) for line in (header, *rows)) for column in range(len(header) - 1)]
    lines = [f"On call at {_moment(at)} (weekly hand-over {roster.handover}; roster from {source})"]
    for line in (header, *rows):
        lines.append("  ".join([*(cell.ljust(width) for cell, width in zip(line, widths, strict=False)), line[-1]]))
    return "\n".join(lines)


def _moment(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%a %Y-%m-%d %H:%M UTC")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
