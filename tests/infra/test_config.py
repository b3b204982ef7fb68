"""The deployment config: validated up front, with one readable line when it is wrong."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.config import PLACEHOLDER_ID, ConfigError, ResponderConfig, ServiceDeployment, load_config

REPO = Path(__file__).resolve().parents[2]


def test_a_service_has_only_the_resources_its_entry_names() -> None:
    # When a service names only its ECS service and log group
    config = ResponderConfig(
        services=[{"name": "search", "cluster": "core", "ecs_service": "search", "log_group": "/ecs/search"}],
        roster_parameter="/team/roster",
    )

    # Then nothing else is filled in: no load balancer, no database, no placeholder ids to warn about
    (service,) = config.services
    assert (service.load_balancer, service.target_group, service.db_instance) == (None, None, None)
    assert service.load_balancer_full_name == "" and config.placeholder_warnings() == []


def test_the_runbooks_naming_only_when_the_service_asks_for_it() -> None:
    # Given a service asking for the runbook's naming, and saying it has no database
    config = ResponderConfig(
        services=[{"name": "shop", "naming": "runbook", "db_instance": None}], roster_parameter="/team/roster"
    )

    # Then every other resource follows `<name>-...`, the database stays absent, and the ALB ids are flagged
    (service,) = config.services
    assert (service.load_balancer, service.log_group, service.db_instance) == ("shop-alb", "/ecs/shop", None)
    assert service.load_balancer_full_name == f"app/shop-alb/{PLACEHOLDER_ID}"
    assert len(config.placeholder_warnings()) == 2


def test_a_placeholder_id_is_an_error_beyond_dev() -> None:
    # Given a prod stage whose service has an ALB but no real dimension ids
    services = [{"name": "shop", "load_balancer": "shop-alb", "target_group": "shop-tg"}]
    # Then it is refused, naming the field and how to find the id
    with pytest.raises(ValueError, match=r"services\[0\]\.load_balancer_full_name .*describe-load-balancers"):
        ResponderConfig(stage="prod", services=services, roster_parameter="/team/roster")


def test_a_pasted_arn_is_taken_as_the_name_and_gives_the_dimension() -> None:
    # Given ARNs where names are expected
    lb = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/checkout-alb/50dc6c495c0c9188"
    tg = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/checkout-tg/73e2d6bc24d8a067"
    db = "arn:aws:rds:eu-west-1:123456789012:db:checkout-db"
    config = ResponderConfig(
        stage="prod",
        services=[{"name": "checkout", "load_balancer": lb, "target_group": tg, "db_instance": db}],
        roster_parameter="/team/roster",
    )

    # Then the names are the resources' names and the CloudWatch dimensions come from the ARNs (no placeholder)
    (service,) = config.services
    assert (service.load_balancer, service.target_group, service.db_instance) == (
        "checkout-alb", "checkout-tg", "checkout-db",
    )  # fmt: skip
    assert service.load_balancer_full_name == "app/checkout-alb/50dc6c495c0c9188"
    assert service.target_group_full_name == "targetgroup/checkout-tg/73e2d6bc24d8a067"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"name": "x", "db_instance": ""}, "services[0].db_instance: empty"),
        ({"name": "x", "cluster": "arn:aws:rds:eu-west-1:1:db:x"}, "an ARN of another kind of resource"),
        ({"name": "x", "rules": {"error-rate": {"threshold": 2}}}, "'error-rate' is not a runbook rule"),
        ({"name": "x", "rules": {"latency-p99": {"period_seconds": 45}}}, "45 is not a CloudWatch period"),
        ({"name": "x", "thresholds": {}}, "thresholds"),
    ],
)
def test_a_bad_service_entry_is_one_line(tmp_path: Path, entry: dict[str, object], problem: str) -> None:
    path = tmp_path / "responder.config.json"
    path.write_text(json.dumps({"services": [entry], "roster_parameter": "/team/roster"}))
    with pytest.raises(ConfigError) as error:
        load_config({"config": str(path)})
    assert problem in str(error.value) and "\n" not in str(error.value)


def test_services_from_context_accepts_names_and_objects() -> None:
    # Given services as context: a name and an object
    context = {"services": json.dumps(["shop", {"name": "api", "cluster": "core", "log_group": "/ecs/api"}])}

    # When loaded
    config = load_config(context)

    # Then the name follows the runbook's naming and the object keeps its fields
    shop, api = config.services
    assert (shop.load_balancer, shop.db_instance, shop.log_group) == ("shop-alb", "shop-db", "/ecs/shop")
    assert (api.cluster, api.log_group) == ("core", "/ecs/api")
    assert [s["name"] for s in config.runtime_services()] == ["shop", "api", "responder-synthetic"]


@pytest.mark.parametrize(
    ("services", "setting", "reserved"),
    [(1, "auto", 6), (20, "auto", 25), (20, 5, 5), (20, None, None)],
)
def test_reserved_concurrency_auto_gives_each_service_a_slot_for_a_storm(
    services: int, setting: int | str | None, reserved: int | None
) -> None:
    # Given N services and the reserved_concurrency setting
    names = [f"svc-{n}" for n in range(services)]

    # When the config is read
    config = ResponderConfig(services=[ServiceDeployment.named(n) for n in names], reserved_concurrency=setting,
                             roster_parameter="/team/roster")  # fmt: skip

    # Then "auto" reserves five plus one per service; a number or null is taken as given
    assert config.reserved_executions == reserved


@pytest.mark.parametrize("setting", [0, 101, "lots", True])
def test_reserved_concurrency_out_of_range_is_one_line(tmp_path: Path, setting: object) -> None:
    # Given a config file with an unusable reserved_concurrency
    path = tmp_path / "responder.config.json"
    path.write_text(
        json.dumps({"services": [{"name": "a"}], "reserved_concurrency": setting, "roster_parameter": "/team/roster"})
    )

    # When loaded, then one line names the setting
    with pytest.raises(ConfigError) as error:
        load_config({"config": str(path)})
    assert "reserved_concurrency" in str(error.value) and "\n" not in str(error.value)


def test_runtime_services_are_plain_service_configs() -> None:
    service = ServiceDeployment(name="x", load_balancer_full_name="app/x-alb/abc123")
    assert "load_balancer_full_name" not in service.runtime().model_dump()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "expected a JSON object"),
        ('{"services": []}', "services: Tuple should have at least 1 item"),
        ('{"services": [{"name": "bad name!"}]}', "services[0].name 'bad name!': letters, digits and '-', at most 40"),
        ('{"services": [{"name": "a"}], "stage": "prod", "typo": 1}', "typo: unknown field; allowed: stage, "),
        ('{"services": [{"name": "a"}], "alert_emails": {"P9": ["a@b.c"]}}', "unknown topic 'P9'"),
        ('{"services": [{"name": "a"}, {"name": "a"}]}', "service names must be unique: a"),
        ('{"services": [{"name": "a"}], "log_retention_days": 31}', "31 is not a CloudWatch Logs retention"),
    ],
)
def test_bad_config_is_one_line_naming_the_file(tmp_path: Path, content: str, problem: str) -> None:
    # Given a bad config file
    path = tmp_path / "responder.config.json"
    path.write_text(content)

    # When it is loaded
    with pytest.raises(ConfigError) as error:
        load_config({"config": str(path)})

    # Then the message names the file and the problem on one line
    message = str(error.value)
    assert message.startswith(f"{path}: ") and problem in message and "\n" not in message


def test_missing_explicit_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config({"config": str(tmp_path / "nope.json")})


def test_app_exits_2_with_one_line_on_stderr(tmp_path: Path) -> None:
    # Given a config file with a bad service name
    path = tmp_path / "bad.json"
    path.write_text('{"services": [{"name": "no spaces allowed"}]}')
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps({"config": str(path)}), "CDK_OUTDIR": str(tmp_path / "out")}

    # When app.py runs as the CDK CLI would run it
    result = subprocess.run([sys.executable, "app.py"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)

    # Then it exits 2 with exactly one line, no traceback, and synthesizes nothing
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: services[0].name"), result.stderr
    assert "Traceback" not in result.stderr
    assert not list((tmp_path / "out").glob("*.template.json"))


def test_preflight_stops_a_bad_config_with_one_line_before_the_cdk_cli(tmp_path: Path) -> None:
    # Given a config whose second service has a bad name
    path = tmp_path / "team.json"
    path.write_text(json.dumps({"services": [{"name": "ok"}, {"name": "my service"}], "roster_parameter": "/x"}))

    # When make synth's first step checks it
    result = subprocess.run(
        [sys.executable, "-m", "infra.preflight", "--config", str(path)],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    # Then it exits 2 with one line naming the file and the field, and no traceback
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {path}: services.1.name") or line.startswith(f"error: {path}: services[1].name")
    assert "Traceback" not in result.stderr
