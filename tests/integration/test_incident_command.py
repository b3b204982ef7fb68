"""Incident command through the real handlers: the named person paged, the channel opened once and
kept, the status page following the incident, and Slack or the roster failing without stopping a page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from functions import container
from functions.handlers.alarm_intake import handler as intake
from functions.notifications.render import page_message
from functions.policy import Level
from functions.roster.schedule import on_call
from infra.config import load_config
from local.lambda_context import FakeLambdaContext
from local.replay import ReplayScript, replay
from local.report import ReplayReport
from local.world import ROSTER_PARAMETER
from tests.conftest import load_event

ALARM, OK = "service-down.sns.alarm.json", "service-down.sns.ok.json"
OPENED = datetime(2026, 11, 26, 14, 2, 10, tzinfo=UTC)  # the sample's StateChangeTime


def run(*names: str, **script: Any) -> ReplayReport:
    return replay([(Path(name), load_event(name)) for name in names], ReplayScript(**script))


def on_call_at(level: Level) -> Any:
    roster = load_config({}).roster
    assert roster is not None
    return on_call(roster, level, OPENED).person


@pytest.fixture(scope="module")
def resolved() -> ReplayReport:
    return run(ALARM, OK, resolve_at=timedelta(minutes=50), until=timedelta(hours=2))


def test_the_l1_page_names_the_person_on_call_and_mentions_their_slack_user(resolved: ReplayReport):
    person = on_call_at(Level.L1)
    [sns] = [n for n in resolved.notifications if n.kind == "page" and n.channel == "sns:page-L1"]
    assert f"**On call**: {person.name}, {person.phone}" in sns.text
    [slack] = [n for n in resolved.notifications if n.kind == "page" and n.channel == "slack"]
    assert slack.text.startswith(f"<@{person.slack}>")


def test_the_channel_the_notification_names_is_created_once_with_l1_in_it_and_archived_after(
    resolved: ReplayReport,
):
    [channel] = resolved.channels
    initial = next(n for n in resolved.notifications if n.kind == "initial" and n.channel.startswith("sns"))
    assert f"Incident Channel: {channel['name']}" in initial.text
    assert channel["name"] == "#incident-20261126-1402-flask-sre-challenge" and channel["created"] == 1
    assert on_call_at(Level.L1).slack in channel["members"]
    # the opening notification, the page, the reminder, the Monitoring update and the resolution all landed
    assert channel["messages"] >= 5 and channel["files"]  # the metric graph was uploaded
    assert channel["topic"].startswith("P0 · Resolved") and channel["archived"] is True


def test_the_status_page_moves_outage_then_degraded_then_resolved(resolved: ReplayReport):
    states = [(v.state, v.incidents[0]["status"]) for v in resolved.status_page]
    assert states == [("outage", "Investigating"), ("degraded", "Monitoring"), ("operational", "Resolved")]
    # and what a visitor reads has no alarm name or resource name in it
    text = json.dumps([v.incidents for v in resolved.status_page])
    assert "no-healthy-targets" not in text and "flask-sre-challenge-tg" not in text


def test_a_redelivered_alarm_never_makes_a_second_channel():
    report = run(ALARM, ALARM, until=timedelta(minutes=5))
    assert [c["created"] for c in report.channels] == [1]


def test_a_declared_security_breach_gets_a_channel_but_stays_off_the_status_page():
    report = run("security-breach.declared.api.json", until=timedelta(minutes=5))
    assert len(report.channels) == 1
    assert report.status_page == []  # nothing was ever published: the breach is private (D12)


def test_a_p2_gets_no_channel_by_policy():
    report = run("performance-degradation.lambda-action.alarm.json", until=timedelta(minutes=5))
    assert report.incident is not None and report.incident.severity.value == "P2"
    assert report.channels == []


def test_slack_refusing_the_channel_never_stops_the_notification(world, frozen_clock):
    # Given Slack rate-limits channel creation far past the client's patience
    world.slack_api.rate_limit("conversations.create", retry_after=60, times=5)
    # When an alarm opens a P0
    result = intake(load_event(ALARM), FakeLambdaContext())
    # Then the incident, its Initial Notification and its diagnosis (D19) went out, only the channel is missing
    incident = container.store().get(result["results"][0]["incident_id"])
    assert incident is not None and incident.first_response_done and incident.channel is None
    assert [m.kind for m in world.delivered() if m.channel.startswith("sns")] == ["initial", "update"]
    assert world.slack_api.channels == {}


def test_a_broken_roster_is_said_in_the_page_instead_of_a_name(world, frozen_clock):
    # Given someone put a roster with a level nobody holds into the parameter
    document = json.loads(world.clients.ssm.get_parameter(Name=ROSTER_PARAMETER)["Parameter"]["Value"])
    del document["levels"]["L3"]
    world.clients.ssm.put_parameter(Name=ROSTER_PARAMETER, Value=json.dumps(document), Overwrite=True)
    container.reset()
    # When an alarm opens a P0 and its L1 page is rendered with the roster's answer
    result = intake(load_event(ALARM), FakeLambdaContext())
    incident = container.store().get(result["results"][0]["incident_id"])
    assert incident is not None
    holder = container.roster().holder(Level.L1, OPENED)
    page = page_message(incident, Level.L1, OPENED, None, holder)
    # Then nobody is named and the page says why: the roster's one-line error, naming the parameter and the level
    assert holder.name is None
    assert f"(no roster: SSM parameter {ROSTER_PARAMETER}: levels.L3: missing" in page.text
