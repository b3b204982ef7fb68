"""Each function's local environment is its own template's (local/lambda_runtime.py)."""

from __future__ import annotations

import os

import pytest

from infra.names import ACTIONS_HANDLER, ESCALATION_STEP_HANDLER, INTAKE_HANDLER, STATUS_PAGE_HANDLER
from local.lambda_runtime import LocalLambdas, function_environment, template_functions

WORLD = {
    name: f"local-{name.lower()}"
    for name in (
        "INCIDENT_TABLE", "NOTIFICATION_TOPICS", "PAGE_TOPICS", "SLACK_WEBHOOK_SECRET_ID", "ACTION_SIGNING_SECRET_ID",
        "POSTMORTEM_BUCKET", "OPS_TOPIC_ARN", "SLACK_BOT_TOKEN_SECRET_ID", "ROSTER_PARAMETER", "DEAD_LETTER_QUEUE_URL",
        "ESCALATION_STATE_MACHINE_ARN", "ACTION_BASE_URL", "SLACK_SIGNING_SECRET_ID", "API_SIGNING_SECRET_ID",
        "INTAKE_FUNCTION_NAME", "STATUS_PAGE_BUCKET", "SERVICES", "SLACK_API_URL",
    )
}  # fmt: skip


@pytest.fixture(scope="module")
def template() -> dict:
    from infra.synth import synthesize_template

    return synthesize_template()


def test_the_escalation_step_gets_no_variable_its_deployed_function_lacks(template) -> None:
    # Given the local world, which has a value for every variable any function uses
    # When each function's local environment is built from its template
    runtime = LocalLambdas(template, WORLD)
    step, intake = runtime.environments[ESCALATION_STEP_HANDLER], runtime.environments[INTAKE_HANDLER]
    actions, page = runtime.environments[ACTIONS_HANDLER], runtime.environments[STATUS_PAGE_HANDLER]

    # Then the step has no state machine to stop and no intake to invoke; the intake and actions have theirs
    assert "ESCALATION_STATE_MACHINE_ARN" not in step and "INTAKE_FUNCTION_NAME" not in step
    machine = "local-escalation_state_machine_arn"
    assert intake["ESCALATION_STATE_MACHINE_ARN"] == actions["ESCALATION_STATE_MACHINE_ARN"] == machine
    # And every function keeps the local stand-ins' endpoints and the template's literal settings
    assert step["SLACK_API_URL"] == "local-slack_api_url" and step["LOG_LEVEL"] == "INFO"
    # And the status page gets its bucket but none of the topics or secrets it never uses
    assert page["STATUS_PAGE_BUCKET"] == "local-status_page_bucket"
    assert not {"NOTIFICATION_TOPICS", "SLACK_WEBHOOK_SECRET_ID", "ROSTER_PARAMETER"} & set(page)


def test_running_a_function_swaps_the_process_environment_and_restores_it(template, monkeypatch) -> None:
    # Given a process environment that names a state machine
    monkeypatch.setenv("ESCALATION_STATE_MACHINE_ARN", "outside")
    runtime = LocalLambdas(template, WORLD)

    # When the step's container is loaded, then the runtime is left
    with runtime.installed():
        runtime._load(ESCALATION_STEP_HANDLER)
        inside = os.environ.get("ESCALATION_STATE_MACHINE_ARN")

    # Then the step saw no such variable, and the process has its own value back
    assert inside is None
    assert os.environ["ESCALATION_STATE_MACHINE_ARN"] == "outside"


def test_a_variable_the_local_world_cannot_supply_is_named(template) -> None:
    # Given a local world without the incident table
    world = {k: v for k, v in WORLD.items() if k != "INCIDENT_TABLE"}
    intake = template_functions(template)[INTAKE_HANDLER]

    # When the intake's environment is built, then the error names the function and the variable
    with pytest.raises(KeyError, match=f"{intake.logical_id}: the local world has no value for INCIDENT_TABLE"):
        function_environment(intake, world)
