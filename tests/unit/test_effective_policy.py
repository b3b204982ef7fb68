"""A service's own policy: the runbook's rules with its overrides, and only what its resources allow."""

from __future__ import annotations

import pytest

from functions.diagnostics import applicable
from functions.intake.parse import parse_event
from functions.intake.signal import Signal
from functions.policy import RUNBOOK, Severity
from functions.policy.effective import service_policy
from functions.scenarios import Action, classify
from functions.services import UNASSIGNED, RuleOverride, ServiceConfig
from tests.conftest import load_event

CHECKOUT = ServiceConfig(
    name="checkout", load_balancer="checkout-alb", target_group="checkout-tg", cluster="shop",
    ecs_service="checkout", db_instance="checkout-db", log_group="/ecs/checkout",
    rules={"error-rate-high": RuleOverride(threshold=2), "latency-p99": RuleOverride(severity=Severity.P0)},
)  # fmt: skip
SEARCH = ServiceConfig(
    name="search", load_balancer="search-alb", target_group="search-tg", cluster="shop", ecs_service="search",
    rules={"latency-p99": RuleOverride(threshold=1.5), "latency-rise": RuleOverride(enabled=False)},
)  # fmt: skip


def marked_alarm(rule: str, service: str) -> Signal:
    """The sample EventBridge alarm, as the stack would create it for `rule` on `service` (its marker)."""
    from infra import names

    event = load_event("high-error-rate.eventbridge.alarm.json")
    event["detail"]["alarmName"] = f"{service}-{rule}"
    event["detail"]["configuration"]["description"] = f"summary\n{names.marker(rule, 'P1', 'x', service)}"
    (signal,) = parse_event(event)
    assert isinstance(signal, Signal)
    return signal


def test_an_override_changes_the_threshold_and_its_words() -> None:
    # Given checkout's error-rate-high at 2 %
    rule = service_policy(CHECKOUT).rules["error-rate-high"]
    # Then its alarm and its text say 2, and the scenario's impact says the same number
    assert rule.threshold == 2 and rule.description == "Error rate > 2% (5-minute window)"
    assert service_policy(CHECKOUT).text(RUNBOOK.scenario("high-error-rate").impact).startswith("Error rate above 2%")
    # And the runbook itself is untouched for everyone else
    assert service_policy(SEARCH).rules["error-rate-high"].threshold == 5


def test_a_service_without_a_database_gets_no_database_alarm_or_check() -> None:
    # Given search, which has no database and turned latency-rise off
    rules = {rule.rule for rule in service_policy(SEARCH).alarm_rules}
    # Then none of the database rules, nor the one it turned off, has an alarm; the ALB ones do
    assert not rules & {"db-connections", "db-slow-queries", "db-connection-failures", "latency-rise"}
    assert {"no-healthy-targets", "error-rate-high", "latency-p99", "ecs-cpu"} <= rules
    # And the database scenario's checks shrink to those it can run
    assert applicable(RUNBOOK.scenario("database").checks, SEARCH) == ["recent_deployments"]
    assert applicable(RUNBOOK.scenario("database").checks, CHECKOUT) == list(RUNBOOK.scenario("database").checks)


def test_a_service_with_nothing_but_a_name_gets_no_alarm_and_no_affected_systems() -> None:
    bare = ServiceConfig(name="batch")
    assert service_policy(bare).alarm_rules == ()
    assert bare.affected_systems(("alb", "ecs", "rds", "logs")) == []
    assert applicable(RUNBOOK.scenario("service-down").checks, bare) == []


def test_the_classifier_reads_the_services_own_severity() -> None:
    # Given checkout raised latency-p99 to P0, and search kept P1
    for service, severity in ((CHECKOUT, Severity.P0), (SEARCH, Severity.P1)):
        # When its alarm is classified
        result = classify(marked_alarm("latency-p99", service.name), (CHECKOUT, SEARCH))
        # Then the service's own severity decides
        assert (result.service, result.rule, result.severity) == (service.name, "latency-p99", severity)


@pytest.mark.parametrize("services", [(CHECKOUT,), (CHECKOUT, SEARCH)], ids=["one service", "two services"])
def test_an_alarm_naming_no_configured_service_opens_unassigned(services: tuple[ServiceConfig, ...]) -> None:
    # Given an alarm on another team's load balancer (the sample's), however many services are configured
    (signal,) = parse_event(load_event("high-error-rate.sns-legacy.alarm.json"))
    assert isinstance(signal, Signal)
    # When it is classified
    result = classify(signal, services)
    # Then it is nobody's: unassigned, at the policy's default, with what it carried in the basis
    assert (result.service, result.severity, result.action) == (UNASSIGNED, RUNBOOK.unknown_alarm_severity, Action.OPEN)
    assert "LoadBalancer=app/flask-sre-challenge-alb" in result.basis and "D8" in result.basis
