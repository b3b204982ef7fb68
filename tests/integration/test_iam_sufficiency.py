"""Every AWS call a function makes is one its deployed role allows (issue 19, items 1 and 2).

How the check works (the code and its longer notes: `local/iam_calls.py`):

- The flows below run the real handlers through `LocalLambdas` (`local/lambda_runtime.py`): each
  function with its own template environment and container. A botocore `before-parameter-build`
  hook on every session a function's container creates records (function, service, operation,
  parameters), presigned URLs included.
- Each call maps to the IAM actions it needs on the ARNs it names: TransactWriteItems → each item's
  PutItem/UpdateItem/DeleteItem/ConditionCheckItem on its table, BatchGetItem → BatchGetItem, a
  presigned GET → s3:GetObject on the key, a call on a resource the template encrypts with the
  stack's KMS key → that key's GenerateDataKey/Decrypt; an API without resource-level permissions
  (or one the map does not know) needs Resource "*".
- A local name (the table `runbook-responder-incidents`) is the logical resource whose `Ref`/`GetAtt`
  the template puts in the environment variable the local world gives that name
  (`INCIDENT_TABLE`); both sides become ARNs of one symbolic account, the policies' intrinsics
  resolved the same way.
- The needs are compared with the Allow statements of the `AWS::IAM::Policy` resources attached to
  THAT function's role. Anything refused fails, with no allowance list.

Flows (measured on this machine, 2 shared cores: see the module fixture's timing in the report):
every sample in events/ replayed on its own (the intake, the ladder's first steps, the status
page), a P0 ladder acknowledged and resolved over links, an alarm followed by its OK (the step
resolves it itself), a declared incident and a maintenance window over the signed API, and a status
update, a Slack button and a Slack slash command on the actions API.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from functions import clock
from functions.escalation.links import ActionSigner
from infra.names import ACTIONS_HANDLER, ESCALATION_STEP_HANDLER, INTAKE_HANDLER, STATUS_PAGE_HANDLER
from local.iam_calls import Call, CallRecorder, recording, refusals
from local.replay import ApiRequest, ReplayScript, replay
from tests.conftest import event_files, load_event

UNTIL = timedelta(hours=1)  # the first responses, the ladders' first steps, the stabilisation windows


@pytest.fixture(scope="module")
def template() -> dict:
    from infra.synth import synthesize_template

    return synthesize_template()


@pytest.fixture(scope="module")
def recorded(template) -> Iterator[CallRecorder]:
    recorder = CallRecorder()
    started = time.monotonic()
    with recording(recorder):
        story = replay([(path, load_event(path.name)) for path in event_files()], _people())
        statuses = [action["status"] for action in story.actions]  # ack, declare, window, resolve
        assert statuses == [200, 202, 202, 200], story.actions
        _actions_api_flows(template)
    print(f"\nIAM sufficiency flows: {len(recorder.calls)} calls in {time.monotonic() - started:.1f} s")
    yield recorder


def _people() -> ReplayScript:
    """Every sample in one story, with people acknowledging and resolving over links, declaring an
    incident and a maintenance window over the signed API."""
    first = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
    declared = {"severity": "P1", "kind": "security", "title": "Keys leaked", "by": "alice"}
    starts, ends = first + timedelta(minutes=5), first + timedelta(minutes=35)
    window = {"service": "flask-sre-challenge", "starts_at": starts.isoformat(), "ends_at": ends.isoformat(),
              "reason": "upgrade", "by": "bob"}  # fmt: skip
    requests = [
        ApiRequest(at=first, path="/incidents", body=declared),
        ApiRequest(at=starts, path="/maintenance", body=window),
    ]
    ack, resolve = timedelta(minutes=20), timedelta(minutes=50)
    return ReplayScript(ack_at=ack, resolve_at=resolve, until=UNTIL, requests=requests)


def _actions_api_flows(template: dict) -> None:
    """Status update, Slack button and Slack command: the actions function's other routes."""
    from local.lambda_runtime import LocalLambdas, invoke_handler
    from local.stepfunctions import ExecutionDriver, VirtualScheduler, install_escalation, virtual_waits
    from local.virtual_clock import VirtualClock
    from local.world import TABLE, local_world

    virtual = VirtualClock(datetime(2026, 11, 26, 14, 2, 10, tzinfo=UTC))
    scheduler = VirtualScheduler(virtual)
    with virtual.installed(), local_world() as world, virtual_waits(scheduler):
        arn = install_escalation(world.clients, template, TABLE, world.topics, world.bridge)
        driver = ExecutionDriver(world.clients.stepfunctions, arn, scheduler)
        try:
            with LocalLambdas(template, {**world.env, "ESCALATION_STATE_MACHINE_ARN": arn}).installed():
                opened = invoke_handler(INTAKE_HANDLER, load_event("service-down.sns.alarm.json"), "intake")
                incident = opened["results"][0]["incident_id"]
                assert _status_update(world, incident) == 200
                assert _slack_post(world, "/slack/interactions", _button(world, incident)) == 200
                command = {"text": 'P2 partial-outage "Search is slow"', "user_name": "dan", "user_id": "U2"}
                assert _slack_post(world, "/slack/commands", urlencode(command)) == 200
        finally:
            driver.stop_all()


