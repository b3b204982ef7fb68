"""`responder discover` against a moto account: an ALB-fronted `checkout` with an awslogs task
definition and a tagged RDS instance, and a `worker` with no load balancer and no logs driver."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.config import load_config
from local.cli import main
from tests.conftest import SAMPLE_CONFIG

CLUSTER = "shop"


@dataclass(frozen=True)
class Shop:
    load_balancer_arn: str
    target_group_arn: str
    dns_name: str


def build_shop() -> Shop:
    """The account the tests read: VPC, ALB + target group (health check /healthz), ECS cluster, RDS."""
    ec2, elbv2 = boto3.client("ec2"), boto3.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{n}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for n, zone in ((1, "us-east-1a"), (2, "us-east-1b"))
    ]
    balancer = elbv2.create_load_balancer(Name="shop-alb", Subnets=subnets)["LoadBalancers"][0]
    group = elbv2.create_target_group(
        Name="checkout-tg", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip",
        HealthCheckProtocol="HTTP", HealthCheckPath="/healthz",
    )["TargetGroups"][0]  # fmt: skip
    elbv2.create_listener(
        LoadBalancerArn=balancer["LoadBalancerArn"], Protocol="HTTP", Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group["TargetGroupArn"]}],
    )  # fmt: skip
    ecs = boto3.client("ecs")
    ecs.create_cluster(clusterName=CLUSTER)
    awslogs = {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/checkout", "awslogs-region": "us-east-1"}}
    ecs.register_task_definition(
        family="checkout", containerDefinitions=[{"name": "web", "image": "shop/checkout", "memory": 512,
                                                  "logConfiguration": awslogs}],
    )  # fmt: skip
    worker = {"name": "worker", "image": "shop/worker", "memory": 256}
    ecs.register_task_definition(family="worker", containerDefinitions=[worker])
    ecs.create_service(
        cluster=CLUSTER, serviceName="checkout", taskDefinition="checkout", desiredCount=2,
        loadBalancers=[{"targetGroupArn": group["TargetGroupArn"], "containerName": "web", "containerPort": 8080}],
    )  # fmt: skip
    ecs.create_service(cluster=CLUSTER, serviceName="worker", taskDefinition="worker", desiredCount=1)
    database("checkout-db", {"service": "checkout"})
    return Shop(balancer["LoadBalancerArn"], group["TargetGroupArn"], balancer["DNSName"])


def database(identifier: str, tags: dict[str, str]) -> None:
    boto3.client("rds").create_db_instance(
        DBInstanceIdentifier=identifier, DBInstanceClass="db.t3.micro", Engine="postgres", AllocatedStorage=20,
        MasterUsername="app", MasterUserPassword="not-a-secret-1",
        Tags=[{"Key": key, "Value": value} for key, value in tags.items()],
    )  # fmt: skip


@pytest.fixture
def shop(aws_env: None) -> Iterator[Shop]:
    with mock_aws():
        yield build_shop()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["discover", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def entries(out: str) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in json.loads(out)["services"]}


def dimension(arn: str, after: str) -> str:
    """What CloudWatch calls the resource: the ARN's text after `after`."""
    return arn[arn.index(after) + len(after) :]


def test_discover_prints_an_entry_per_ecs_service_with_only_the_resources_it_has(shop, capsys):
    # Given the shop account; When discovering its cluster without a database flag
    code, out, err = run(capsys, "--cluster", CLUSTER)
    # Then checkout carries the ALB names, the dimension values of the ARNs moto made, its log group
    # and the health URL through the ALB; worker (no load balancer, no awslogs) carries only ECS names
    assert code == 0
    found = entries(out)
    assert found["checkout"] == {
        "name": "checkout",
        "cluster": CLUSTER,
        "ecs_service": "checkout",
        "load_balancer": "shop-alb",
        "load_balancer_full_name": dimension(shop.load_balancer_arn, ":loadbalancer/"),
        "target_group": "checkout-tg",
        "target_group_full_name": dimension(shop.target_group_arn, ":123456789012:"),
        "log_group": "/ecs/checkout",
        "health_url": f"http://{shop.dns_name}/healthz",
    }
    assert found["worker"] == {"name": "worker", "cluster": CLUSTER, "ecs_service": "worker"}
    # And stderr says what it could not find out
    assert "namespace is not discoverable" in err and "no db_instance" in err


@pytest.mark.parametrize("flag", [("--db-tag", "service=checkout"), ("--db-instance", "checkout-db")])
def test_the_database_is_named_only_when_asked(shop, capsys, flag):
    # Given the RDS instance tagged service=checkout; When discovering checkout with a database flag
    code, out, _ = run(capsys, "--cluster", CLUSTER, "--service", "checkout", *flag)
    # Then the entry names the instance
    assert code == 0 and entries(out)["checkout"]["db_instance"] == "checkout-db"


def test_service_limits_discovery_to_the_named_ones(shop, capsys):
    # Given two services in the cluster; When naming one
    code, out, _ = run(capsys, "--cluster", CLUSTER, "--service", "worker")
    # Then only that one is printed
    assert code == 0 and list(entries(out)) == ["worker"]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A copy of the suite's sample config to merge into."""
    path = tmp_path / "responder.config.json"
    shutil.copy(SAMPLE_CONFIG, path)
    return path


