"""The three Lambda functions, built by one factory, and their least-privilege grants."""

from __future__ import annotations

import json
from dataclasses import dataclass

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import names
from infra.bundling import RUNTIME, function_code
from infra.config import LOG_RETENTION, ResponderConfig
from infra.dependencies import drop_dependency_enforced_by_reference

from .status_page import StatusPageSite, status_page_event_source
from .topics import Topics


@dataclass(frozen=True)
class FunctionSpec:
    construct_id: str
    handler: str
    description: str
    memory_mb: int
    timeout: Duration
    reserved: bool  # reserved concurrency caps storms (alarm floods, link-click floods)
    concurrency: int | None = None  # a fixed reservation instead (the status page: one writer, in order)


INTAKE = FunctionSpec(
    "Intake", names.INTAKE_HANDLER, "Alarm intake: classify, open/update the incident, first response",
    512, Duration.seconds(60), reserved=True,
)  # fmt: skip
ESCALATION_STEP = FunctionSpec(
    "EscalationStep", names.ESCALATION_STEP_HANDLER, "Escalation ladder: run the due steps, say when to wake",
    256, Duration.seconds(30), reserved=False,
)  # fmt: skip
ACTIONS = FunctionSpec(
    "Actions", names.ACTIONS_HANDLER, "One-click actions, incident updates and Slack interactions (HTTP API)",
    256, Duration.seconds(10), reserved=True,
)  # fmt: skip
STATUS_PAGE = FunctionSpec(
    "StatusPage", names.STATUS_PAGE_HANDLER, "Status page: rebuild index.html and status.json from the table",
    256, Duration.seconds(30), reserved=False, concurrency=1,
)  # fmt: skip
GRAPHS = "graphs/*"  # the metric graphs' keys in the post-mortem bucket (functions/notifications/graph.py)


