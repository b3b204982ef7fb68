"""The incident command parts are deployed and wired: channel token, roster, status page, graphs, declarations."""

from __future__ import annotations

import json
from typing import Any

from functions.incident_store import STATUS_PAGE_PK

from .conftest import logical_id, of_type


def _function(resources: dict[str, Any], name: str) -> dict[str, Any]:
    return resources[logical_id(resources, "AWS::Lambda::Function", f"Functions{name}")]


def _env(resources: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(_function(resources, name)["Properties"]["Environment"]["Variables"])


def _policy_statements(resources: dict[str, Any], role: str) -> list[dict[str, Any]]:
    key = logical_id(resources, "AWS::IAM::Policy", f"Functions{role}RoleDefaultPolicy")
    return list(resources[key]["Properties"]["PolicyDocument"]["Statement"])


def _actions(statement: dict[str, Any]) -> set[str]:
    actions = statement["Action"]
    return set(actions if isinstance(actions, list) else [actions])


def _refs(value: Any) -> str:
    return json.dumps(value)


def test_every_paging_function_reads_the_slack_bot_token_and_the_roster_by_name(resources) -> None:
    token = logical_id(resources, "AWS::SecretsManager::Secret", "SecretsSlackBotToken")
    roster = logical_id(resources, "AWS::SSM::Parameter", "RosterParameter")
    for name in ("Intake", "EscalationStep", "Actions"):
        env = _env(resources, name)
        # The functions get the secret's and the parameter's names, never their values
        assert env["SLACK_BOT_TOKEN_SECRET_ID"] == {"Ref": token}
        assert env["ROSTER_PARAMETER"] == {"Ref": roster}
    for name in ("Intake", "EscalationStep"):
        statements = _policy_statements(resources, name)
        assert any("ssm:GetParameter" in _actions(s) and roster in _refs(s["Resource"]) for s in statements)


def test_the_roster_parameter_holds_the_configs_roster(resources, synthesized) -> None:
    parameter = resources[logical_id(resources, "AWS::SSM::Parameter", "RosterParameter")]["Properties"]
    assert json.loads(parameter["Value"]) == json.loads(synthesized.config.roster_json())


def test_the_status_page_is_rebuilt_from_the_tables_stream_by_one_writer(resources) -> None:
    # Given the table and the status page function
    (table,) = of_type(resources, "AWS::DynamoDB::Table").values()
    assert table["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    function = _function(resources, "StatusPage")
    assert function["Properties"]["Handler"] == "functions.handlers.status_page.handler"
    assert function["Properties"]["ReservedConcurrentExecutions"] == 1  # pages are written in order
    # Then its only trigger is the stream, filtered to status-page items, failures parked
    (mapping,) = of_type(resources, "AWS::Lambda::EventSourceMapping").values()
    props = mapping["Properties"]
    pattern = json.loads(props["FilterCriteria"]["Filters"][0]["Pattern"])
    assert pattern == {"dynamodb": {"Keys": {"pk": {"S": [STATUS_PAGE_PK]}}}}
    assert "OnFailure" in props["DestinationConfig"] and props["MaximumRetryAttempts"] == 3


def test_the_status_page_is_served_by_cloudfront_from_a_private_bucket(resources, template) -> None:
    (distribution,) = of_type(resources, "AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert of_type(resources, "AWS::CloudFront::OriginAccessControl")
    site = resources[logical_id(resources, "AWS::S3::Bucket", "StatusPageBucket")]["Properties"]
    assert site["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"] is True
    assert "StatusPageUrl" in template["Outputs"]


def test_the_intake_draws_graphs_into_its_prefix_and_both_signers_may_read_only_them(resources) -> None:
    intake = _policy_statements(resources, "Intake")
    assert any("cloudwatch:GetMetricWidgetImage" in _actions(s) for s in intake)
    for name in ("Intake", "EscalationStep"):
        reads = [s for s in _policy_statements(resources, name) if _actions(s) == {"s3:GetObject"}]
        assert reads and all("/graphs/*" in _refs(s["Resource"]) for s in reads)


def test_the_actions_api_hands_declarations_to_the_intake_asynchronously(resources) -> None:
    env = _env(resources, "Actions")
    intake = logical_id(resources, "AWS::Lambda::Function", "FunctionsIntake")
    assert env["INTAKE_FUNCTION_NAME"] == {"Ref": intake}
    statements = _policy_statements(resources, "Actions")
    assert any("lambda:InvokeFunction" in _actions(s) and intake in _refs(s["Resource"]) for s in statements)
    api_key = logical_id(resources, "AWS::SecretsManager::Secret", "SecretsApiSigning")
    assert env["API_SIGNING_SECRET_ID"] == {"Ref": api_key}


def test_roster_and_channel_failures_are_alarmed_to_ops(alarms_by_name) -> None:
    for suffix in ("roster-invalid", "incident-channel-failed"):
        alarm = alarms_by_name[f"runbook-responder-dev-{suffix}"]
        assert alarm["Namespace"] == "RunbookResponder" and alarm["AlarmActions"]
