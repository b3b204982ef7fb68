"""Incident lifecycle decisions, without AWS: open, join, upgrade, monitoring, flapping, late events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from functions.incident import Incident, IncidentStatus
from functions.intake.parse import parse_event
from functions.intake.signal import Signal
from functions.lifecycle import Escalate, Notify, decide, resolve, stabilised
from functions.policy import Severity
from functions.scenarios import classify
from tests.conftest import load_event
from tests.samples import SAMPLE_SERVICE, SAMPLE_SERVICES

SERVICE = SAMPLE_SERVICE
NOW = datetime(2026, 11, 26, 14, 5, tzinfo=UTC)


def signal_of(name: str) -> Signal:
    signal = parse_event(load_event(name))[0]
    assert isinstance(signal, Signal)
    return signal


def apply(current: Incident | None, name: str, now: datetime = NOW):
    signal = signal_of(name)
    return decide(current, signal, classify(signal, SAMPLE_SERVICES), SERVICE, now)


def opened(name: str) -> Incident:
    decision = apply(None, name)
    assert decision.incident is not None
    return decision.incident


def test_new_alarm_opens_an_incident_with_initial_notification_and_escalation():
    decision = apply(None, "service-down.sns.alarm.json")
    assert decision.created and decision.notify == [Notify.INITIAL] and decision.escalate is Escalate.START
    incident = decision.incident
    assert incident is not None
    assert (incident.severity, incident.scenario, incident.status) == (
        Severity.P0,
        "service-down",
        IncidentStatus.INVESTIGATING,
    )
    assert incident.next_update_at == NOW + timedelta(minutes=30)


def test_ok_without_an_open_incident_changes_nothing():
    decision = apply(None, "service-down.sns.ok.json")
    assert decision.incident is None and not decision.notify


def test_p0_alarm_joining_a_p1_incident_upgrades_it_with_its_reason():
    # Given a P1 latency incident
    incident = opened("performance-degradation.sns.alarm.json")
    # When the P0 no-healthy-targets alarm fires
    decision = apply(incident, "service-down.sns.alarm.json")
    upgraded = decision.incident
    assert upgraded is not None
    # Then the incident becomes P0 service-down, says why, posts an update and re-times the ladder
    assert (upgraded.severity, upgraded.scenario) == (Severity.P0, "service-down")
    assert "no-healthy-targets" in upgraded.severity_reason
    assert Notify.UPDATE in decision.notify and decision.escalate is Escalate.RESCHEDULE
    assert upgraded.escalation_generation == incident.escalation_generation + 1
    assert [e.kind for e in decision.timeline] == ["joined", "severity"]


def test_lower_severity_alarm_joins_without_a_message():
    incident = opened("service-down.sns.alarm.json")
    decision = apply(incident, "performance-degradation.sns.alarm.json")
    assert decision.incident is not None and decision.incident.severity is Severity.P0
    assert decision.notify == [] and [e.kind for e in decision.timeline] == ["joined"]


def test_all_alarms_ok_moves_to_monitoring_with_a_status_update():
    incident = opened("service-down.sns.alarm.json")
    decision = apply(incident, "service-down.sns.ok.json", NOW + timedelta(minutes=30))
    assert decision.incident is not None
    assert decision.incident.status is IncidentStatus.MONITORING
    assert decision.notify == [Notify.UPDATE]


def test_one_of_two_alarms_ok_keeps_investigating():
    incident = opened("performance-degradation.sns.alarm.json")
    joined = apply(incident, "service-down.sns.alarm.json").incident
    decision = apply(joined, "performance-degradation.sns.ok.json")
    assert decision.incident is not None and decision.incident.status is IncidentStatus.INVESTIGATING
    assert decision.notify == []


def test_alarm_firing_again_while_monitoring_is_held_on_the_incident():
    incident = opened("service-down.sns.alarm.json")
    monitoring = apply(incident, "service-down.sns.ok.json").incident
    assert monitoring is not None
    # When the same alarm fires again later (flapping)
    signal = signal_of("service-down.sns.alarm.json").model_copy(update={"occurred_at": NOW + timedelta(minutes=40)})
    decision = decide(monitoring, signal, classify(signal, SAMPLE_SERVICES), SERVICE, NOW + timedelta(minutes=40))
    # Then the same incident goes back to investigating, notes the flap, and pages nobody new
    assert decision.incident is not None and not decision.created
    assert decision.incident.status is IncidentStatus.INVESTIGATING and decision.incident.flap_count == 1
    assert decision.notify == [] and decision.timeline[0].kind == "flapping"


def test_an_alarm_transition_older_than_what_the_incident_knows_is_ignored():
    incident = opened("service-down.sns.alarm.json")
    later = incident.model_copy(deep=True)
    later.alarms["flask-sre-challenge-no-healthy-targets"].since += timedelta(hours=1)
    assert apply(later, "service-down.sns.ok.json").incident is None


def test_stabilisation_window_then_resolution():
    incident = opened("service-down.sns.alarm.json")
    monitoring = apply(incident, "service-down.sns.ok.json", NOW).incident
    assert monitoring is not None
    assert not stabilised(monitoring, NOW + timedelta(minutes=14))
    assert stabilised(monitoring, NOW + timedelta(minutes=15))
    decision = resolve(
        monitoring, NOW + timedelta(minutes=20), by="alice", channel="link", root_cause=None, resolution=None
    )
    assert decision.incident is not None and decision.incident.status is IncidentStatus.RESOLVED
    assert decision.release_open_pointer and decision.escalate is Escalate.STOP
    assert resolve(decision.incident, NOW, by="bob", channel="link", root_cause=None, resolution=None).incident is None


def test_info_event_joins_an_open_incident_as_context():
    incident = opened("service-down.sns.alarm.json")
    decision = apply(incident, "deployment.ecs.completed.json")
    assert decision.incident is not None and decision.record_change
    assert decision.timeline[0].kind == "context" and decision.notify == []


def test_failed_deployment_joining_a_p2_incident_raises_it_to_p1():
    # Given a P2 incident opened by the latency-rise alarm
    incident = opened("performance-degradation.lambda-action.alarm.json")
    assert incident.severity is Severity.P2
    # When the service's deployment fails (D16)
    decision = apply(incident, "deployment.ecs.failed.json")
    # Then the incident is P1, says why, tells people and moves the escalation onto P1's schedule
    raised = decision.incident
    assert raised is not None and (raised.severity, raised.scenario) == (Severity.P1, "deployment")
    assert [entry.kind for entry in decision.timeline] == ["context", "severity"]
    assert "SERVICE_DEPLOYMENT_FAILED" in decision.timeline[1].text
    assert decision.notify == [Notify.UPDATE] and decision.escalate is Escalate.RESCHEDULE
    assert decision.record_change  # and the failure is kept for the recent-change correlation


def test_failed_deployment_joining_a_p0_incident_leaves_its_severity():
    incident = opened("service-down.sns.alarm.json")
    decision = apply(incident, "deployment.ecs.failed.json")
    assert decision.incident is not None and decision.incident.severity is Severity.P0
    assert [entry.kind for entry in decision.timeline] == ["context"] and decision.notify == []


def test_flapping_alarm_is_announced_once_then_held_quietly():
    incident = opened("service-down.sns.alarm.json")
    ok = signal_of("service-down.sns.ok.json")
    alarm = signal_of("service-down.sns.alarm.json")
    states = []
    current = incident
    for minute in range(1, 7):  # OK, ALARM, OK, ALARM, OK, ALARM — one swing a minute
        signal = (ok if minute % 2 else alarm).model_copy(
            update={"occurred_at": alarm.occurred_at + timedelta(minutes=minute)}
        )
        decision = decide(current, signal, classify(signal, SAMPLE_SERVICES), SERVICE, NOW + timedelta(minutes=minute))
        assert decision.incident is not None and not decision.created
        states.append((decision.incident.status, decision.notify))
        current = decision.incident
    # Then one Monitoring update is posted, later swings are held without messages, never a new incident
    assert [notify for _, notify in states].count([Notify.UPDATE]) == 1
    assert current.flap_count == 3 and current.id == incident.id