def _links(world) -> ActionSigner:
    from local.world import SIGNING_SECRET

    key = world.clients.secretsmanager.get_secret_value(SecretId=SIGNING_SECRET)["SecretString"]
    return ActionSigner(lambda: key, world.env["ACTION_BASE_URL"])


def _status_update(world, incident: str) -> int:
    from local.humans import call_actions_api

    token = _links(world).sign(incident, "update", clock.now())
    url = f"{world.env['ACTION_BASE_URL']}/incidents/{incident}/updates?t={token}"
    update = {"status": "Identified", "root_cause": "bad deploy", "eta": "30 minutes", "by": "bob"}
    return int(call_actions_api("POST", url, json.dumps(update))["statusCode"])


def _button(world, incident: str) -> str:
    token = _links(world).sign(incident, "ack", clock.now())
    payload = {"user": {"id": "U1", "name": "carol"}, "actions": [{"action_id": "ack", "value": token}]}
    return urlencode({"payload": json.dumps(payload)})


def _slack_post(world, path: str, body: str) -> int:
    from local.humans import http_event, slack_headers
    from local.lambda_runtime import invoke_handler
    from local.world import SLACK_SIGNING_SECRET

    key = world.clients.secretsmanager.get_secret_value(SecretId=SLACK_SIGNING_SECRET)["SecretString"]
    event = http_event("POST", world.env["ACTION_BASE_URL"] + path, body)
    event["headers"].update(slack_headers(key, body, clock.now()))
    event["headers"]["content-type"] = "application/x-www-form-urlencoded"
    return int(invoke_handler(ACTIONS_HANDLER, event, "actions")["statusCode"])


def _calls(recorded: CallRecorder, function: str) -> list[Call]:
    return recorded.by_function().get(function, [])


def test_every_call_a_function_makes_is_allowed_by_its_own_deployed_role(recorded, template) -> None:
    # Given every AWS call the four functions made across the flows
    # When each is mapped to the IAM actions and ARNs it needs and checked against that function's role
    refused = refusals(template, recorded.world_env, recorded.calls)

    # Then the deployed roles would refuse none of them
    assert not refused, "the deployed roles would refuse:\n" + "\n".join(sorted(map(str, refused)))


def test_the_flows_exercise_every_function_and_the_lead_diagnostics(recorded) -> None:
    # Given the recorded calls, per function
    operations = {f: {(c.service, c.operation) for c in calls} for f, calls in recorded.by_function().items()}

    # Then each of the four functions called AWS, so the check above compared something for each
    assert set(operations) == {INTAKE_HANDLER, ESCALATION_STEP_HANDLER, ACTIONS_HANDLER, STATUS_PAGE_HANDLER}
    # And the intake's recent-deployments check, its KMS-encrypted notifications and its graph links were among them
    assert {("ecs", "ListTaskDefinitions"), ("ecs", "DescribeTaskDefinition"), ("sns", "Publish"),
            ("dynamodb", "TransactWriteItems")} <= operations[INTAKE_HANDLER]  # fmt: skip
    assert any(c.presigned for c in _calls(recorded, INTAKE_HANDLER))
    # And the actions function handed declarations to the intake and stopped a ladder
    assert {("lambda", "Invoke"), ("stepfunctions", "StopExecution")} <= operations[ACTIONS_HANDLER]


def test_the_escalation_step_runs_without_the_state_machine_it_is_not_given(recorded) -> None:
    # Given the flows, one of which lets the ladder resolve an alarm that went OK (the step closes it)
    step = _calls(recorded, ESCALATION_STEP_HANDLER)
    closed = [c for c in step if c.operation == "TransactWriteItems" and "resolved" in json.dumps(c.params)]

    # Then the step did resolve incidents itself
    assert closed
    # And, run with its own template environment (no ESCALATION_STATE_MACHINE_ARN), it never called Step Functions
    assert not [c for c in step if c.service == "stepfunctions"]
