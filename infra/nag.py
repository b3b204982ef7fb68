"""cdk-nag 3.x AwsSolutions findings we accept: each one on its own construct, with its reason.

No blanket acknowledgment: every entry names one rule finding (`Rule[Finding]`) and the construct
it applies to, so a new finding anywhere else still fails the synth.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct

FUNCTIONS = ("Intake", "EscalationStep", "Actions", "StatusPage")
PUBLISHING_FUNCTIONS = ("Intake", "EscalationStep", "Actions")  # they notify (KMS-encrypted topics)
GRAPH_SIGNERS = ("Intake", "EscalationStep")
POSTMORTEM_WRITERS = ("EscalationStep", "Actions")
ESCALATION_CONTROLLERS = ("Intake", "Actions")

XRAY_REASON = (
    "X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) have no resource-level permissions; "
    "AWS documents Resource '*' for them"
)
KMS_TOPIC_REASON = (
    "CDK's grant for publishing to a KMS-encrypted SNS topic: kms:GenerateDataKey* (GenerateDataKey and "
    "GenerateDataKeyWithoutPlaintext) on the responder's one key, no other key"
)
KMS_BUCKET_REASON = (
    "CDK's bucket.grant_put on a KMS bucket: kms:ReEncrypt* (ReEncryptFrom/To) on the responder's one key, "
    "needed to write SSE-KMS objects"
)


@dataclass(frozen=True)
class Finding:
    path: str  # construct path under the stack
    rule: str
    reason: str


def _findings(stack: Stack) -> list[Finding]:
    findings = [
        # Dead-letter queues: nag only recognises queue-to-queue redrive.
        Finding("DeadLetters/IntakeFailures", "AwsSolutions-SQS3",
                "This queue IS a dead-letter queue: the intake Lambda's async on-failure destination and where "
                "it parks unreadable records; a DLQ of a DLQ would only move the problem"),
        Finding("DeadLetters/DeliveryFailures", "AwsSolutions-SQS3",
                "This queue IS a dead-letter queue: of the SNS subscription, the EventBridge rule targets and "
                "the synthetic-test schedule (nag only recognises queue-to-queue redrive)"),
        # Secrets
        Finding("Secrets/SlackWebhook", "AwsSolutions-SMG4",
                "A Slack incoming-webhook URL is issued by Slack; it cannot be rotated by a Lambda, only "
                "re-issued in Slack and put into the secret (docs/deploy.md)"),
        Finding("Secrets/SlackSigning", "AwsSolutions-SMG4",
                "The Slack app's Signing Secret is issued by Slack (app settings → Regenerate); a Lambda "
                "rotation could only break verification. Re-issued in Slack and put into the secret"),
        Finding("Secrets/SlackBotToken", "AwsSolutions-SMG4",
                "A Slack bot token is issued by Slack when the app is installed (OAuth); a Lambda cannot rotate "
                "it, only a re-install in Slack can, then it is put into the secret (docs/deploy.md)"),
        Finding("Functions/IntakeRole/DefaultPolicy", "AwsSolutions-IAM5[Action::s3:Abort*]",
                "CDK's bucket.grant_put for the metric graphs: AbortMultipartUpload of an interrupted upload"),
        Finding("Functions/IntakeRole/DefaultPolicy", "AwsSolutions-IAM5[Action::kms:ReEncrypt*]",
                KMS_BUCKET_REASON + " (the metric graphs)"),
        Finding("Functions/StatusPageRole/DefaultPolicy", "AwsSolutions-IAM5[Resource::*]",
                XRAY_REASON + "; and dynamodb:ListStreams, which has no resource-level permissions (CDK's stream "
                "grant for the event source; the records themselves are read on the table's stream ARN only)"),
        Finding("Secrets/ApiSigning", "AwsSolutions-SMG4",
                "Rotating the request-signing key breaks every operator's and script's `responder declare` until "
                "they fetch the new value; rotated manually and announced (docs/deploy.md)"),
        Finding("Functions/EscalationStepRole/DefaultPolicy",
                "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:*]",
                "cloudwatch:DescribeAlarms (read-only) at a maintenance window's end: an incident's alarms are "
                "any alarm that reached the intake, named at run time, so every alarm of this account and region"),
        Finding("Functions/ActionsRole/DefaultPolicy",
                "AwsSolutions-IAM5[Resource::<FunctionsIntake75EA1941.Arn>:*]",
                "CDK's intake.grant_invoke: the intake function and its versions/aliases only (declarations and "
                "maintenance windows are handed to the intake asynchronously)"),
        Finding("Secrets/ActionSigning", "AwsSolutions-SMG4",
                "Rotating the link-signing key invalidates every one-click link already sent to responders of "
                "open incidents; rotated manually between incidents (docs/deploy.md)"),
        # Bucket
        Finding("Postmortems/Bucket", "AwsSolutions-S1",
                "Holds post-mortem drafts written only by two of the stack's own roles; CloudTrail data events "
                "are the audit trail if needed. A second log bucket would double the storage to audit"),
        # The state machine: X-Ray, log delivery (both resource '*' by AWS design), and Lambda versions.
        Finding("Escalation/StateMachine/Role/DefaultPolicy", "AwsSolutions-IAM5[Resource::*]",
                XRAY_REASON + "; CloudWatch Logs log delivery (logs:CreateLogDelivery etc.) also requires '*'"),
        Finding("Escalation/StateMachine/Role/DefaultPolicy",
                "AwsSolutions-IAM5[Resource::<FunctionsEscalationStep8AFBF108.Arn>:*]",
                "CDK's LambdaInvoke grant: the escalation-step function and its versions/aliases, nothing else"),
        Finding("Escalation/StateMachine/Role/DefaultPolicy", "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
                KMS_TOPIC_REASON + " (ReportFailure publishes to the ops topic)"),
        Finding("SchedulerRoleForTarget-f6936b/DefaultPolicy", "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
                KMS_TOPIC_REASON + " (the synthetic test publishes to the intake topic)"),
    ]  # fmt: skip
    api_reasons = {
        "GET--actions--{verb}": "one-click links are opened from email/SMS/Slack by people without AWS credentials; "
        "the function verifies each link's HMAC signature (action-signing secret) and expiry",
        "POST--actions--{verb}": "the confirmation page's form carries the link's signed token; the function "
        "verifies its HMAC signature, expiry and single use before acting",
        "POST--incidents--{id}--updates": "updates carry an HMAC signature made with the action-signing secret; "
        "the function rejects unsigned or stale requests",
        "POST--slack--interactions": "Slack cannot send AWS credentials; the function verifies Slack's request "
        "signature (X-Slack-Signature) and timestamp",
        "POST--slack--commands": "Slack cannot send AWS credentials; the function verifies Slack's request "
        "signature (X-Slack-Signature) and timestamp before reading the slash command",
        "POST--incidents": "declarations carry an HMAC signature (X-Responder-Signature) made with the API signing "
        "secret over the timestamp and body; the function rejects unsigned, forged or stale requests",
        "POST--maintenance": "windows carry an HMAC signature made with the API signing secret; the function rejects "
        "unsigned, forged or stale requests",
        "POST--maintenance--{id}--end": "ending a window carries an HMAC signature made with the API signing "
        "secret; the function rejects unsigned, forged or stale requests",
    }
    findings += [
        Finding(f"ActionsApi/Api/{route}", "AwsSolutions-APIG4", f"Authorised in the function: {reason}")
        for route, reason in api_reasons.items()
    ]
    for function in FUNCTIONS:
        policy = f"Functions/{function}Role/DefaultPolicy"
        findings.append(Finding(f"Functions/{function}", "AwsSolutions-L1",
                                "Pinned to python3.13 (supported to 2029): the asset's wheels are chosen for CPython "
                                "3.13 and its byte-code is written by a CPython 3.13 that make setup provides "
                                "(infra/lambda_python.py); move to the next runtime together with PYTHON_VERSION, "
                                "which the wheelhouse, the bundling and that interpreter follow"))  # fmt: skip
        reason = XRAY_REASON
        if function == "Intake":
            reason += (
                "; and read-only diagnostics: elasticloadbalancing:Describe*, ecs:DescribeServices/DescribeTasks/"
                "ListTasks/ListTaskDefinitions/DescribeTaskDefinition, rds:DescribeDBInstances/DescribeEvents, "
                "cloudwatch:GetMetricData/GetMetricStatistics "
                "support no resource-level permissions (Describe/read APIs only, never data)"
            )
        if function in PUBLISHING_FUNCTIONS:
            findings.append(Finding(policy, "AwsSolutions-IAM5[Resource::*]", reason))
            findings.append(Finding(policy, "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]", KMS_TOPIC_REASON))
        if function in GRAPH_SIGNERS:
            findings.append(Finding(policy, "AwsSolutions-IAM5[Resource::<PostmortemsBucket529A1949.Arn>/graphs/*]",
                                    "The metric graphs' objects only (graphs/<service>/<incident>.png): the intake "
                                    "writes them; it and the escalation step sign their GET links"))  # fmt: skip
        if function in POSTMORTEM_WRITERS:
            findings += [
                Finding(policy, "AwsSolutions-IAM5[Action::s3:Abort*]",
                        "CDK's bucket.grant_put: AbortMultipartUpload for an interrupted upload, on this bucket"),
                Finding(policy, "AwsSolutions-IAM5[Resource::<PostmortemsBucket529A1949.Arn>/*]",
                        "Objects of the post-mortem bucket only (bucket.grant_put); the functions choose the keys"),
                Finding(policy, "AwsSolutions-IAM5[Action::kms:ReEncrypt*]", KMS_BUCKET_REASON),
            ]  # fmt: skip
        if function in ESCALATION_CONTROLLERS:
            findings.append(Finding(
                policy,
                "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:"
                '{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"EscalationStateMachine26D21A9F"}]}]}:*]',
                "states:StopExecution acts on executions: every execution of the escalation state machine "
                "(one per incident generation, named at run time), no other machine",
            ))  # fmt: skip
    return findings


def _log_group_findings(stack: Stack, log_groups: list[str]) -> list[Finding]:
    return [
        Finding(
            "Functions/IntakeRole/DefaultPolicy",
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:{group}:*]",
            f"logs:FilterLogEvents on the watched service's log group {group} (the ':*' is the ARN form IAM "
            "evaluates for a log group's events), read-only diagnostics",
        )
        for group in log_groups
    ]


def _construct(stack: IConstruct, path: str) -> IConstruct:
    node: IConstruct = stack
    for part in path.split("/"):
        child = node.node.try_find_child(part)
        if child is None:
            raise KeyError(f"cdk-nag acknowledgment targets a missing construct: {stack.node.id}/{path}")
        node = child
    return node


def acknowledge_findings(stack: Stack, log_groups: list[str]) -> list[Finding]:
    findings = _findings(stack) + _log_group_findings(stack, log_groups)
    for finding in findings:
        Validations.of(_construct(stack, finding.path)).acknowledge(
            Acknowledgment(id=finding.rule, reason=finding.reason)
        )
    return findings


# The status page site (infra/constructs/status_page.py), paths under the construct itself.
STATUS_PAGE_FINDINGS = (
    Finding("Bucket", "AwsSolutions-S1",
            "Holds only the two public status page files, written by the status page function alone and read "
            "by the distribution alone (OAC); every object is rebuilt from the incident table, which is the "
            "record. CloudTrail data events are the audit trail if needed"),
    Finding("Distribution", "AwsSolutions-CFR1",
            "A public status page: customers must read it from wherever they are, above all during an outage"),
    Finding("Distribution", "AwsSolutions-CFR2",
            "Static, cached, GET/HEAD only, no forms, cookies or query strings in the cache key (a visitor cannot "
            "bust the cache to reach the origin); Shield Standard covers it. A web ACL would cost more than the "
            "page and protect nothing it serves"),
    Finding("Distribution", "AwsSolutions-CFR3",
            "Access logs would hold visitors' IP addresses (personal data) with no use for them: the page is the "
            "same public file for everyone; CloudFront's default metrics show requests and error rates"),
)  # fmt: skip
DEFAULT_DOMAIN_FINDINGS = (
    Finding("Distribution", "AwsSolutions-CFR4",
            "Served on the default *.cloudfront.net name, where CloudFront fixes the viewer policy at TLSv1 and "
            "it cannot be raised; pass domain_names and an ACM certificate to get TLSv1.2_2021"),
)  # fmt: skip


def acknowledge_status_page(site: IConstruct, *, custom_domain: bool) -> list[Finding]:
    """Called by the site's construct: its findings hold wherever a stack places it."""
    findings = list(STATUS_PAGE_FINDINGS) + ([] if custom_domain else list(DEFAULT_DOMAIN_FINDINGS))
    for finding in findings:
        acknowledgment = Acknowledgment(id=finding.rule, reason=finding.reason)
        Validations.of(_construct(site, finding.path)).acknowledge(acknowledgment)
    return findings