def test_merge_without_write_shows_the_diff_and_leaves_the_file(shop, capsys, config):
    before = config.read_text(encoding="utf-8")
    # Given the sample config; When merging without --write
    code, out, err = run(capsys, "--cluster", CLUSTER, "--merge", "--config", str(config))
    # Then the diff adds both entries and touches nothing outside services; the file is as it was
    assert code == 0
    added = [line for line in out.splitlines() if line.startswith("+") and not line.startswith("+++")]
    removed = [line for line in out.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert '+      "name": "checkout",' in added and '+      "name": "worker",' in added
    assert removed == []
    assert config.read_text(encoding="utf-8") == before
    assert "dry run: nothing written" in err


def test_merge_with_write_writes_a_config_the_stack_accepts(shop, capsys, config):
    # Given the sample config; When merging with --write
    code, _, _ = run(capsys, "--cluster", CLUSTER, "--db-tag", "service=checkout", "--merge", "--write",
                     "--config", str(config))  # fmt: skip
    # Then load_config accepts the file and it holds the sample service plus the two discovered ones
    assert code == 0
    loaded = load_config({"config": str(config)})
    names = [service.name for service in loaded.services]
    assert names[1:] == ["checkout", "worker"] and len(names) == 3
    assert loaded.services[1].log_group == "/ecs/checkout" and loaded.services[1].db_instance == "checkout-db"
    # And the worker has no load balancer, target group or log group once loaded, so no alarms on them
    worker = loaded.services[2]
    assert (worker.load_balancer, worker.target_group, worker.log_group, worker.health_url) == (None, None, None, None)
    # And running it again changes nothing
    code, out, _ = run(capsys, "--cluster", CLUSTER, "--db-tag", "service=checkout", "--merge", "--config", str(config))
    assert code == 0 and out == ""


def test_merge_replaces_a_same_named_entry_but_keeps_what_discovery_cannot_know(shop, capsys, config):
    # Given a config whose checkout entry has a namespace, an SLO and a database the account no longer has
    document = json.loads(config.read_text(encoding="utf-8"))
    document["services"] = [{"name": "checkout", "namespace": "Shop", "slo_target_percent": 99.5,
                             "db_instance": "retired-db", "log_group": "/old/checkout"}]  # fmt: skip
    config.write_text(json.dumps(document, indent=2), encoding="utf-8")
    # When merging checkout with --write
    run(capsys, "--cluster", CLUSTER, "--service", "checkout", "--merge", "--write", "--config", str(config))
    # Then it is still one entry: discovered resources, the old namespace and SLO, no retired database
    services = json.loads(config.read_text(encoding="utf-8"))["services"]
    assert len(services) == 1
    entry = services[0]
    assert entry["log_group"] == "/ecs/checkout" and entry["target_group"] == "checkout-tg"
    assert entry["namespace"] == "Shop" and entry["slo_target_percent"] == 99.5
    assert "db_instance" not in entry


def test_merge_over_runbook_naming_keeps_only_the_resources_the_service_has(shop, capsys, config):
    # Given a worker entry that asked for the runbook's naming (<name>-alb, <name>-db, ...)
    document = json.loads(config.read_text(encoding="utf-8"))
    document["services"] = [{"name": "worker", "naming": "runbook"}]
    config.write_text(json.dumps(document, indent=2), encoding="utf-8")
    # When merging the discovered worker with --write
    code, _, _ = run(capsys, "--cluster", CLUSTER, "--service", "worker", "--merge", "--write", "--config", str(config))
    # Then the loaded worker has its ECS names and the namespace the naming implied, and no made-up ALB or database
    assert code == 0
    worker = load_config({"config": str(config)}).services[0]
    assert (worker.cluster, worker.ecs_service, worker.namespace) == (CLUSTER, "worker", "Worker")
    assert (worker.load_balancer, worker.db_instance, worker.log_group) == (None, None, None)


def test_a_merge_that_does_not_validate_writes_nothing(shop, capsys, config):
    # Given a config whose synthetic test already uses the name `checkout`
    document = json.loads(config.read_text(encoding="utf-8"))
    document["synthetic_test"]["service"] = "checkout"
    config.write_text(json.dumps(document, indent=2), encoding="utf-8")
    before = config.read_text(encoding="utf-8")
    # When merging the discovered checkout with --write
    code, out, err = run(capsys, "--cluster", CLUSTER, "--merge", "--write", "--config", str(config))
    # Then one line names the file and the problem, exit 2, and the file is unchanged
    assert code == 2 and out == ""
    assert err.splitlines()[-1].startswith(f"responder: {config}: ") and "checkout" in err.splitlines()[-1]
    assert config.read_text(encoding="utf-8") == before


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["--cluster", "nope"], "--cluster nope: no such ECS cluster in us-east-1"),
        (["--cluster", CLUSTER, "--region", "eu-west-1"], f"--cluster {CLUSTER}: no such ECS cluster in eu-west-1"),
        (["--cluster", CLUSTER, "--service", "billing"], f"--service billing: no such service in cluster {CLUSTER}"),
        (["--cluster", "nope", "--db-tag", "checkout"], "--db-tag 'checkout': expected KEY=VALUE"),  # before AWS
        (["--cluster", CLUSTER, "--db-instance", "gone-db"], "--db-instance gone-db: no such RDS"),
        (["--cluster", CLUSTER, "--db-tag", "service=billing"], "--db-tag service=billing: no RDS instance"),
        (["--cluster", CLUSTER, "--write"], "--write: only with --merge"),
        (["--cluster", CLUSTER, "--merge", "--config", "/nowhere/r.json"], "/nowhere/r.json: no such config file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(shop, capsys, argv, line):
    # Given the shop account; When the input names something it does not have
    code, out, err = run(capsys, *argv)
    # Then one line on stderr names the input and the problem, nothing on stdout
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith(f"responder: {line}")


def test_a_tag_on_several_instances_names_them(shop, capsys):
    # Given a second instance tagged service=checkout
    database("checkout-replica", {"service": "checkout"})
    # When discovering by that tag
    code, _, err = run(capsys, "--cluster", CLUSTER, "--db-tag", "service=checkout")
    # Then the line names both and says how to pick one
    assert code == 2 and len(err.splitlines()) == 1
    assert "checkout-db" in err and "checkout-replica" in err and "--db-instance" in err


def test_missing_credentials_are_one_line_naming_the_call(shop, capsys, monkeypatch, tmp_path):
    # Given no credentials anywhere botocore looks
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # When discovering; Then one line names the first call and the missing credentials
    code, _, err = run(capsys, "--cluster", CLUSTER)
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith("responder: ecs:ListServices: no AWS credentials")


@pytest.mark.parametrize(
    ("allowed", "refused"),
    [([], "ecs:ListServices"), (["ecs:*"], "elasticloadbalancing:DescribeTargetGroups")],
)
def test_access_denied_is_one_line_naming_the_permission(shop, capsys, monkeypatch, allowed, refused):
    from moto.core import set_initial_no_auth_action_count

    # Given credentials of an IAM user allowed only `allowed`, and moto enforcing IAM after creating them
    @set_initial_no_auth_action_count(3)
    def as_limited_user() -> tuple[int, str, str]:
        iam = boto3.client("iam")
        iam.create_user(UserName="reader")
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": allowed or ["s3:ListBucket"],
                                                          "Resource": "*"}]}  # fmt: skip
        iam.put_user_policy(UserName="reader", PolicyName="discover", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName="reader")["AccessKey"]
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
        monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
        monkeypatch.delenv("AWS_SECURITY_TOKEN", raising=False)
        # When discovering
        return run(capsys, "--cluster", CLUSTER)

    code, _, err = as_limited_user()
    # Then one line names the first refused call as the IAM action to allow
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith(f"responder: {refused}: access denied") and f"permission for {refused}" in err


