"""The escalation state machine: the contracted states, waits from the input, statelint-clean."""

from __future__ import annotations

import json
from typing import Any

import pytest
from statelint.linter import Linter

from infra.asl import fake_resolver, render_definition, state_machine_resource
from infra.constructs.escalation import STATE_NAMES


@pytest.fixture(scope="module")
def definition(template: dict[str, Any]) -> dict[str, Any]:
    return render_definition(template, fake_resolver(template))


def test_states_are_exactly_the_contract(definition) -> None:
    # Given the rendered definition
    states = definition["States"]

    # Then it holds exactly the contracted states, starting by waiting
    assert set(states) == set(STATE_NAMES)
    assert definition["StartAt"] == "WaitForNextStep"
    assert "QueryLanguage" not in definition or definition["QueryLanguage"] == "JSONPath"


def test_flow(definition) -> None:
    # Given the states
    s = definition["States"]

    # Then the flow is the one the local replay and the escalation step expect
    assert s["WaitForNextStep"] == {**s["WaitForNextStep"], "Type": "Wait", "TimestampPath": "$.next_at",
                                    "Next": "LoadIncident"}  # fmt: skip
    load = s["LoadIncident"]
    assert load["Resource"] == "arn:aws:states:::dynamodb:getItem"
    assert load["Parameters"]["Key"] == {
        "pk": {"S.$": "States.Format('INCIDENT#{}', $.incident_id)"},
        "sk": {"S": "META"},
    }
    assert load["Parameters"]["ConsistentRead"] is True
    assert load["ResultSelector"] == {"status.$": "$.Item.status.S"}
    assert (load["ResultPath"], load["Next"]) == ("$.current", "IsResolved")
    assert s["IsResolved"]["Choices"] == [
        {"Variable": "$.current.status", "StringEquals": "Resolved", "Next": "Finished"}
    ]
    assert s["IsResolved"]["Default"] == "RunDueSteps"
    run = s["RunDueSteps"]
    assert run["Resource"] == "arn:aws:states:::lambda:invoke"
    assert run["Parameters"]["Payload"] == {"incident_id.$": "$.incident_id", "generation.$": "$.generation"}
    assert run["ResultSelector"] == {"done.$": "$.Payload.done", "next_at.$": "$.Payload.next_at"}
    assert (run["ResultPath"], run["Next"]) == ("$.step", "HasMore")
    assert run["Retry"][0]["MaxAttempts"] == 2 and run["Retry"][0]["BackoffRate"] > 1
    assert run["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "ReportFailure"}]
    assert s["HasMore"]["Choices"] == [{"Variable": "$.step.done", "BooleanEquals": True, "Next": "Finished"}]
    assert s["HasMore"]["Default"] == "Carry"
    assert s["Carry"]["Parameters"] == {
        "incident_id.$": "$.incident_id", "generation.$": "$.generation", "next_at.$": "$.step.next_at",
    }  # fmt: skip
    assert s["Carry"]["Next"] == "WaitForNextStep"
    report = s["ReportFailure"]
    assert report["Resource"] == "arn:aws:states:::sns:publish"
    assert "$.error.Cause" in report["Parameters"]["Message.$"] and "$.incident_id" in report["Parameters"]["Message.$"]
    assert report["Next"] == "Failed"
    assert (s["Finished"]["Type"], s["Failed"]["Type"]) == ("Succeed", "Fail")


def test_no_hard_coded_durations_and_no_indexed_paths(definition) -> None:
    # Given the whole definition as text
    text = json.dumps(definition)

    # Then no wait is a literal, and no path indexes into an array (moto returns a list for `[n].field`)
    for state in definition["States"].values():
        assert not {"Seconds", "Timestamp", "TimeoutSeconds", "HeartbeatSeconds"} & set(state)
    assert "[0]" not in text and "JSONata" not in text


def test_optimized_integrations_only(definition) -> None:
    resources = {s["Resource"] for s in definition["States"].values() if s["Type"] == "Task"}
    assert resources == {
        "arn:aws:states:::dynamodb:getItem",
        "arn:aws:states:::lambda:invoke",
        "arn:aws:states:::sns:publish",
    }


def test_statelint_is_clean(definition) -> None:
    # When the rendered definition is linted (no ignored problem types)
    problems = Linter.validate(definition)

    # Then statelint finds nothing
    assert problems == []


def test_standard_with_logging_and_tracing(template) -> None:
    props = state_machine_resource(template)["Properties"]
    assert props["StateMachineType"] == "STANDARD"
    assert props["LoggingConfiguration"]["Level"] == "ALL"
    assert props["TracingConfiguration"] == {"Enabled": True}


def test_execution_logs_go_under_vended_logs(template) -> None:
    # Given the log group the state machine writes its execution history to
    (destination,) = state_machine_resource(template)["Properties"]["LoggingConfiguration"]["Destinations"]
    logical_id, attribute = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"]
    log_group = template["Resources"][logical_id]

    # Then it is named under /aws/vendedlogs/states/ (no per-group resource policy, so no policy-size
    # limit at deploy) and carries the stack's name, so two stages never share it
    assert (log_group["Type"], attribute) == ("AWS::Logs::LogGroup", "Arn")
    name = log_group["Properties"]["LogGroupName"]
    assert name.startswith("/aws/vendedlogs/states/")
    assert name.endswith(state_machine_resource(template)["Properties"]["StateMachineName"])
