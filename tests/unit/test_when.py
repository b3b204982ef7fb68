"""Times on the command line: a README example with `--start +5m` works on any date; a typo is one line."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from local.cli import main
from local.errors import InputError
from local.when import iso, parse_duration, parse_moment

NOW = datetime(2026, 12, 4, 17, 0, 30, 250_000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, NOW),
        ("now", NOW),
        (" NOW ", NOW),
        ("+5m", NOW + timedelta(minutes=5)),
        ("+1h30m", NOW + timedelta(hours=1, minutes=30)),
        ("+2d", NOW + timedelta(days=2)),
        ("-1d", NOW - timedelta(days=1)),
        ("+90s", NOW + timedelta(seconds=90)),
        ("2026-12-24T18:00Z", datetime(2026, 12, 24, 18, 0, tzinfo=UTC)),
        ("2026-12-24T18:00", datetime(2026, 12, 24, 18, 0, tzinfo=UTC)),  # no offset: UTC
        ("2026-12-24", datetime(2026, 12, 24, tzinfo=UTC)),
        ("2026-12-24T18:00+01:00", datetime(2026, 12, 24, 18, 0, tzinfo=timezone(timedelta(hours=1)))),
    ],
)
def test_a_moment_is_now_relative_to_now_or_absolute(text, expected):
    # Given the wall clock at NOW, When a moment is written in any accepted form, Then it names that moment
    assert parse_moment("--start", text, NOW) == expected


@pytest.mark.parametrize("text", ["soon", "+", "+5", "+5x", "5m", "+-5m", "2026-13-01T00:00Z", "", "tomorrow 9am"])
def test_a_bad_moment_is_one_line_naming_the_option_and_the_value(text):
    # When a moment is not one of the accepted forms, Then the error names the option and what was typed
    with pytest.raises(InputError) as raised:
        parse_moment("--end", text, NOW)
    message = str(raised.value)
    assert message.startswith(f"--end {text!r}: expected now or an ISO 8601 moment") and "+5m" in message
    assert "\n" not in message


def test_durations_are_the_replays_and_a_bad_one_names_its_option():
    assert parse_duration("1h30m", "--until") == timedelta(hours=1, minutes=30)
    assert parse_duration("1d", "--until") == timedelta(days=1)
    with pytest.raises(InputError, match=r"^--ack-at '\+5m': expected a duration such as 45m"):
        parse_duration("+5m", "--ack-at")


def test_iso_is_utc_to_the_second():
    assert iso(datetime(2026, 12, 24, 19, 0, 1, 999_999, tzinfo=timezone(timedelta(hours=1)))) == "2026-12-24T18:00:01Z"


def test_maintenance_add_with_relative_times_counts_from_the_wall_clock(capsys):
    # Given the README's window, written relative to now
    before = datetime.now(UTC).replace(microsecond=0)
    # When it is added
    code = main(["maintenance", "add", "--service", "flask-sre-challenge", "--start", "+5m", "--end", "+1h",
                 "--reason", "RDS minor version upgrade"])  # fmt: skip
    after = datetime.now(UTC)
    # Then the window starts 5 minutes and ends an hour from the moment it ran
    detail = json.loads(capsys.readouterr().out)["detail"]
    starts, ends = (datetime.fromisoformat(detail[key]) for key in ("starts_at", "ends_at"))
    assert code == 0
    assert before + timedelta(minutes=5) <= starts <= after + timedelta(minutes=5)
    assert ends - starts == timedelta(minutes=55)


def test_maintenance_add_with_a_bad_time_exits_2_with_one_line(capsys):
    code = main(["maintenance", "add", "--service", "flask-sre-challenge", "--start", "+5m", "--end", "in an hour",
                 "--reason", "x"])  # fmt: skip
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err.startswith("responder: --end 'in an hour': expected now or an ISO 8601 moment")
    assert captured.err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "shift"), [(["--at", "+7d"], timedelta(days=7)), (["--at=-12h"], -timedelta(hours=12))]
)
def test_roster_at_a_relative_moment(capsys, frozen_clock, argv, shift):
    # Given the runtime clock, When the roster is asked for a moment relative to it
    assert main(["roster", *argv, "--json"]) == 0
    # Then the table is for that moment
    report = json.loads(capsys.readouterr().out)
    assert report["at"] == iso(frozen_clock.now() + shift)
