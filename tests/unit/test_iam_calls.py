"""The call → IAM mapping of local/iam_calls.py, on the synthesized template (cached synth)."""

from __future__ import annotations

import json

import pytest

from infra.names import INTAKE_HANDLER, STATUS_PAGE_HANDLER
from local.iam_calls import Call, CallMapper, Intrinsics, StackNames, refusals
from local.lambda_runtime import template_functions

TOPIC = "arn:aws:sns:us-east-1:123456789012:local-notify-P0"
WORLD = {
    "INCIDENT_TABLE": "local-incidents",
    "POSTMORTEM_BUCKET": "local-postmortems",
    "NOTIFICATION_TOPICS": json.dumps({"P0": TOPIC}),
}


@pytest.fixture(scope="module")
def template() -> dict:
    from infra.synth import synthesize_template

    return synthesize_template()


@pytest.fixture(scope="module")
def mapper(template) -> CallMapper:
    environments = {path: f.environment for path, f in template_functions(template).items()}
    return CallMapper(StackNames(Intrinsics(template), environments, WORLD))


def test_a_transaction_needs_each_items_own_action_on_its_table(mapper) -> None:
    # Given a transaction that puts one item and checks another on the local incident table
    items = [{"Put": {"TableName": "local-incidents"}}, {"ConditionCheck": {"TableName": "local-incidents"}}]
    call = Call(INTAKE_HANDLER, "dynamodb", "TransactWriteItems", {"TransactItems": items})

    # When it is mapped
    needs = mapper.needed(call)

    # Then it needs PutItem and ConditionCheckItem on the stack's table (named from its logical id)
    assert [n.action for n in needs] == ["dynamodb:PutItem", "dynamodb:ConditionCheckItem"]
    assert all(n.resource.startswith("arn:aws:dynamodb:us-east-1:123456789012:table/IncidentsTable") for n in needs)


def test_a_presigned_get_on_the_encrypted_bucket_needs_the_object_and_the_key(mapper) -> None:
    # Given a presigned GET of a metric graph in the post-mortem bucket (SSE-KMS with the stack's key)
    call = Call(INTAKE_HANDLER, "s3", "GetObject", {"Bucket": "local-postmortems", "Key": "graphs/a.png"}, True)

    # When it is mapped
    needs = mapper.needed(call)

    # Then it needs s3:GetObject on that key and kms:Decrypt on the stack's key
    assert needs[0].action == "s3:GetObject" and needs[0].resource.endswith("/graphs/a.png")
    assert needs[1].action == "kms:Decrypt" and needs[1].resource.startswith("arn:aws:kms:")


def test_a_publish_by_a_function_whose_role_lacks_it_is_refused(template) -> None:
    # Given the status page function (its role publishes to no topic) and the intake publishing the same message
    published = {"TopicArn": TOPIC}
    calls = [Call(STATUS_PAGE_HANDLER, "sns", "Publish", published), Call(INTAKE_HANDLER, "sns", "Publish", published)]

    # When the calls are checked against the roles
    refused = refusals(template, WORLD, calls)

    # Then only the status page's is refused: the topic, and the key its messages are encrypted with
    assert {r.function for r in refused} == {template_functions(template)[STATUS_PAGE_HANDLER].logical_id}
    assert {r.need.action for r in refused} == {"sns:Publish", "kms:GenerateDataKey", "kms:Decrypt"}
