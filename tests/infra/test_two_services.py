"""A team's own config (examples/two-services.json) synthesizes to its own alarms and rules, and only those.

`checkout` has ECS, an ALB and RDS and asks for a 2 % error-rate alarm; `search` has ECS and its own
ALB, no database, and a 1.5 s p99. What a service lacks gets no alarm, no EventBridge rule and no
log metric filter; nothing of the runbook's sample service is left anywhere in the template.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.policy import RUNBOOK
from infra.config import ResponderConfig, load_config
from tests.conftest import TWO_SERVICES_CONFIG
from tests.infra.conftest import of_type

DATABASE_RULES = sorted(rule.rule for rule in RUNBOOK.alarm_rules if "db_instance" in rule.watches)


@pytest.fixture(scope="module")
def config() -> ResponderConfig:
    return load_config({"config": str(TWO_SERVICES_CONFIG)})


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    from infra.synth import synthesize_template

    return synthesize_template({"config": str(TWO_SERVICES_CONFIG)})


@pytest.fixture(scope="module")
def alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        props["AlarmName"]: props
        for resource in template["Resources"].values()
        if resource["Type"] in {"AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"}
        and isinstance((props := resource["Properties"]).get("AlarmName"), str)
    }


def test_checkout_has_the_database_alarms_and_its_own_error_rate_threshold(alarms, config) -> None:
    # Given checkout, which has an RDS instance and overrides error-rate-high to 2 %
    checkout = config.services[0]
    assert checkout.name == "checkout" and checkout.db_instance

    # Then every runbook rule on the database is an alarm of checkout's
    assert DATABASE_RULES and all(f"checkout-dev-{rule}" in alarms for rule in DATABASE_RULES)
    # And error-rate-high fires above checkout's 2 %, not the runbook's 5 %
    runbook_threshold = next(rule.threshold for rule in RUNBOOK.alarm_rules if rule.rule == "error-rate-high")
    assert alarms["checkout-dev-error-rate-high"]["Threshold"] == checkout.rules["error-rate-high"].threshold == 2
    assert runbook_threshold != 2
    # And the RDS connections alarm watches checkout's own instance
    dimensions = {d["Name"]: d["Value"] for d in alarms["checkout-dev-db-connections"]["Dimensions"]}
    assert dimensions == {"DBInstanceIdentifier": checkout.db_instance}


def test_search_without_a_database_gets_no_database_alarm_rule_or_log_filter(alarms, template) -> None:
    # Given search, which has no db_instance
    resources = template["Resources"]

    # Then no search alarm watches a database
    assert not [rule for rule in DATABASE_RULES if f"search-dev-{rule}" in alarms]
    assert not [
        name for name, props in alarms.items() if name.startswith("search-") and props.get("Namespace") == "AWS/RDS"
    ]
    # And the only RDS EventBridge rules are checkout's
    rds_rules = [r["Properties"]["EventPattern"] for r in of_type(resources, "AWS::Events::Rule").values()
                 if r["Properties"]["EventPattern"].get("source") == ["aws.rds"]]  # fmt: skip
    assert rds_rules and all(p["detail"]["SourceIdentifier"][0] == "checkout-db" for p in rds_rules)
    # And the database log filters read checkout's log group only
    filtered = {f["Properties"]["LogGroupName"] for f in of_type(resources, "AWS::Logs::MetricFilter").values()}
    assert filtered == {"/ecs/checkout"}


def test_search_latency_alarm_is_at_its_own_threshold(alarms) -> None:
    # Given search's override latency-p99: 1.5 s (the runbook says 2 s)
    # Then its p99 alarm is at 1.5 s and checkout's stays at the runbook's
    runbook_threshold = next(rule.threshold for rule in RUNBOOK.alarm_rules if rule.rule == "latency-p99")
    assert alarms["search-dev-latency-p99"]["Threshold"] == 1.5
    assert alarms["checkout-dev-latency-p99"]["Threshold"] == runbook_threshold != 1.5
    # And the ALB dimension is search's own full name from the config
    dimensions = {d["Name"]: d["Value"] for d in alarms["search-dev-latency-p99"]["Dimensions"]}
    assert dimensions == {"LoadBalancer": "app/search-alb/4f1904a8daf9ae6f"}


def test_nothing_of_the_sample_service_is_in_the_team_template(template) -> None:
    # Then the sample's names appear nowhere: no field fell back to them
    assert "flask-sre-challenge" not in json.dumps(template)
