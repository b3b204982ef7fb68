"""Render the synthesized state machine's ASL: the `DefinitionString` of the template is an
`Fn::Join` of text and `Ref`/`Fn::GetAtt`; joining it with every reference resolved gives the
concrete definition (for statelint in the tests, and for running it on moto in the local replay).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

STATE_MACHINE_TYPE = "AWS::StepFunctions::StateMachine"

Resolve = Callable[[dict[str, Any]], str]


def state_machine_resource(template: Mapping[str, Any], logical_id: str | None = None) -> dict[str, Any]:
    machines = {
        key: resource
        for key, resource in template.get("Resources", {}).items()
        if resource.get("Type") == STATE_MACHINE_TYPE and (logical_id is None or key == logical_id)
    }
    if len(machines) != 1:
        raise ValueError(f"expected one {STATE_MACHINE_TYPE}{f' {logical_id}' if logical_id else ''}, "
                         f"found {len(machines)}")  # fmt: skip
    resource: dict[str, Any] = next(iter(machines.values()))
    return resource


def _render(value: Any, resolve: Resolve) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_render(part, resolve) for part in parts)
    if isinstance(value, dict):
        return resolve(value)
    raise TypeError(f"cannot render {type(value).__name__} in a DefinitionString")


def render_definition(template: dict[str, Any], resolve: Resolve, logical_id: str | None = None) -> dict[str, Any]:
    """The state machine's ASL as a dict; `resolve` maps `{"Ref": id}` / `{"Fn::GetAtt": [id, attr]}` to text."""
    properties = state_machine_resource(template, logical_id)["Properties"]
    if "Definition" in properties:
        definition: dict[str, Any] = properties["Definition"]
        return definition
    rendered: dict[str, Any] = json.loads(_render(properties["DefinitionString"], resolve))
    return rendered


def fake_resolver(template: Mapping[str, Any], *, region: str = "us-east-1", account: str = "123456789012") -> Resolve:
    """Maps references to plausible fake ARNs/names by resource type (tests, or a first local run)."""
    resources = template.get("Resources", {})
    pseudo = {
        "AWS::Partition": "aws",
        "AWS::Region": region,
        "AWS::AccountId": account,
        "AWS::URLSuffix": "amazonaws.com",
    }

    def arn(logical_id: str) -> str:
        kind = resources.get(logical_id, {}).get("Type", "")
        by_type = {
            "AWS::Lambda::Function": f"arn:aws:lambda:{region}:{account}:function:{logical_id}",
            "AWS::SNS::Topic": f"arn:aws:sns:{region}:{account}:{logical_id}",
            "AWS::SQS::Queue": f"arn:aws:sqs:{region}:{account}:{logical_id}",
            "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{region}:{account}:table/{logical_id}",
            "AWS::StepFunctions::StateMachine": f"arn:aws:states:{region}:{account}:stateMachine:{logical_id}",
        }
        return by_type.get(kind, f"arn:aws:fake:{region}:{account}:{logical_id}")

    def ref(target: str) -> str:
        if target in pseudo:
            return pseudo[target]
        kind = resources.get(target, {}).get("Type", "")
        # What CloudFormation's Ref returns: a name, a URL or an ARN depending on the type.
        if kind in {"AWS::DynamoDB::Table", "AWS::Lambda::Function", "AWS::Logs::LogGroup"}:
            return target
        if kind == "AWS::S3::Bucket":
            return target.lower()
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{region}.amazonaws.com/{account}/{target}"
        if kind == "AWS::SecretsManager::Secret":
            return f"arn:aws:secretsmanager:{region}:{account}:secret:{target}-AbCdEf"
        return arn(target)

    def resolve(reference: dict[str, Any]) -> str:
        if "Ref" in reference:
            return ref(str(reference["Ref"]))
        if "Fn::GetAtt" in reference:
            logical_id, attribute = reference["Fn::GetAtt"]
            if attribute == "ApiEndpoint":
                return f"https://{str(logical_id).lower()}.execute-api.{region}.amazonaws.com"
            return arn(str(logical_id))
        raise ValueError(f"unsupported reference {reference}")

    return resolve
