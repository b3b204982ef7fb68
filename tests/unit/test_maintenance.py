"""Maintenance windows (D14): validated windows, incidents held quietly below P0, re-evaluated at the end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from functions.escalation.schedule import StepKind, schedule
from functions.incident import Incident, IncidentStatus
from functions.intake.parse import parse_event
from functions.intake.signal import AlarmState, Signal
from functions.lifecycle import Notify, decide, end_maintenance, held, move_hold, recovered
from functions.maintenance.window import MaintenanceWindow, WindowEnd, WindowError, active, ended, merged, window
from functions.policy import Level
from functions.scenarios import classify
from tests.conftest import load_event
from tests.samples import SAMPLE_SERVICE, SAMPLE_SERVICES

SERVICES = ["flask-sre-challenge"]
T0 = datetime(2026, 11, 26, 13, 50, tzinfo=UTC)


def a_window(**changes) -> MaintenanceWindow:
    fields = {"service": SERVICES[0], "starts_at": "2026-11-26T13:55:00Z", "ends_at": "2026-11-26T15:00:00Z",
              "reason": "RDS minor version upgrade", "source": "cli", "by": "dana", **changes}  # fmt: skip
    return window(fields, SERVICES, T0)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"ends_at": "2026-11-26T13:00:00Z"}, "maintenance window: ends at 2026-11-26 13:00 UTC, before it starts"),
        ({"ends_at": "2026-12-10T13:00:00Z"}, "maintenance window: is longer than 7 days"),
        ({"service": "shop"}, "service 'shop' is not a configured service (flask-sre-challenge)"),
        ({"reason": ""}, "maintenance window: reason '': String should have at least 1 character"),
        ({"starts_at": "soon"}, "maintenance window: starts_at 'soon': Input should be a valid datetime"),
        (
            {"starts_at": "2026-11-25T10:00:00Z", "ends_at": "2026-11-25T11:00:00Z"},
            "maintenance window: ended at 2026-11-25 11:00 UTC, in the past",
        ),
    ],
)
def test_a_bad_window_is_refused_in_one_line_naming_the_input(changes, problem):
    with pytest.raises(WindowError) as refused:
        a_window(**changes)
    assert problem in str(refused.value) and "\n" not in str(refused.value)


def test_windows_cover_their_span_and_overlapping_ones_extend_each_other():
    first = a_window(id="a")
    later = a_window(id="b", starts_at="2026-11-26T14:30:00Z", ends_at="2026-11-26T16:00:00Z")
    windows = merged(merged([], first, T0), later, T0)
    assert active(windows, datetime(2026, 11, 26, 13, 54, tzinfo=UTC)) is None
    assert active(windows, datetime(2026, 11, 26, 14, 0, tzinfo=UTC)) == first
    assert active(windows, datetime(2026, 11, 26, 14, 45, tzinfo=UTC)) == later
    assert active(windows, datetime(2026, 11, 26, 16, 0, tzinfo=UTC)) is None


def test_ending_a_window_early_cuts_it_and_drops_one_not_yet_started():
    now = a_window(id="now")
    future = a_window(id="future", starts_at="2026-11-26T18:00:00Z", ends_at="2026-11-26T19:00:00Z")
    at = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)
    cut = ended([now, future], WindowEnd(id="now", service=SERVICES[0], ended_at=at, by="dana"))
    assert [w.ends_at for w in cut] == [at, future.ends_at]
    dropped = ended([now, future], WindowEnd(id="future", service=SERVICES[0], ended_at=at, by="dana"))
    assert [w.id for w in dropped] == ["now"]


def opened_in_window(name: str, window: MaintenanceWindow | None) -> Incident:
    signal = parse_event(load_event(name))[0]
    assert isinstance(signal, Signal)
    decision = decide(None, signal, classify(signal, SAMPLE_SERVICES), SAMPLE_SERVICE, signal.occurred_at,
                      window=window)  # fmt: skip
    assert decision.incident is not None and decision.notify == [Notify.INITIAL]
    return decision.incident


def test_a_p1_in_a_window_is_announced_once_and_waits_for_the_window_end_without_pages():
    incident = opened_in_window("performance-degradation.sns.alarm.json", a_window())
    assert held(incident) and incident.public is False
    steps = schedule(incident)
    assert [(s.kind, s.at) for s in steps] == [(StepKind.MAINTENANCE_END, a_window().ends_at)]


def test_a_p0_in_a_window_still_pages_on_the_ladder():
    incident = opened_in_window("service-down.sns.alarm.json", a_window())
    assert incident.maintenance is not None and not held(incident)
    assert (schedule(incident)[0].kind, schedule(incident)[0].level) == (StepKind.PAGE, Level.L1)


def test_at_the_window_end_an_alarm_still_firing_pages_from_then_and_a_recovered_one_does_not():
    incident = opened_in_window("performance-degradation.sns.alarm.json", a_window())
    end = a_window().ends_at
    name = next(iter(incident.alarms))
    assert recovered(incident, {name: AlarmState.OK})
    assert not recovered(incident, {name: AlarmState.ALARM}) and not recovered(incident, {})

    decision = end_maintenance(incident, {name: AlarmState.ALARM}, SAMPLE_SERVICE, end)
    after = decision.incident
    assert after is not None and after.maintenance is None and decision.notify == [Notify.UPDATE]
    assert after.status is IncidentStatus.INVESTIGATING and after.public is True
    first = schedule(after)[0]
    assert (first.kind, first.level, first.at) == (StepKind.PAGE, Level.L1, end)
    later = [s for s in schedule(after) if s.kind is StepKind.PAGE and s.level is Level.L2]
    assert later[0].at == end + timedelta(hours=1)  # P1: L2 an hour after paging began, not after opening


def test_a_window_ended_early_moves_the_hold_and_reschedules_the_wake_up():
    incident = opened_in_window("performance-degradation.sns.alarm.json", a_window(id="mw-1"))
    at = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)
    decision = move_hold(incident, "mw-1", at, at)
    assert decision.incident is not None and decision.incident.maintenance.until == at  # type: ignore[union-attr]
    assert decision.incident.escalation_generation == incident.escalation_generation + 1
    assert move_hold(incident, "another-window", at, at).incident is None
