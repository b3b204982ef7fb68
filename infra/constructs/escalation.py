"""The escalation ladder as a Standard Step Functions workflow.

    WaitForNextStep (until $.next_at) → LoadIncident → IsResolved? ─yes→ Finished
                                                        └no→ RunDueSteps ─error→ ReportFailure → Failed
                                                               → HasMore? ─done→ Finished
                                                                   └→ Carry (next_at from the step) ↺

JSONPath only, optimized integrations only, and no hard-coded durations: every wait reads its
timestamp from the input, so the same definition runs a 12-hour ladder in production and in
seconds locally (local replay). The state names are part of the contract: tests and the local
replay read them.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from functions.incident import IncidentStatus
from functions.incident_store import PARTITION_KEY, SORT_KEY
from infra.dependencies import drop_dependency_enforced_by_reference

STATE_NAMES = (
    "WaitForNextStep",
    "LoadIncident",
    "IsResolved",
    "RunDueSteps",
    "HasMore",
    "Carry",
    "ReportFailure",
    "Finished",
    "Failed",
)
RESOLVED_STATUS = IncidentStatus.RESOLVED.value
LAMBDA_SERVICE_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]


class EscalationStateMachine(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        table: dynamodb.ITable,
        step_function: lambda_.IFunction,
        ops_topic: sns.ITopic,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)

        wait = sfn.Wait(
            self, "WaitForNextStep", time=sfn.WaitTime.timestamp_path("$.next_at"),
            comment="Sleep until the next due step; the time comes from the input",
        )  # fmt: skip
        load = tasks.DynamoGetItem(
            self,
            "LoadIncident",
            table=table,
            key={
                PARTITION_KEY: tasks.DynamoAttributeValue.from_string(
                    sfn.JsonPath.format("INCIDENT#{}", sfn.JsonPath.string_at("$.incident_id"))
                ),
                SORT_KEY: tasks.DynamoAttributeValue.from_string("META"),
            },
            consistent_read=True,
            result_selector={"status": sfn.JsonPath.string_at("$.Item.status.S")},
            result_path="$.current",
        )
        load.add_retry(errors=["States.TaskFailed"], interval=Duration.seconds(2), max_attempts=3, backoff_rate=1.5)
        finished = sfn.Succeed(self, "Finished")
        failed = sfn.Fail(self, "Failed", error="EscalationFailed", cause="An escalation step failed; see ops topic")
        report = tasks.SnsPublish(
            self,
            "ReportFailure",
            topic=ops_topic,
            subject="Runbook Responder: escalation step failed",
            message=sfn.TaskInput.from_text(
                sfn.JsonPath.format(
                    "Escalation of incident {} stopped: {}",
                    sfn.JsonPath.string_at("$.incident_id"),
                    sfn.JsonPath.string_at("$.error.Cause"),
                )
            ),
            result_path=sfn.JsonPath.DISCARD,
        )
        run = tasks.LambdaInvoke(
            self,
            "RunDueSteps",
            lambda_function=step_function,
            payload=sfn.TaskInput.from_object(
                {
                    "incident_id": sfn.JsonPath.string_at("$.incident_id"),
                    "generation": sfn.JsonPath.number_at("$.generation"),
                }
            ),
            result_selector={
                "done": sfn.JsonPath.string_at("$.Payload.done"),
                "next_at": sfn.JsonPath.string_at("$.Payload.next_at"),
            },
            result_path="$.step",
            retry_on_service_exceptions=False,
        )
        run.add_retry(errors=LAMBDA_SERVICE_ERRORS, interval=Duration.seconds(2), max_attempts=2, backoff_rate=1.5)
        run.add_catch(report, errors=["States.ALL"], result_path="$.error")
        report.next(failed)
        carry = sfn.Pass(
            self,
            "Carry",
            parameters={
                "incident_id": sfn.JsonPath.string_at("$.incident_id"),
                "generation": sfn.JsonPath.number_at("$.generation"),
                "next_at": sfn.JsonPath.string_at("$.step.next_at"),
            },
        )
        has_more = (
            sfn.Choice(self, "HasMore")
            .when(sfn.Condition.boolean_equals("$.step.done", True), finished)
            .otherwise(carry.next(wait))
        )
        is_resolved = (
            sfn.Choice(self, "IsResolved")
            .when(sfn.Condition.string_equals("$.current.status", RESOLVED_STATUS), finished)
            .otherwise(run.next(has_more))
        )
        wait.next(load).next(is_resolved)

        name = f"{Stack.of(self).stack_name}-escalation"
        # Under /aws/vendedlogs/: CloudWatch Logs then needs no resource policy per log group, whose
        # 5,120-character account limit fails the deploy in accounts with many log deliveries.
        log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/{name}",
            retention=log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=name,
            definition_body=sfn.DefinitionBody.from_chainable(wait),
            state_machine_type=sfn.StateMachineType.STANDARD,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
            tracing_enabled=True,
        )
        # SnsPublish grants sns:Publish only; the ops topic is KMS-encrypted, so the role also needs
        # the key (topic.grant_publish adds both).
        ops_topic.grant_publish(machine)
        # RoleArn references the role; its DependsOn keeps only the role's policy (cfn-lint W3005).
        drop_dependency_enforced_by_reference(machine, machine.role)
        self.state_machine: sfn.IStateMachine = machine
