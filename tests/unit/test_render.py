"""The runbook's templates, every field filled, alarm text escaped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from functions.incident import Incident, IncidentStatus, MemberAlarm
from functions.intake.signal import AlarmState
from functions.notifications.render import (
    duration,
    initial_message,
    resolution_message,
    update_message,
)
from functions.policy import Severity

T0 = datetime(2026, 11, 26, 14, 2, tzinfo=UTC)


def incident(**changes) -> Incident:
    base = Incident(
        id="flask-sre-challenge-20261126T140200Z-abc123",
        service="flask-sre-challenge",
        scenario="service-down",
        severity=Severity.P0,
        title="Application Completely Down: flask-sre-challenge-no-healthy-targets",
        impact="Application unavailable",
        affected_systems=["ALB target group flask-sre-challenge-tg"],
        opened_at=T0,
        updated_at=T0,
        next_update_at=T0 + timedelta(minutes=30),
        alarms={
            "flask-sre-challenge-no-healthy-targets": MemberAlarm(
                name="flask-sre-challenge-no-healthy-targets",
                state=AlarmState.ALARM,
                severity=Severity.P0,
                scenario="service-down",
                since=T0,
                reason="Threshold crossed <!channel> @here",
            )
        },
    )
    return base.model_copy(update=changes)


def test_initial_notification_has_every_runbook_field():
    text = initial_message(incident()).text
    assert text.startswith("🚨 INCIDENT ALERT - P0 - flask-sre-challenge")
    for heading in (
        "**Status**: Investigating",
        "**Impact**:",
        "**Start Time**: 2026-11-26 14:02 UTC",
        "**Affected Systems**: ALB target group flask-sre-challenge-tg",
        "**Next Update**: 2026-11-26 14:32 UTC",
        "Incident Channel: #incident-20261126-1402-flask-sre-challenge",
    ):
        assert heading in text
    assert "$" not in text


def test_alarm_reason_in_the_notification_is_escaped():
    text = initial_message(incident()).text
    assert "<!channel>" not in text and "@here" not in text


def test_initial_notification_carries_the_diagnosis_and_links():
    findings = [
        {
            "check": "alb_target_health",
            "status": "critical",
            "summary": "0 of 2 targets healthy",
            "command": "aws elbv2 describe-target-health --target-group-arn arn:x",
        }
    ]
    text = initial_message(incident(findings=findings), {"ack": "https://a/ack", "resolve": "https://a/res"}).text
    assert "❌ alb_target_health: 0 of 2 targets healthy" in text
    assert "aws elbv2 describe-target-health" in text
    assert "Acknowledge: https://a/ack" in text and "Resolve: https://a/res" in text


@pytest.mark.parametrize("severity", list(Severity))
def test_update_fills_every_field_for_every_severity(severity: Severity):
    text = update_message(
        incident(severity=severity, status=IncidentStatus.MONITORING, monitoring_since=T0 + timedelta(minutes=20))
    ).text
    assert text.startswith(f"📊 INCIDENT UPDATE - {severity.value}")
    assert "**Root Cause**: Not yet identified" in text and "**ETA**: " in text and "$" not in text


def test_resolution_has_duration_root_cause_and_postmortem():
    resolved = incident(
        status=IncidentStatus.RESOLVED,
        resolved_at=T0 + timedelta(minutes=45),
        root_cause="Bad deploy",
        resolution="Rolled back",
        postmortem_at=datetime(2026, 11, 28, 10, 0, tzinfo=UTC),
    )
    text = resolution_message(resolved).text
    assert "**Resolution Time**: 45 min" in text
    assert "**Root Cause**: Bad deploy" in text and "**Resolution**: Rolled back" in text
    assert "**Post-Mortem**: Scheduled for 2026-11-28 10:00 UTC" in text


def test_p2_resolution_says_no_postmortem_is_required():
    text = resolution_message(incident(severity=Severity.P2, resolved_at=T0 + timedelta(hours=1))).text
    assert "Not required for P2" in text


@pytest.mark.parametrize(("minutes", "text"), [(0, "0 min"), (45, "45 min"), (90, "1 h 30 min"), (1500, "1 d 1 h")])
def test_duration_reads_like_a_person_wrote_it(minutes: int, text: str):
    assert duration(timedelta(minutes=minutes)) == text
