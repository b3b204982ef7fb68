"""What the runtime needs exists and is wired: topics, table, functions' environment, bucket, monitoring."""

from __future__ import annotations

import json
import re
from typing import Any

from functions.incident_store import PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE
from functions.intake.parse import parse_event
from functions.intake.signal import Signal
from functions.policy import Level, Severity
from functions.scenarios import Action, classify
from functions.settings import load_settings
from infra.asl import fake_resolver
from infra.wheelhouse import PYTHON_VERSION

from .conftest import logical_id, of_type

ACCOUNT, REGION = "123456789012", "us-east-1"


def _function(resources: dict[str, Any], name: str) -> dict[str, Any]:
    return resources[logical_id(resources, "AWS::Lambda::Function", f"Functions{name}")]["Properties"]


def _render(value: Any, template: dict[str, Any]) -> str:
    """A Ref/GetAtt/Join value with fake ARNs, as the function would see it at run time."""
    resolve = fake_resolver(template, region=REGION, account=ACCOUNT)
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(_render(part, template) for part in parts)
    return resolve(value)


def test_topics_are_encrypted_and_tls_only(resources) -> None:
    # Given every topic
    topics = of_type(resources, "AWS::SNS::Topic")

    # Then intake, P0..P3, L1..L4 and ops exist, each with the KMS key
    names = {t["Properties"]["TopicName"] for t in topics.values()}
    expected = {"intake", "ops", *(f"notify-{s.value}" for s in Severity), *(f"page-{lv.value}" for lv in Level)}
    assert {name.removeprefix("runbook-responder-dev-") for name in names} == expected
    assert all("KmsMasterKeyId" in t["Properties"] for t in topics.values())
    # And each topic policy refuses non-TLS publishers
    for policy in of_type(resources, "AWS::SNS::TopicPolicy").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
        )


