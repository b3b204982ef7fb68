"""The local worlds: healthy is all-clear, each broken scenario is visible to its own checks, and the
moto adapters (local/seed_moto.py) really change what the AWS API answers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from functions.diagnostics import CHECKS, Status, run_checks
from functions.policy import RUNBOOK, Severity
from functions.severity import reclassify
from local.seed import SCENES
from tests.samples import SAMPLE_SERVICE

BROKEN = sorted(name for name in SCENES if name)


def test_healthy_world_passes_every_check(seeded, clients):
    # Given the healthy world
    ctx = seeded(None)
    # When every registered check runs
    findings = run_checks(list(CHECKS), ctx, clients, budget_seconds=10)
    # Then every one is OK
    assert {f.check: f.status for f in findings} == dict.fromkeys(CHECKS, Status.OK)


@pytest.mark.parametrize("scenario", BROKEN)
def test_each_broken_world_shows_in_its_scenarios_checks(seeded, clients, scenario):
    # Given a world broken as `scenario`
    ctx = seeded(scenario)
    # When the scenario's own checks run
    checks = RUNBOOK.scenario(scenario).checks
    findings = run_checks(checks, ctx, clients, budget_seconds=10)
    # Then every check ran (none unknown for want of data or errors) and something is flagged
    statuses = {f.check: f.status for f in findings}
    assert [f.check for f in findings] == list(checks)
    assert Status.UNKNOWN not in statuses.values(), findings
    assert {Status.WARNING, Status.CRITICAL} & set(statuses.values())


def test_service_down_world_is_p0_service_down(seeded, clients):
    ctx = seeded("service-down")
    findings = run_checks(RUNBOOK.scenario("service-down").checks, ctx, clients, budget_seconds=10)
    result = reclassify(Severity.P1, "high-error-rate", findings)
    assert result is not None and (result.severity, result.scenario) == (Severity.P0, "service-down")


def test_database_world_moves_an_unclassified_alarm_to_database(seeded, clients):
    ctx = seeded("database")
    findings = run_checks(RUNBOOK.scenario("unclassified").checks, ctx, clients, budget_seconds=10)
    result = reclassify(Severity.P2, "unclassified", findings)
    assert result is not None and (result.severity, result.scenario) == (Severity.P1, "database")


def test_adapters_change_what_the_api_answers(seeded, clients, now):
    # Given the service-down world
    seeded("service-down")
    # Then target health, ECS counts/events, task details, registeredAt and percentiles come through the API
    tg = clients.elbv2.describe_target_groups(Names=["flask-sre-challenge-tg"])["TargetGroups"][0]
    states = [
        d["TargetHealth"]["State"]
        for d in clients.elbv2.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]
    ]
    assert sorted(states) == ["draining", "unhealthy"]
    service = clients.ecs.describe_services(
        cluster="flask-sre-challenge-cluster", services=["flask-sre-challenge-service"]
    )["services"][0]
    assert (service["runningCount"], service["pendingCount"], len(service["events"])) == (0, 2, 4)
    stopped = clients.ecs.list_tasks(cluster="flask-sre-challenge-cluster", desiredStatus="STOPPED")["taskArns"]
    task = clients.ecs.describe_tasks(cluster="flask-sre-challenge-cluster", tasks=stopped[:1])["tasks"][0]
    assert task["stopCode"] == "ServiceSchedulerInitiated" and task["stoppedAt"] <= now
    definition = clients.ecs.describe_task_definition(taskDefinition="flask-sre-challenge:1")["taskDefinition"]
    assert definition["registeredAt"] < now - timedelta(days=8)
    result = clients.cloudwatch.get_metric_statistics(
        Namespace="AWS/RDS",
        MetricName="CPUUtilization",
        StartTime=now - timedelta(minutes=10),
        EndTime=now + timedelta(minutes=1),
        Period=600,
        Dimensions=[{"Name": "DBInstanceIdentifier", "Value": "flask-sre-challenge-db"}],
        Statistics=["Average"],
    )
    assert result["Datapoints"]


def test_info_scenarios_get_the_healthy_world(seeded, clients):
    # Given a scenario the runbook knows but that breaks nothing (a configuration change on the timeline)
    ctx = seeded("config-change")
    # Then its checks find a healthy service
    findings = run_checks(RUNBOOK.scenario("config-change").checks, ctx, clients, budget_seconds=10)
    assert {f.status for f in findings} == {Status.OK}


def test_unknown_scenario_is_refused(clients, now):
    from local.seed import seed_world

    with pytest.raises(ValueError, match="no local world for scenario 'nope'"):
        seed_world(clients, SAMPLE_SERVICE, "nope", now)
