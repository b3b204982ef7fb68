"""The diagnostics get the service's recorded events up to the incident's start; a store that cannot
be read means no recorded events, never no diagnosis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from functions.diagnosis import CHANGE_WINDOW, Diagnoser
from functions.incident_store import Change

OPENED = datetime(2026, 11, 26, 13, 44, 47, tzinfo=UTC)


def change(minutes: int, name: str = "SERVICE_DEPLOYMENT_IN_PROGRESS") -> Change:
    return Change(source="ecs", name=name, at=OPENED + timedelta(minutes=minutes), text="")


def test_changes_up_to_the_incident_oldest_first():
    asked = []

    def recorded(service: str, since: datetime) -> list[Change]:
        asked.append((service, since))
        return [change(0, "SERVICE_DEPLOYMENT_FAILED"), change(-7), change(5, "SERVICE_DEPLOYMENT_COMPLETED")]

    changes = Diagnoser(clients=None, budget_seconds=1, changes=recorded)._recent_changes("svc", OPENED)  # type: ignore[arg-type]
    assert asked == [("svc", OPENED - CHANGE_WINDOW)]
    assert [c.name for c in changes] == ["SERVICE_DEPLOYMENT_IN_PROGRESS", "SERVICE_DEPLOYMENT_FAILED"]


def test_an_unreadable_store_gives_no_changes():
    def broken(service: str, since: datetime) -> list[Change]:
        raise RuntimeError("throttled")

    assert Diagnoser(clients=None, budget_seconds=1, changes=broken)._recent_changes("svc", OPENED) == []  # type: ignore[arg-type]


def test_the_opening_events_own_change_counts_even_before_its_write_is_read_back():
    # Given a store that does not have the opening event yet (the checks start beside its write)
    opening = change(0, "SERVICE_DEPLOYMENT_FAILED")

    def recorded(service: str, since: datetime) -> list[Change]:
        return [change(-7)]

    # When the changes are read with the opening event's own record
    changes = Diagnoser(clients=None, budget_seconds=1, changes=recorded)._recent_changes(  # type: ignore[arg-type]
        "svc", OPENED, [opening]
    )
    # Then it is there, once, oldest first
    assert [c.name for c in changes] == [change(-7).name, "SERVICE_DEPLOYMENT_FAILED"]
