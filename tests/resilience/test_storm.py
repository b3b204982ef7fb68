"""An alarm storm through the real intake handler: duplicates, out-of-order and flapping deliveries.

The same generator and runner as `benchmarks/storm.py`, at a size a test can afford. No timing
is asserted here; the benchmark prints the figures.
"""

from __future__ import annotations

import json

from benchmarks.storm import ALLOWED_RESULTS, SPAN, StormReport, plan_storm, run_storm
from functions import container
from functions.handlers.alarm_intake import handler
from functions.incident import IncidentStatus
from functions.intake.signal import AlarmState
from local.lambda_context import FakeLambdaContext
from tests.conftest import load_event


def assert_storm_held(report: StormReport) -> None:
    plan = report.plan
    # no delivery lost: every one answered opened, updated, duplicate or no-change
    assert not report.handler_errors, report.handler_errors[:3]
    assert not report.lost, [(t.delivery.transition.alarm, t.result) for t in report.lost[:3]]
    assert set(report.results) <= ALLOWED_RESULTS
    assert len(report.timed) == len(plan.deliveries)
    # exactly one incident per service, each opened by exactly one delivery
    assert report.one_incident_per_service, dict(report.incidents_per_service)
    assert report.results["opened"] == len(plan.services)
    assert report.opened_ids == set(report.incidents_in_table)
    # exactly one Initial Notification per incident on the severity's topic (and one on Slack)
    assert report.one_initial_per_incident, dict(report.initial_by_incident)
    assert report.slack_initial_by_incident == report.initial_by_incident
    # every incident id a delivery answered with is one of those incidents
    assert {t.incident_id for t in report.timed if t.incident_id} <= set(report.incidents_in_table)


def test_storm_plan_is_deterministic_and_has_the_storms_shape():
    first = plan_storm(120, 5, seed=11)
    again = plan_storm(120, 5, seed=11)
    other = plan_storm(120, 5, seed=12)
    events = [d.transition.event for d in first.deliveries]
    assert events == [d.transition.event for d in again.deliveries]
    assert events != [d.transition.event for d in other.deliveries]
    # a third are exact redeliveries of an earlier delivery, some arrive out of order, some flap
    assert len(first.deliveries) == 120 and first.redeliveries == 40
    assert first.out_of_order > 0 and first.flapping
    seen: set[str] = set()
    for delivery in first.deliveries:
        assert not delivery.redelivery or delivery.transition.event in seen
        seen.add(delivery.transition.event)
    # within about one minute of virtual time, one service per marker, alarms named <service>-<rule>
    assert max(t.at for t in first.transitions) < SPAN
    for transition in first.transitions:
        message = json.loads(json.loads(transition.event)["Records"][0]["Sns"]["Message"])
        assert message["AlarmName"] == transition.alarm and transition.alarm.startswith(f"{transition.service}-")
        assert f"service={transition.service}]" in message["AlarmDescription"]
        assert (message["NewStateValue"], message["OldStateValue"]) == (transition.state, transition.previous)


def test_sequential_storm_opens_one_incident_per_service_and_notifies_once():
    plan = plan_storm(120, 5, seed=7)
    report = run_storm(plan)
    assert_storm_held(report)
    # every exact redelivery is recognised as one
    assert report.results["duplicate"] == plan.redeliveries
    # a flapping alarm (ALARM/OK/ALARM...) is held on its open incident and counted
    assert report.flap_held, report.flap_counts
    # the storm's per-alarm truth: each alarm's state on the incident is its latest transition's
    assert report.stale_alarms == []


def test_concurrent_storm_holds_the_same_invariants():
    # Three concurrent "invocations" share the stream (moto's DynamoDB writes are serialized by
    # local/moto_fidelity.py, as DynamoDB's are). A raise would be retried as SNS does.
    plan = plan_storm(90, 4, seed=5)
    report = run_storm(plan, workers=3)
    assert_storm_held(report)
    assert report.results["duplicate"] >= plan.redeliveries


def test_an_ok_overtaken_by_its_older_alarm_leaves_the_alarm_ok(world, frozen_clock):
    # Given an open incident (no healthy targets, 14:02)
    opened = handler(load_event("service-down.sns.alarm.json"), FakeLambdaContext())["results"][0]
    # When another alarm's OK (14:34) is delivered before its own, earlier ALARM (14:00)
    handler(load_event("performance-degradation.sns.ok.json"), FakeLambdaContext())
    handler(load_event("performance-degradation.sns.alarm.json"), FakeLambdaContext())
    # and the first alarm clears too
    handler(load_event("service-down.sns.ok.json"), FakeLambdaContext())
    incident = container.responder().store.get(opened["incident_id"])
    assert incident is not None
    # Then the late ALARM does not make the alarm fire again: every alarm is OK, the incident monitors
    latency = incident.alarms.get("flask-sre-challenge-latency-p99")
    assert latency is None or latency.state is AlarmState.OK
    assert incident.status is IncidentStatus.MONITORING