class ResponderFunctions(Construct):
    """
    Architecture: arm64 by default (about 20% cheaper per GB-second than x86_64, and every runtime
    dependency, pydantic-core included, ships manylinux2014_aarch64 wheels); x86_64 via config.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: ResponderConfig,
        table: dynamodb.ITable,
        topics: Topics,
        slack_webhook: secretsmanager.ISecret,
        action_signing: secretsmanager.ISecret,
        slack_signing: secretsmanager.ISecret,
        api_signing: secretsmanager.ISecret,
        slack_bot_token: secretsmanager.ISecret,
        roster: ssm.IStringParameter,
        postmortems: s3.IBucket,
        intake_failures: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self.architecture = (
            lambda_.Architecture.ARM_64 if config.architecture == "arm64" else lambda_.Architecture.X86_64
        )
        self._code = function_code(self.architecture)
        stack = Stack.of(self)
        environment = {
            names.INCIDENT_TABLE: table.table_name,
            names.NOTIFICATION_TOPICS: stack.to_json_string(
                {severity.value: topic.topic_arn for severity, topic in topics.by_severity.items()}
            ),
            names.PAGE_TOPICS: stack.to_json_string({lv.value: t.topic_arn for lv, t in topics.by_level.items()}),
            names.SLACK_WEBHOOK_SECRET_ID: slack_webhook.secret_arn,
            names.SLACK_SEVERITIES: json.dumps([s.value for s in config.slack_severities]),
            names.SERVICES: json.dumps(config.runtime_services(), separators=(",", ":")),
            names.DIAGNOSTICS_BUDGET_SECONDS: str(config.diagnostics_budget_seconds),
            names.ACTION_SIGNING_SECRET_ID: action_signing.secret_arn,
            names.POSTMORTEM_BUCKET: postmortems.bucket_name,
            names.OPS_TOPIC_ARN: topics.ops.topic_arn,
            names.SLACK_BOT_TOKEN_SECRET_ID: slack_bot_token.secret_arn,
            names.ROSTER_PARAMETER: roster.parameter_name,
            names.POWERTOOLS_SERVICE_NAME: names.METRICS_SERVICE,
            names.LOG_LEVEL: config.log_level,
        }
        if config.action_base_url:
            environment[names.ACTION_BASE_URL] = config.action_base_url.rstrip("/")

        self.intake = self._function(INTAKE, environment)
        self.intake.add_environment(names.DEAD_LETTER_QUEUE_URL, intake_failures.queue_url)
        self.intake.configure_async_invoke(
            on_failure=destinations.SqsDestination(intake_failures),
            retry_attempts=2,
            max_event_age=Duration.hours(6),
        )
        self.escalation_step = self._function(ESCALATION_STEP, environment)
        self.actions = self._function(ACTIONS, environment)
        # Only the actions function receives Slack's and people's requests, so only it reads their keys;
        # it hands declarations and maintenance windows to the intake with an asynchronous invoke.
        self.actions.add_environment(names.SLACK_SIGNING_SECRET_ID, slack_signing.secret_arn)
        self.actions.add_environment(names.API_SIGNING_SECRET_ID, api_signing.secret_arn)
        self.actions.add_environment(names.INTAKE_FUNCTION_NAME, self.intake.function_name)
        slack_signing.grant_read(self.actions)
        api_signing.grant_read(self.actions)
        self.intake.grant_invoke(self.actions)
        self.all: list[lambda_.Function] = [self.intake, self.escalation_step, self.actions]

        for function in self.all:
            table.grant_read_write_data(function)
            slack_webhook.grant_read(function)
            slack_bot_token.grant_read(function)  # every function posts to the incident channel
            action_signing.grant_read(function)
            for topic in topics.notification_and_page_topics:
                topic.grant_publish(function)
            topics.ops.grant_publish(function)  # the synthetic test's messages go to the ops topic
        for function in (self.escalation_step, self.actions):
            postmortems.grant_put(function)
        # The intake draws the metric graph; it and the step sign its short-lived links (S3 checks the signer)
        postmortems.grant_put(self.intake, GRAPHS)
        for function in (self.intake, self.escalation_step):
            self._grant_graph_links(function, postmortems)
            roster.grant_read(function)  # pages name the person on call
        intake_failures.grant_send_messages(self.intake)
        self._grant_diagnostics(self.intake)
        self._grant_alarm_states(self.escalation_step)

    def subscribe_intake(self, topic: sns.ITopic, dead_letter_queue: sqs.IQueue) -> None:
        """Alarms reach the intake through the topic; undeliverable ones land on the queue.

        The intake may also consume that queue, so a redrive is one event-source mapping away
        (docs/deploy.md): its bodies are SNS notifications / EventBridge events the intake reads.
        """
        topic.add_subscription(subscriptions.LambdaSubscription(self.intake, dead_letter_queue=dead_letter_queue))
        dead_letter_queue.grant_consume_messages(self.intake)

    def add_status_page(self, table: dynamodb.ITable, site: StatusPageSite, failures: sqs.IQueue) -> None:
        """The status page function: fed by the table's stream, writes only the site's two files."""
        environment = {
            names.INCIDENT_TABLE: table.table_name,
            names.STATUS_PAGE_BUCKET: site.bucket.bucket_name,
            names.SERVICES: json.dumps(self._config.runtime_services(), separators=(",", ":")),
            names.POWERTOOLS_SERVICE_NAME: names.METRICS_SERVICE,
            names.LOG_LEVEL: self._config.log_level,
        }
        self.status_page = self._function(STATUS_PAGE, environment)
        table.grant(self.status_page, "dynamodb:Query")  # the public history, one partition
        site.grant_publish(self.status_page)
        self.status_page.add_event_source(status_page_event_source(table, event_sources.SqsDlq(failures)))
        self.all.append(self.status_page)

    def set_action_base_url(self, url: str) -> None:
        """The HTTP API's URL, unless the config overrides it (a custom domain)."""
        if not self._config.action_base_url:
            for function in self.all:
                function.add_environment(names.ACTION_BASE_URL, url)

    def grant_escalation(self, state_machine: sfn.IStateMachine) -> None:
        """Intake and actions start and stop the incident's escalation execution."""
        for function in (self.intake, self.actions):
            function.add_environment(names.ESCALATION_STATE_MACHINE_ARN, state_machine.state_machine_arn)
            state_machine.grant_start_execution(function)
            # StopExecution acts on executions (arn:...:execution:<machine>:*), not on the machine.
            state_machine.grant_execution(function, "states:StopExecution")

    def _function(self, spec: FunctionSpec, environment: dict[str, str]) -> lambda_.Function:
        log_group = logs.LogGroup(
            self,
            f"{spec.construct_id}Logs",
            retention=logs.RetentionDays[LOG_RETENTION[self._config.log_retention_days]],
            removal_policy=RemovalPolicy.DESTROY,
        )
        # Our own role instead of AWSLambdaBasicExecutionRole (logs:* on every log group):
        # the function may write to its own log group only.
        role = iam.Role(
            self,
            f"{spec.construct_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{spec.construct_id} function of {Stack.of(self).stack_name}",
        )
        log_group.grant_write(role)
        function = lambda_.Function(
            self,
            spec.construct_id,
            role=role,
            description=spec.description,
            code=self._code,
            handler=spec.handler,
            runtime=RUNTIME,
            architecture=self.architecture,
            memory_size=spec.memory_mb,
            timeout=spec.timeout,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            environment=environment,
            reserved_concurrent_executions=self._reserved(spec),
            recursive_loop=lambda_.RecursiveLoop.TERMINATE,
        )
        # The function's Role property references the role; its DependsOn keeps only the role's policy.
        drop_dependency_enforced_by_reference(function, role)
        return function

    def _grant_graph_links(self, function: lambda_.Function, postmortems: s3.IBucket) -> None:
        """A presigned GET acts as its signer: GetObject on the graphs and the key to decrypt them, no more
        (bucket.grant_read would add List* and GetBucket*)."""
        function.add_to_role_policy(
            iam.PolicyStatement(
                sid="SignMetricGraphLinks", actions=["s3:GetObject"], resources=[postmortems.arn_for_objects(GRAPHS)]
            )
        )
        if postmortems.encryption_key is not None:
            postmortems.encryption_key.grant_decrypt(function)

    def _reserved(self, spec: FunctionSpec) -> int | None:
        # `null` is for accounts whose quota is 10: Lambda keeps 10 unreserved, so nothing may reserve,
        # not even the status page's single writer (its regenerations are idempotent).
        if self._config.reserved_concurrency is None:
            return None
        return spec.concurrency or (self._config.reserved_executions if spec.reserved else None)

    def _grant_alarm_states(self, function: lambda_.Function) -> None:
        """At a maintenance window's end the step asks CloudWatch what is still in ALARM (D14)."""
        alarms = Stack.of(self).format_arn(
            service="cloudwatch", resource="alarm", resource_name="*", arn_format=ArnFormat.COLON_RESOURCE_NAME
        )
        statement = iam.PolicyStatement(
            sid="AlarmStatesAtMaintenanceEnd", actions=["cloudwatch:DescribeAlarms"], resources=[alarms]
        )
        function.add_to_role_policy(statement)

    def _grant_diagnostics(self, function: lambda_.Function) -> None:
        """Read-only diagnostics: describe calls (no resource-level permissions), logs, metrics."""
        stack = Stack.of(self)
        function.add_to_role_policy(
            iam.PolicyStatement(
                sid="DiagnosticsDescribeApisWithoutResourceLevelPermissions",
                actions=[
                    "elasticloadbalancing:DescribeTargetHealth",
                    "elasticloadbalancing:DescribeTargetGroups",
                    "elasticloadbalancing:DescribeLoadBalancers",
                    "ecs:DescribeServices",
                    "ecs:DescribeTasks",
                    "ecs:ListTasks",
                    # recent_deployments reads the task definition revisions; the Service Authorization
                    # Reference lists no resource type for either action, so they take "*"
                    "ecs:ListTaskDefinitions",
                    "ecs:DescribeTaskDefinition",
                    "rds:DescribeDBInstances",
                    "rds:DescribeEvents",
                    "cloudwatch:GetMetricData",
                    "cloudwatch:GetMetricStatistics",
                    "cloudwatch:GetMetricWidgetImage",  # the first message's metric graph
                ],
                resources=["*"],
            )
        )
        log_groups = sorted({service.log_group for service in self._config.services if service.log_group})
        if not log_groups:
            return
        function.add_to_role_policy(
            iam.PolicyStatement(
                sid="DiagnosticsServiceLogs",
                actions=["logs:FilterLogEvents"],
                resources=[
                    stack.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name=f"{group}:*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                    for group in log_groups
                ],
            )
        )
