"""The on-call roster: who holds each level when (rotation maths, overrides) and every way it can be wrong."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.policy import RUNBOOK, Level
from functions.roster.load import RosterError, parse_roster
from functions.roster.model import Roster, dump_roster
from functions.roster.schedule import on_call, on_call_table
from tests.conftest import roster_document

ANCHOR = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # L1's anchor: Monday 09:00 UTC, ana's first week
WEEK = timedelta(days=7)
TICK = timedelta(microseconds=1)


def roster(**changes: Any) -> Roster:
    document = roster_document()
    document.update(changes)
    return parse_roster(json.dumps(document), "team.json")


def override(level: str, person: str, start: datetime, end: datetime, reason: str = "swap") -> dict[str, str]:
    return {"level": level, "person": person, "start": start.isoformat(), "end": end.isoformat(), "reason": reason}


# --- the rotation ---------------------------------------------------------------------------


def test_each_week_from_the_anchor_is_the_next_person_in_order():
    team = roster()
    holders = [on_call(team, Level.L1, ANCHOR + n * WEEK + timedelta(days=3)).key for n in range(7)]
    assert holders == ["ana", "ben", "cam", "ana", "ben", "cam", "ana"]


def test_the_hand_over_moment_belongs_to_the_next_week_exactly():
    # Given the hand-over from ben's week to cam's, two weeks after the anchor
    team = roster()
    hand_over = ANCHOR + 2 * WEEK

    # When asked a microsecond before it, and at it
    before, at = on_call(team, Level.L1, hand_over - TICK), on_call(team, Level.L1, hand_over)

    # Then ben holds L1 until the hand-over and cam from it, for one week
    assert (before.key, before.since, before.until) == ("ben", ANCHOR + WEEK, hand_over)
    assert (at.key, at.since, at.until) == ("cam", hand_over, hand_over + WEEK)
    assert before.source == at.source == "rotation"


def test_an_anchor_in_the_past_keeps_counting_a_year_on():
    team = roster()
    # 52 weeks after the anchor: 52 % 3 = 1, ben's week
    assert on_call(team, Level.L1, ANCHOR + 52 * WEEK).key == "ben"
    assert on_call(team, Level.L1, ANCHOR + 52 * WEEK - TICK).key == "ana"


def test_an_anchor_in_the_future_counts_back_to_the_weeks_before_it():
    # Given L2's anchor 2026-01-12 (dee from then), asked about the weeks before it
    team = roster()
    anchor = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)

    # Then the week before belongs to the rotation's last person, the one before that to its first
    just_before = on_call(team, Level.L2, anchor - TICK)
    assert (just_before.key, just_before.since, just_before.until) == ("eli", anchor - WEEK, anchor)
    assert on_call(team, Level.L2, anchor - WEEK - TICK).key == "dee"
    assert on_call(team, Level.L2, anchor).key == "dee"


def test_a_rotation_of_one_holds_every_week_and_hands_over_to_itself():
    team = roster()
    row = on_call(team, Level.L4, ANCHOR + 10 * WEEK + timedelta(hours=1))
    assert (row.key, row.since, row.until) == ("gus", ANCHOR + 10 * WEEK, ANCHOR + 11 * WEEK)


def test_a_hand_over_with_an_offset_is_that_local_time_and_reported_in_utc():
    # Given a Friday 17:00 hand-over at UTC-05:00 (22:00 UTC), L1 anchored on Friday 2026-01-09
    document = roster_document()
    document["handover"] = "Friday 17:00 -05:00"
    for level in document["levels"].values():
        level["anchor"] = "2026-01-09"
    team = parse_roster(json.dumps(document), "team.json")
    hand_over = datetime(2026, 1, 16, 22, 0, tzinfo=UTC)

    # Then the week changes at 22:00 UTC on the Friday a week later, exactly
    assert on_call(team, Level.L1, hand_over - TICK).key == "ana"
    after = on_call(team, Level.L1, hand_over)
    assert after.key == "ben" and after.since == hand_over and after.until.tzinfo == UTC
    assert str(team.handover) == "Friday 17:00 -05:00"


def test_the_moment_may_be_given_in_any_offset():
    team = roster()
    # 2026-01-12 09:00 UTC is 10:00 at +01:00: the hand-over to ben
    at_plus_one = datetime.fromisoformat("2026-01-12T10:00:00+01:00")
    assert on_call(team, Level.L1, at_plus_one).key == "ben"
    assert on_call(team, Level.L1, at_plus_one - TICK).key == "ana"


def test_a_moment_without_a_timezone_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        on_call(roster(), Level.L1, datetime(2026, 1, 6, 12, 0))


def test_the_table_is_every_level_in_ladder_order_with_its_role():
    table = on_call_table(roster(), ANCHOR + timedelta(hours=1))
    assert [(row.level, row.key) for row in table] == [
        (Level.L1, "ana"),
        (Level.L2, "eli"),
        (Level.L3, "fay"),
        (Level.L4, "gus"),
    ]
    assert [row.role for row in table] == [RUNBOOK.level(level).role for level in Level]
    assert table[0].person.name == "Ana Example" and table[0].person.slack == "U0TEST0001"


# --- overrides ------------------------------------------------------------------------------


def test_an_override_wins_from_its_start_and_the_rotation_returns_at_its_end():
    # Given cam covering L1 from Wednesday to Friday of ana's first week
    start, end = ANCHOR + timedelta(days=2), ANCHOR + timedelta(days=4)
    team = roster(overrides=[override("L1", "cam", start, end, "ana at a conference")])

    # When asked just before, at the start, just before the end and at the end
    before, first, last, back = (on_call(team, Level.L1, t) for t in (start - TICK, start, end - TICK, end))

    # Then ana holds L1 until the override, cam during it (with its reason), ana again from its end
    assert (before.key, before.source, before.until) == ("ana", "rotation", start)
    assert (first.key, first.source, first.since, first.until) == ("cam", "override", start, end)
    assert first.reason == "ana at a conference" and last.key == "cam"
    assert (back.key, back.source, back.since, back.until) == ("ana", "rotation", end, ANCHOR + WEEK)


def test_an_override_across_a_hand_over_ends_in_the_next_persons_week():
    # Given dee holding L1 from Sunday to Tuesday, across the hand-over from ana to ben
    start, end = ANCHOR + timedelta(days=6), ANCHOR + WEEK + timedelta(days=1)
    team = roster(overrides=[override("L1", "dee", start, end)])

    # Then at the hand-over dee still holds it, and ben takes it from the override's end
    assert on_call(team, Level.L1, ANCHOR + WEEK).key == "dee"
    after = on_call(team, Level.L1, end)
    assert (after.key, after.since, after.until) == ("ben", end, ANCHOR + 2 * WEEK)


def test_back_to_back_overrides_hand_over_at_the_shared_moment():
    middle = ANCHOR + timedelta(days=3)
    team = roster(
        overrides=[
            override("L1", "cam", ANCHOR + timedelta(days=1), middle),
            override("L1", "dee", middle, ANCHOR + timedelta(days=5)),
        ]
    )
    assert on_call(team, Level.L1, middle - TICK).key == "cam"
    assert on_call(team, Level.L1, middle).key == "dee"


def test_an_override_of_one_level_leaves_the_others_alone():
    team = roster(overrides=[override("L2", "ana", ANCHOR, ANCHOR + WEEK)])
    assert on_call(team, Level.L2, ANCHOR).key == "ana"
    first = on_call(team, Level.L1, ANCHOR)
    assert (first.key, first.source, first.until) == ("ana", "rotation", ANCHOR + WEEK)


def test_the_document_round_trips_through_its_json():
    team = roster(overrides=[override("L3", "gus", ANCHOR, ANCHOR + WEEK, "fay on leave")])
    assert parse_roster(dump_roster(team), "parameter") == team


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("Monday 09:00 UTC", "Monday 09:00 UTC"),
        ("monday 9:00 utc", "Monday 09:00 UTC"),
        ("Mon 09:00Z", "Monday 09:00 UTC"),
        ("Sunday 23:30 +0530", "Sunday 23:30 +05:30"),
        ("Friday 17:00 -05:00", "Friday 17:00 -05:00"),
    ],
)
def test_hand_over_spellings_an_sre_would_write(written: str, normal: str):
    document = roster_document()
    document["handover"] = written
    weekday = normal.split()[0]
    anchors = {"Monday": "2026-01-05", "Sunday": "2026-01-11", "Friday": "2026-01-09"}
    for level in document["levels"].values():
        level["anchor"] = anchors[weekday]
    assert str(parse_roster(json.dumps(document), "x").handover) == normal


# --- every way a roster is wrong: one line naming the input ----------------------------------

Edit = Callable[[dict[str, Any]], None]


def _override_l1(person: str = "cam", start: str = "2026-01-07T09:00:00Z", end: str = "2026-01-09T09:00:00Z") -> Edit:
    return lambda d: d["overrides"].append(
        {"level": "L1", "person": person, "start": start, "end": end, "reason": "swap"}
    )


def _both(*edits: Edit) -> Edit:
    def apply(document: dict[str, Any]) -> None:
        for edit in edits:
            edit(document)

    return apply


BAD_ROSTERS: list[tuple[str, Edit, str]] = [
    (
        "unknown level",
        lambda d: d["levels"].update(L5={"rotation": ["ana"], "anchor": "2026-01-05"}),
        "levels.L5: unknown level; the ladder is L1, L2, L3, L4",
    ),
    (
        "missing level",
        lambda d: d["levels"].pop("L3"),
        "levels.L3: missing: nobody would be on call at L3 (Engineering Manager); give it a rotation",
    ),
    (
        "empty rotation",
        lambda d: d["levels"]["L2"].update(rotation=[]),
        "levels.L2.rotation: nobody is on call: the rotation lists no one",
    ),
    (
        "stranger in a rotation",
        lambda d: d["levels"]["L1"]["rotation"].append("zed"),
        "levels.L1.rotation[3]: 'zed' is not in people",
    ),
    ("stranger in an override", _override_l1(person="zed"), "overrides[0].person: 'zed' is not in people"),
    (
        "override of an unknown level",
        lambda d: d["overrides"].append(
            {"level": "L5", "person": "ana", "start": "2026-01-07T09:00Z", "end": "2026-01-08T09:00Z", "reason": "x"}
        ),
        "overrides[0].level: unknown level 'L5'; the ladder is L1, L2, L3, L4",
    ),
    (
        "overlapping overrides",
        _both(_override_l1(), _override_l1(person="dee", start="2026-01-08T09:00Z", end="2026-01-10T09:00Z")),
        "overrides[1]: overlaps overrides[0] at L1 (2026-01-07T09:00Z–2026-01-09T09:00Z and "
        "2026-01-08T09:00Z–2026-01-10T09:00Z)",
    ),
    (
        "an override inside another, listed first",
        _both(_override_l1(start="2026-01-08T00:00Z", end="2026-01-08T12:00Z"), _override_l1(person="dee")),
        "overrides[1]: overlaps overrides[0] at L1",
    ),
    (
        "override ending before it starts",
        _override_l1(start="2026-01-09T09:00Z", end="2026-01-07T09:00Z"),
        "overrides[0].end: ends at or before its start (2026-01-09T09:00Z to 2026-01-07T09:00Z)",
    ),
    (
        "override ending as it starts",
        _override_l1(start="2026-01-09T09:00Z", end="2026-01-09T09:00Z"),
        "overrides[0].end: ends at or before its start",
    ),
    (
        "override without a timezone",
        _override_l1(start="2026-01-07T09:00:00"),
        "overrides[0].start '2026-01-07T09:00:00': Input should have timezone info",
    ),
    (
        "phone with dashes",
        lambda d: d["people"]["ana"].update(phone="555-0101"),
        "people.ana.phone: '555-0101' is not an E.164 phone number",
    ),
    (
        "phone with spaces",
        lambda d: d["people"]["ana"].update(phone="+1 202 555 0101"),
        "people.ana.phone: '+1 202 555 0101' is not an E.164 phone number",
    ),
    (
        "Slack handle, not id",
        lambda d: d["people"]["ben"].update(slack="@ben"),
        "people.ben.slack: '@ben' is not a Slack member id",
    ),
    (
        "Slack channel id",
        lambda d: d["people"]["ben"].update(slack="C0TEST0002"),
        "people.ben.slack: 'C0TEST0002' is not a Slack member id",
    ),
    (
        "bad email",
        lambda d: d["people"]["ben"].update(email="ben at example"),
        "people.ben.email: 'ben at example' is not an email address",
    ),
    (
        "name on two lines",
        lambda d: d["people"]["ben"].update(name="Ben\n**Status**: Resolved"),
        "people.ben.name: 'Ben\\n**Status**: Resolved' is not a name",
    ),
    (
        "unusable person key",
        lambda d: d["people"].update({"Ana Smith": d["people"]["ana"]}),
        "people.Ana Smith: not a usable key",
    ),
    ("hand-over in words", lambda d: d.update(handover="Mon 9am"), "handover: 'Mon 9am' is not a hand-over moment"),
    ("hand-over without zone", lambda d: d.update(handover="Monday 09:00"), "handover: 'Monday 09:00' is not a"),
    ("hand-over named zone", lambda d: d.update(handover="Monday 09:00 CET"), "handover: 'Monday 09:00 CET' is not"),
    ("hand-over on no day", lambda d: d.update(handover="Funday 09:00 UTC"), "handover: 'Funday 09:00 UTC' is not"),
    ("hand-over hour 25", lambda d: d.update(handover="Monday 25:00 UTC"), "handover: 'Monday 25:00 UTC' is not"),
    ("hand-over offset +15", lambda d: d.update(handover="Monday 09:00 +15:00"), "handover: 'Monday 09:00 +15:00'"),
    ("hand-over not text", lambda d: d.update(handover=9), "handover: 9 is not a hand-over moment"),
    (
        "anchor off the hand-over day",
        lambda d: d["levels"]["L2"].update(anchor="2026-01-13"),
        "levels.L2.anchor: 2026-01-13 is a Tuesday; an anchor is a hand-over day (Monday)",
    ),
    (
        "typo in a key",
        lambda d: d.update(overides=[]),
        "overides: unknown field; allowed: handover, people, levels, overrides",
    ),
    ("no people", lambda d: d.update(people={}), "people: Dictionary should have at least 1 item"),
]


@pytest.mark.parametrize(("edit", "expected"), [case[1:] for case in BAD_ROSTERS], ids=[c[0] for c in BAD_ROSTERS])
def test_a_bad_roster_is_one_line_naming_the_input(edit: Edit, expected: str):
    # Given a valid roster with one thing wrong
    document = roster_document()
    edit(document)

    # When it is read
    with pytest.raises(RosterError) as error:
        parse_roster(json.dumps(document), "team.json")

    # Then one line names the source, the exact input and the problem
    message = str(error.value)
    assert message.startswith(f"team.json: {expected}"), message
    assert "\n" not in message


def test_overrides_that_touch_or_sit_on_other_levels_do_not_overlap():
    edits = _both(
        _override_l1(start="2026-01-07T09:00Z", end="2026-01-08T09:00Z"),
        _override_l1(person="dee", start="2026-01-08T09:00Z", end="2026-01-09T09:00Z"),
        lambda d: d["overrides"].append(
            {"level": "L2", "person": "ana", "start": "2026-01-07T09:00Z", "end": "2026-01-09T09:00Z", "reason": "x"}
        ),
    )
    document = roster_document()
    edits(document)
    assert len(parse_roster(json.dumps(document), "team.json").overrides) == 3


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "team.json: not JSON (Expecting property name enclosed in double quotes at line 1 column 2)"),
        ("[]", "team.json: expected a JSON object (the roster), got a JSON array"),
        ("", "team.json: not JSON (Expecting value at line 1 column 1)"),
    ],
)
def test_a_document_that_is_not_a_roster_object_says_so(text: str, problem: str):
    with pytest.raises(RosterError) as error:
        parse_roster(text, "team.json")
    assert str(error.value) == problem


def test_fictional_numbers_are_recognised_as_the_example():
    document = roster_document()
    document["people"]["ana"]["phone"] = "+442079460000"
    assert roster(people=document["people"]).fictional_people() == ["ben", "cam", "dee", "eli", "fay", "gus"]