def test_an_ecs_name_that_does_not_fit_the_config_pattern_is_made_to(shop, capsys):
    # Given a service named with underscores and more than 40 characters
    long_name = "checkout_api_" + "x" * 40
    boto3.client("ecs").create_service(cluster=CLUSTER, serviceName=long_name, taskDefinition="worker", desiredCount=1)
    # When discovering it
    code, out, _ = run(capsys, "--cluster", CLUSTER, "--service", long_name)
    # Then its config name fits the pattern and stays recognisable; ecs_service keeps the real name
    entry = json.loads(out)["services"][0]
    assert code == 0 and entry["ecs_service"] == long_name
    assert len(entry["name"]) == 40 and entry["name"].startswith("checkout-api-xxx") and "_" not in entry["name"]


def test_behind_an_https_listener_the_health_url_is_https_and_a_note_says_to_use_the_domain(shop, capsys):
    # Given the plain HTTP listener only redirecting, and an HTTPS one on 8443 forwarding to checkout
    elbv2 = boto3.client("elbv2")
    http = elbv2.describe_listeners(LoadBalancerArn=shop.load_balancer_arn)["Listeners"][0]
    redirect = {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "8443", "StatusCode": "HTTP_301"}}
    elbv2.modify_listener(ListenerArn=http["ListenerArn"], DefaultActions=[redirect])
    certificate = boto3.client("acm").request_certificate(DomainName="shop.example.com")["CertificateArn"]
    elbv2.create_listener(
        LoadBalancerArn=shop.load_balancer_arn, Protocol="HTTPS", Port=8443,
        Certificates=[{"CertificateArn": certificate}],
        DefaultActions=[{"Type": "forward", "TargetGroupArn": shop.target_group_arn}],
    )  # fmt: skip
    # When discovering checkout
    code, out, err = run(capsys, "--cluster", CLUSTER, "--service", "checkout")
    # Then the URL goes through the forwarding listener, and stderr says the ALB's name will not match the certificate
    assert code == 0 and entries(out)["checkout"]["health_url"] == f"https://{shop.dns_name}:8443/healthz"
    assert "its certificate names your domain" in err
