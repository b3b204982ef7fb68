"""Physical names: two stages in one account and region, or one stage in two regions, never clash.

CloudFormation refuses a stack whose named resource already exists: an alarm, a topic or a
secret of the same name in the same account and region, and for what is global to the account
(CloudFront's policies and origin access controls, CloudWatch dashboards) in any region. Each
template is rendered as CloudFormation would resolve it in a region (`AWS::Region`, `AWS::StackName`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from functions.intake.parse import parse_event
from functions.intake.signal import Signal
from functions.scenarios import classify
from infra.config import PLACEHOLDER_ID, load_config
from infra.stack import stack_name
from tests.conftest import load_event
from tests.samples import SAMPLE_CONFIG

# The property that names each resource type the stack can create; the CloudFront ones are nested.
NAME_PROPERTY: dict[str, tuple[str, ...]] = {
    "AWS::CloudWatch::Alarm": ("AlarmName",),
    "AWS::CloudWatch::CompositeAlarm": ("AlarmName",),
    "AWS::CloudWatch::Dashboard": ("DashboardName",),
    "AWS::Logs::MetricFilter": ("FilterName",),
    "AWS::Logs::LogGroup": ("LogGroupName",),
    "AWS::SNS::Topic": ("TopicName",),
    "AWS::SQS::Queue": ("QueueName",),
    "AWS::DynamoDB::Table": ("TableName",),
    "AWS::SSM::Parameter": ("Name",),
    "AWS::SecretsManager::Secret": ("Name",),
    "AWS::Events::Rule": ("Name",),
    "AWS::Scheduler::Schedule": ("Name",),
    "AWS::Lambda::Function": ("FunctionName",),
    "AWS::StepFunctions::StateMachine": ("StateMachineName",),
    "AWS::IAM::Role": ("RoleName",),
    "AWS::S3::Bucket": ("BucketName",),
    "AWS::KMS::Alias": ("AliasName",),
    "AWS::CloudFront::ResponseHeadersPolicy": ("ResponseHeadersPolicyConfig", "Name"),
    "AWS::CloudFront::CachePolicy": ("CachePolicyConfig", "Name"),
    "AWS::CloudFront::OriginAccessControl": ("OriginAccessControlConfig", "Name"),
}
# Names unique in the whole account (or, for buckets, everywhere), not per region.
ACCOUNT_GLOBAL = {
    "AWS::CloudWatch::Dashboard",
    "AWS::IAM::Role",
    "AWS::S3::Bucket",
    "AWS::CloudFront::ResponseHeadersPolicy",
    "AWS::CloudFront::CachePolicy",
    "AWS::CloudFront::OriginAccessControl",
}
REGIONS = ("us-east-1", "eu-west-1")


def _services_with_real_ids() -> list[dict[str, Any]]:
    """The suite's services with load balancer ids that are not placeholders: a stage other than dev needs them."""
    raw = json.loads(SAMPLE_CONFIG.read_text())["services"]
    return [
        {key: value.replace(PLACEHOLDER_ID, "50dc6c495c0c9188") if isinstance(value, str) else value
         for key, value in service.items()}
        for service in raw
    ]  # fmt: skip


@pytest.fixture(scope="module")
def templates() -> dict[str, dict[str, Any]]:
    from infra.synth import synthesize_template

    services = _services_with_real_ids()
    return {stage: synthesize_template({"stage": stage, "services": services}) for stage in ("dev", "prod")}