def test_cloudwatch_alarms_may_use_the_topic_key(resources) -> None:
    # Given the KMS key policy
    (key,) = of_type(resources, "AWS::KMS::Key").values()
    statements = key["Properties"]["KeyPolicy"]["Statement"]

    # Then the CloudWatch service may encrypt messages for the alarm actions
    cloudwatch = [s for s in statements if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert cloudwatch and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(cloudwatch[0]["Action"])
    assert key["Properties"]["EnableKeyRotation"] is True


def test_incident_table_shape_comes_from_the_store(resources) -> None:
    # Given the table
    (table,) = of_type(resources, "AWS::DynamoDB::Table").values()
    props = table["Properties"]

    # Then its keys and TTL are the incident store's names; on-demand, PITR, deletion protection
    assert props["KeySchema"] == [
        {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
        {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
    ]
    assert props["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"


def test_functions_share_one_factory(resources) -> None:
    # Given the three functions
    functions = {name: _function(resources, name) for name in ("Intake", "EscalationStep", "Actions")}

    # Then they share runtime, architecture, tracing, and differ by handler
    assert {f["Handler"] for f in functions.values()} == {
        "functions.handlers.alarm_intake.handler",
        "functions.handlers.escalation_step.handler",
        "functions.handlers.actions.handler",
    }
    for function in functions.values():
        assert function["Runtime"] == f"python{PYTHON_VERSION}"  # what the asset's byte-code is written for
        assert function["Architectures"] == ["arm64"]
        assert function["TracingConfig"] == {"Mode": "Active"}
        assert function["LoggingConfig"]["LogGroup"]
    assert functions["Intake"]["ReservedConcurrentExecutions"] == 6  # auto: 5 + the one service
    assert functions["Actions"]["ReservedConcurrentExecutions"] == 6
    assert "ReservedConcurrentExecutions" not in functions["EscalationStep"]


def test_function_environment_is_valid_settings(resources, template) -> None:
    # Given each function's environment, rendered with fake ARNs
    for name in ("Intake", "EscalationStep", "Actions"):
        variables = _function(resources, name)["Environment"]["Variables"]
        environment = {key: _render(value, template) for key, value in variables.items()}

        # When the function's own settings model reads it
        settings = load_settings(environment)

        # Then every topic, the table and the secrets are there
        assert set(settings.NOTIFICATION_TOPICS) == set(Severity)
        assert set(settings.PAGE_TOPICS) == set(Level)
        assert settings.INCIDENT_TABLE and settings.SLACK_WEBHOOK_SECRET_ID and settings.ACTION_SIGNING_SECRET_ID
        assert settings.POSTMORTEM_BUCKET and settings.ACTION_BASE_URL.startswith("https://")
        assert [s.name for s in settings.SERVICES] == ["flask-sre-challenge", "responder-synthetic"]
        assert environment["POWERTOOLS_SERVICE_NAME"] == "runbook-responder"
        assert bool(settings.SLACK_SIGNING_SECRET_ID) is (name == "Actions")
        if name == "EscalationStep":
            assert not settings.ESCALATION_STATE_MACHINE_ARN  # the machine invokes it: no cycle
        else:
            assert settings.ESCALATION_STATE_MACHINE_ARN.startswith("arn:aws:states:")
    intake = _function(resources, "Intake")["Environment"]["Variables"]
    assert "DEAD_LETTER_QUEUE_URL" in intake


def test_intake_subscription_and_failure_destinations(resources) -> None:
    # Given the intake topic's subscription and the intake's async config
    (subscription,) = of_type(resources, "AWS::SNS::Subscription").values()
    (invoke_config,) = of_type(resources, "AWS::Lambda::EventInvokeConfig").values()

    # Then the intake is subscribed with a redrive queue, and failed async invokes go to SQS
    assert subscription["Properties"]["Protocol"] == "lambda"
    assert "RedrivePolicy" in subscription["Properties"]
    assert "OnFailure" in invoke_config["Properties"]["DestinationConfig"]
    for queue in of_type(resources, "AWS::SQS::Queue").values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True


def test_postmortem_bucket_is_private_encrypted_versioned(resources) -> None:
    bucket = resources[logical_id(resources, "AWS::S3::Bucket", "Postmortems")]
    props = bucket["Properties"]
    encryption = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
    }  # fmt: skip
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["LifecycleConfiguration"]["Rules"]


def test_http_api_routes_are_exactly_what_the_actions_function_serves(resources) -> None:
    # Given the routes the actions handler answers (the confirmation page POSTs back to its link's path)
    from functions.handlers.actions import app

    served = {f"{r.method} {re.sub(r'<[^>]+>', '{}', r.path)}" for r in [*app._static_routes, *app._dynamic_routes]}
    # Then the HTTP API routes every one of them, and nothing else, to the function
    routes = {r["Properties"]["RouteKey"] for r in of_type(resources, "AWS::ApiGatewayV2::Route").values()}
    assert {re.sub(r"\{[^}]+\}", "{}", route) for route in routes} == served
    assert "POST /incidents" in routes and "POST /slack/commands" in routes
    (api,) = of_type(resources, "AWS::ApiGatewayV2::Api").values()
    assert api["Properties"]["ProtocolType"] == "HTTP"


def test_self_monitoring_alarms_go_to_ops(alarms_by_name, resources) -> None:
    ops = {"Ref": logical_id(resources, "AWS::SNS::Topic", "TopicsOps")}
    expected = {
        *(f"runbook-responder-dev-{f}-{kind}" for f in ("Intake", "EscalationStep", "Actions")
          for kind in ("errors", "throttles")),
        "runbook-responder-dev-IntakeFailures-dlq-depth",
        "runbook-responder-dev-DeliveryFailures-dlq-depth",
        "runbook-responder-dev-escalation-failed",
        "runbook-responder-dev-escalation-timed-out",
        "runbook-responder-dev-synthetic-test-no-incident",
        "runbook-responder-dev-synthetic-test-no-page",
    }  # fmt: skip
    assert expected <= set(alarms_by_name)
    for name in expected:
        assert alarms_by_name[name]["AlarmActions"] == [ops]
    no_incident = alarms_by_name["runbook-responder-dev-synthetic-test-no-incident"]
    assert (no_incident["Namespace"], no_incident["MetricName"]) == ("RunbookResponder", "SyntheticTestOpened")
    assert no_incident["TreatMissingData"] == "breaching"
    no_page = alarms_by_name["runbook-responder-dev-synthetic-test-no-page"]
    assert (no_page["Namespace"], no_page["MetricName"]) == ("RunbookResponder", "SyntheticTestPaged")


def test_synthetic_test_message_is_read_by_the_intake_as_its_rule(resources, template) -> None:
    # Given the ALARM schedule's SNS message, with the scheduled time filled in as Scheduler does
    schedules = of_type(resources, "AWS::Scheduler::Schedule")
    alarm_schedule = next(s for key, s in schedules.items() if "SyntheticTestAlarm" in key)
    message = _render(alarm_schedule["Properties"]["Target"]["Input"], template)
    message = message.replace("<aws.scheduler.scheduled-time>", "2026-11-26T09:00:00Z")
    record = {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": "arn:aws:sns:x",
              "Sns": {"Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:aws:sns:us-east-1:1:t",
                      "Subject": "ALARM", "Message": message, "Timestamp": "2026-11-26T09:00:01.000Z",
                      "SignatureVersion": "1", "Signature": "x", "SigningCertUrl": "https://sns.example/c.pem",
                      "UnsubscribeUrl": "https://sns.example/u", "MessageAttributes": {}}}]}  # fmt: skip

    # When the intake parses and classifies it with the SERVICES the stack gives it
    (signal,) = parse_event(record)
    services_json = _function(resources, "Intake")["Environment"]["Variables"]["SERVICES"]
    settings = load_settings({"INCIDENT_TABLE": "t", "SERVICES": services_json})
    assert isinstance(signal, Signal), signal
    classification = classify(signal, settings.SERVICES)

    # Then it is the configured rule for the synthetic service, and it opens an incident
    assert json.loads(message)["AlarmName"] == "runbook-responder-dev-synthetic-test"
    assert (classification.rule, classification.service) == ("latency-rise", "responder-synthetic")
    assert classification.action is Action.OPEN
    # and its messages are routed to the ops topic, not to people on call
    assert settings.service("responder-synthetic").synthetic


def test_reserved_concurrency_null_reserves_nothing_for_new_accounts(tmp_path) -> None:
    # Given the documented setting for a new account (total concurrency quota 10, all of it unreservable)
    from infra.synth import synthesize_template

    config = tmp_path / "responder.config.json"
    document = {"services": [{"name": "shop"}], "reserved_concurrency": None, "roster_parameter": "/team/roster"}
    config.write_text(json.dumps(document))

    # When the stack is synthesized from it
    template = synthesize_template({"config": str(config)}, use_cache=False)

    # Then no function reserves any concurrency, the status page's single writer included
    functions = of_type(template["Resources"], "AWS::Lambda::Function")
    assert len(functions) >= 4
    reserving = {key: f["Properties"]["ReservedConcurrentExecutions"] for key, f in functions.items()
                 if "ReservedConcurrentExecutions" in f["Properties"]}  # fmt: skip
    assert reserving == {}
