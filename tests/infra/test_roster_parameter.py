"""The roster construct on a stack of its own: the parameter it writes (or imports) and its read grant."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.roster.load import parse_roster
from functions.roster.model import Roster
from tests.conftest import roster_document

STACK_NAME = "roster-test"


def synth(roster: Roster | None = None, parameter_name: str = "") -> dict[str, Any]:
    """A tiny stack: the roster parameter and a role the parameter's read is granted to."""
    import aws_cdk as cdk
    from aws_cdk import aws_iam as iam

    from infra.constructs.roster import RosterParameter

    app = cdk.App(analytics_reporting=False)
    stack = cdk.Stack(app, "RosterTest", stack_name=STACK_NAME)
    construct = RosterParameter(stack, "Roster", roster=roster, parameter_name=parameter_name)
    reader = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    construct.parameter.grant_read(reader)
    cdk.CfnOutput(stack, "RosterParameterName", value=construct.parameter.parameter_name)
    template: dict[str, Any] = app.synth().get_stack_by_name(STACK_NAME).template
    return template


def of_type(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [resource for resource in template["Resources"].values() if resource["Type"] == kind]


def read_statement(template: dict[str, Any]) -> dict[str, Any]:
    (policy,) = of_type(template, "AWS::IAM::Policy")
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    return dict(statement)


def resolve_join(value: Any) -> str:
    """An `Fn::Join` of strings and pseudo-parameter Refs as text (`${AWS::Region}`)."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return "${" + value["Ref"] + "}"
    if "Fn::GetAtt" in value:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    separator, parts = value["Fn::Join"]
    return str(separator).join(resolve_join(part) for part in parts)


@pytest.fixture(scope="module")
def written() -> tuple[Roster, dict[str, Any]]:
    roster = parse_roster(json.dumps(roster_document()), "team.json")
    return roster, synth(roster=roster)


def test_the_config_roster_is_written_whole_under_the_stacks_prefix(written):
    # Given the roster from the config
    roster, template = written

    # Then one String parameter, named under the stack, holds exactly that roster
    (parameter,) = of_type(template, "AWS::SSM::Parameter")
    props = parameter["Properties"]
    assert props["Name"] == f"/{STACK_NAME}/roster" and props["Type"] == "String"
    assert props["Tier"] == "Standard"
    assert parse_roster(props["Value"], "template") == roster


def test_the_read_grant_is_that_parameter_only(written):
    # Given the role the parameter's read was granted to
    _roster, template = written
    (logical_id,) = (key for key, value in template["Resources"].items() if value["Type"] == "AWS::SSM::Parameter")

    # Then it may read that parameter (its Ref is its name) and nothing else
    statement = read_statement(template)
    assert "ssm:GetParameter" in statement["Action"]
    assert resolve_join(statement["Resource"]).endswith(f":parameter${{{logical_id}}}")
    assert "*" not in resolve_join(statement["Resource"])


def test_a_roster_over_4_kb_takes_the_advanced_tier():
    # Given 40 people: about 5 KB of JSON, under the 8 KB the config allows
    document = roster_document()
    document["people"].update({f"p{n:02d}": document["people"]["ana"] for n in range(40)})
    template = synth(roster=parse_roster(json.dumps(document), "team.json"))

    (parameter,) = of_type(template, "AWS::SSM::Parameter")
    assert len(parameter["Properties"]["Value"].encode()) > 4096
    assert parameter["Properties"]["Tier"] == "Advanced"


def test_a_parameter_the_team_keeps_is_imported_not_written():
    # Given `roster_parameter` instead of a roster
    template = synth(parameter_name="/team/on-call-roster")

    # Then nothing is written, no CloudFormation parameter would refuse a SecureString, and the read is granted
    assert of_type(template, "AWS::SSM::Parameter") == []
    parameters = template.get("Parameters", {}).values()
    ssm_defaults = [p["Default"] for p in parameters if p["Type"].startswith("AWS::SSM::Parameter::Value")]
    assert ssm_defaults == ["/cdk-bootstrap/hnb659fds/version"]  # CDK's own; none for the roster
    assert resolve_join(read_statement(template)["Resource"]).endswith(":parameter/team/on-call-roster")
    assert template["Outputs"]["RosterParameterName"]["Value"] == "/team/on-call-roster"


def test_the_construct_wants_exactly_one_source():
    with pytest.raises(ValueError, match="exactly one of roster and parameter_name"):
        synth()