def render(value: Any, *, region: str, stack: str) -> str:
    """The name CloudFormation would give: pseudo parameters filled in, joins joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(render(part, region=region, stack=stack) for part in parts)
    pseudo = {"AWS::Region": region, "AWS::StackName": stack, "AWS::AccountId": "123456789012"}
    if isinstance(value, Mapping) and value.get("Ref") in pseudo:
        return pseudo[value["Ref"]]
    raise AssertionError(f"a name CloudFormation cannot resolve before deploy: {value!r}")


def physical_names(
    template: dict[str, Any], *, stage: str, region: str, only: set[str] | None = None
) -> dict[str, str]:
    """Logical id -> the physical name it gives, for every resource that names itself."""
    stack = stack_name(load_config({"stage": stage, "services": _services_with_real_ids()}))
    names = {}
    for logical_id, resource in template["Resources"].items():
        path = NAME_PROPERTY.get(resource["Type"])
        if path is None or (only is not None and resource["Type"] not in only):
            continue
        value: Any = resource.get("Properties", {})
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        if value is not None:
            names[logical_id] = f"{resource['Type']} {render(value, region=region, stack=stack)}"
    return names


def test_two_stages_in_one_account_and_region_name_nothing_alike(templates: dict[str, dict[str, Any]]):
    # Given dev and prod synthesized from the same services, deployed to one account and region
    dev = physical_names(templates["dev"], stage="dev", region=REGIONS[0])
    prod = physical_names(templates["prod"], stage="prod", region=REGIONS[0])
    # Then the stacks name things (every alarm among them), and no name is in both
    assert sum("Alarm " in name for name in dev.values()) >= 20
    assert len(set(dev.values())) == len(dev) and len(set(prod.values())) == len(prod)
    assert sorted(set(dev.values()) & set(prod.values())) == []


def test_one_stage_in_two_regions_names_its_account_wide_resources_apart(templates: dict[str, dict[str, Any]]):
    # Given prod deployed to two regions of one account
    first, second = (physical_names(templates["prod"], stage="prod", region=r, only=ACCOUNT_GLOBAL) for r in REGIONS)
    # Then the dashboard and CloudFront's policies and origin access control are named apart
    kinds = {name.split(" ")[0] for name in first.values()}
    assert {"AWS::CloudWatch::Dashboard", "AWS::CloudFront::ResponseHeadersPolicy",
            "AWS::CloudFront::OriginAccessControl"} <= kinds  # fmt: skip
    assert sorted(set(first.values()) & set(second.values())) == []


def test_account_wide_names_fit_cloudfronts_limits(templates: dict[str, dict[str, Any]]):
    # Given the longest stage name the config allows, in a long region name
    names = physical_names(templates["prod"], stage="prod", region="ap-southeast-4", only=ACCOUNT_GLOBAL)
    longest_stage = 16  # infra/config.py: ^[a-z][a-z0-9-]{0,15}$
    # Then an origin access control's name stays within its 64 characters, a policy's within 128
    for name in names.values():
        kind, text = name.split(" ", 1)
        limit = 64 if kind == "AWS::CloudFront::OriginAccessControl" else 128
        assert len(text) - len("prod") + longest_stage <= limit, name


def test_log_metric_filters_count_into_a_metric_of_their_own_stage(templates: dict[str, dict[str, Any]]):
    # Given both stages watching the same service's logs
    def metrics(template: dict[str, Any]) -> set[tuple[str, str]]:
        return {
            (t["MetricNamespace"], t["MetricName"])
            for r in template["Resources"].values() if r["Type"] == "AWS::Logs::MetricFilter"
            for t in r["Properties"]["MetricTransformations"]
        }  # fmt: skip

    dev, prod = metrics(templates["dev"]), metrics(templates["prod"])
    # Then each stage's filters publish their own metrics, so dev's log lines never trip prod's alarm
    assert dev and prod and not dev & prod


def _alarm_event(name: str, description: str) -> dict[str, Any]:
    """The sample P0 alarm's SNS delivery, as CloudWatch would send it for the alarm `name`."""
    event = load_event("service-down.sns.alarm.json")
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    arn = f"arn:aws:cloudwatch:{message['Region']}:{message['AWSAccountId']}:alarm:{name}"
    message.update(AlarmName=name, AlarmDescription=description, AlarmArn=arn)
    message.pop("Trigger")  # no dimensions to go by: only the marker or the name can tell the service
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return event


def test_a_stage_qualified_alarm_still_classifies_to_its_service(templates: dict[str, dict[str, Any]]):
    services = tuple(s.runtime() for s in load_config({}).services)
    alarms = [r["Properties"] for r in templates["prod"]["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"
              and "[runbook-responder" in r["Properties"].get("AlarmDescription", "")]  # fmt: skip
    assert alarms
    for alarm in alarms:
        name, description = alarm["AlarmName"], alarm["AlarmDescription"]
        # When prod's alarm fires, with its marker and, in the fallback, with the marker edited away
        by_marker = parse_event(_alarm_event(name, description))[0]
        by_name = parse_event(_alarm_event(name, description.split("[runbook-responder")[0]))[0]
        assert isinstance(by_marker, Signal) and isinstance(by_name, Signal)
        # Then both open for the service the stack made the alarm for
        assert classify(by_marker, services).service == services[0].name, name
        assert classify(by_name, services).service == services[0].name, name
