"""The on-call roster: who holds L1..L4 at a moment, from weekly rotations and overrides (policy D15).

`model` is the document and its validation, `schedule` the rotation maths, `load` the SSM read.
"""

from functions.roster.load import RosterError, load_roster, parse_roster
from functions.roster.model import (
    HandOver,
    LevelRotation,
    Override,
    Person,
    Roster,
    dump_roster,
    error_line,
    error_location,
)
from functions.roster.schedule import OnCall, on_call, on_call_table

__all__ = [
    "HandOver",
    "LevelRotation",
    "OnCall",
    "Override",
    "Person",
    "Roster",
    "RosterError",
    "dump_roster",
    "error_line",
    "error_location",
    "load_roster",
    "on_call",
    "on_call_table",
    "parse_roster",
]
