"""Least privilege: grants only; no wildcard actions; `Resource: *` only where AWS requires it."""

from __future__ import annotations

from typing import Any

from .conftest import of_type

# Actions AWS documents without resource-level permissions, that we accept on Resource "*".
STAR_RESOURCE_ALLOWED = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeLoadBalancers",
    "ecs:DescribeServices",
    "ecs:DescribeTasks",
    "ecs:ListTasks",
    "ecs:ListTaskDefinitions",
    "ecs:DescribeTaskDefinition",
    "rds:DescribeDBInstances",
    "rds:DescribeEvents",
    "cloudwatch:GetMetricData",
    "cloudwatch:GetMetricStatistics",
    "cloudwatch:GetMetricWidgetImage",
    "dynamodb:ListStreams",  # CDK's stream grant; lists stream ARNs, reads no item
}
# Control-plane listings of a data service, not its data (the stream's records are read on its ARN).
CONTROL_PLANE = {"dynamodb:ListStreams"}
# Wildcards CDK's own grants use inside one service's actions (acknowledged in infra/nag.py).
CDK_GRANT_WILDCARDS = {"kms:GenerateDataKey*", "kms:ReEncrypt*", "s3:Abort*"}
DATA_SERVICES = ("dynamodb", "sns", "s3", "sqs", "secretsmanager", "states", "lambda", "kms")
FUNCTIONS = ("Intake", "EscalationStep", "Actions", "StatusPage")


def _statements(resources: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for key, resource in of_type(resources, "AWS::IAM::Policy").items():
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            found.append((key, statement))
    for key, resource in of_type(resources, "AWS::IAM::Role").items():
        for policy in resource["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                found.append((key, statement))
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_no_wildcard_actions(resources) -> None:
    # Given every IAM statement of the stack (every role has some: an empty list would prove nothing)
    statements = _statements(resources)
    granted = {key for key, _ in statements}
    assert all(any(key.startswith(f"Functions{name}Role") for key in granted) for name in FUNCTIONS), granted
    for key, statement in statements:
        for action in _as_list(statement["Action"]):
            # Then none is "*" or "service:*", and wildcards only come from CDK's grants
            assert action != "*", key
            assert not action.endswith(":*"), (key, action)
            if "*" in action:
                assert action in CDK_GRANT_WILDCARDS, (key, action)


def test_star_resources_only_for_apis_without_resource_level_permissions(resources) -> None:
    # Given the statements on Resource "*" (X-Ray's and the diagnostics' reads at least)
    starred = [(key, s) for key, s in _statements(resources) if "*" in _as_list(s["Resource"])]
    assert len(starred) >= 2
    for key, statement in starred:
        actions = set(_as_list(statement["Action"]))
        # Then every action is a describe/read/telemetry API that has no resource-level permissions
        assert actions <= STAR_RESOURCE_ALLOWED, (key, actions - STAR_RESOURCE_ALLOWED)
        # And never a data-plane action
        assert not any(a.split(":")[0] in DATA_SERVICES for a in actions - CONTROL_PLANE), (key, actions)


def test_no_aws_managed_policies_on_function_roles(resources) -> None:
    # Given the Lambda roles, one per function
    roles = {key: role for key, role in of_type(resources, "AWS::IAM::Role").items() if key.startswith("Functions")}
    assert len(roles) == len(FUNCTIONS)
    for key, role in roles.items():
        # Then they carry no AWSLambdaBasicExecutionRole (logs:* everywhere); each writes its own log group
        assert not role["Properties"].get("ManagedPolicyArns"), key


def test_diagnostics_read_only_logs_scoped_to_the_service_log_group(resources) -> None:
    # Given the intake's FilterLogEvents statement
    statements = [s for _, s in _statements(resources) if s["Action"] == "logs:FilterLogEvents"]

    # Then it names the watched service's log group only
    assert len(statements) == 1
    assert "log-group:/ecs/flask-sre-challenge:*" in str(statements[0]["Resource"])
