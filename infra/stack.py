"""RunbookResponderStack: composes the constructs and passes each one only the handles it needs."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.config import LOG_RETENTION, ResponderConfig
from infra.constructs.actions_api import ActionsApi
from infra.constructs.alarms import ServiceAlarms
from infra.constructs.dashboard import ResponderDashboard
from infra.constructs.encryption import ResponderKey
from infra.constructs.escalation import EscalationStateMachine
from infra.constructs.functions import ResponderFunctions
from infra.constructs.incident_table import IncidentTable
from infra.constructs.info_signals import InfoSignals
from infra.constructs.postmortem_bucket import PostmortemBucket
from infra.constructs.queues import DeadLetterQueues
from infra.constructs.roster import RosterParameter
from infra.constructs.secrets import ResponderSecrets
from infra.constructs.self_monitoring import SelfMonitoring
from infra.constructs.status_page import StatusPageSite
from infra.constructs.topics import Topics
from infra.nag import acknowledge_findings
from infra.names import STACK_ID  # noqa: F401  (the CLI's stack id, re-exported)


def stack_name(config: ResponderConfig) -> str:
    return f"runbook-responder-{config.stage}"


class RunbookResponderStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: ResponderConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        retention = logs.RetentionDays[LOG_RETENTION[config.log_retention_days]]

        key = ResponderKey(self, "Encryption").key
        topics = Topics(self, "Topics", key=key, emails=config.alert_emails)
        table = IncidentTable(self, "Incidents", deletion_protection=config.deletion_protection).table
        queues = DeadLetterQueues(self, "DeadLetters")
        secrets = ResponderSecrets(self, "Secrets")
        bucket = PostmortemBucket(self, "Postmortems", key=key, retain=config.deletion_protection).bucket
        roster = RosterParameter(self, "Roster", roster=config.roster, parameter_name=config.roster_parameter)
        status_page = StatusPageSite(self, "StatusPage", retain=config.deletion_protection)

        functions = ResponderFunctions(
            self,
            "Functions",
            config=config,
            table=table,
            topics=topics,
            slack_webhook=secrets.slack_webhook,
            action_signing=secrets.action_signing,
            slack_signing=secrets.slack_signing,
            api_signing=secrets.api_signing,
            slack_bot_token=secrets.slack_bot_token,
            roster=roster.parameter,
            postmortems=bucket,
            intake_failures=queues.intake_failures,
        )
        functions.subscribe_intake(topics.intake, queues.delivery_failures)
        functions.add_status_page(table, status_page, queues.delivery_failures)

        escalation = EscalationStateMachine(
            self,
            "Escalation",
            table=table,
            step_function=functions.escalation_step,
            ops_topic=topics.ops,
            log_retention=retention,
        )
        functions.grant_escalation(escalation.state_machine)

        api = ActionsApi(self, "ActionsApi", handler=functions.actions, log_retention=retention)
        functions.set_action_base_url(api.url)

        service_alarms = [
            ServiceAlarms(
                self, f"Alarms-{service.name}", service=service, intake_topic=topics.intake, stage=config.stage
            )
            for service in config.services
        ]
        InfoSignals(
            self,
            "InfoSignals",
            services=config.services,
            intake=functions.intake,
            dead_letter_queue=queues.delivery_failures,
        )
        monitoring = SelfMonitoring(
            self,
            "SelfMonitoring",
            functions=functions.all,
            queues=queues.all,
            state_machine=escalation.state_machine,
            ops_topic=topics.ops,
            intake_topic=topics.intake,
            synthetic_test=config.synthetic_test,
            schedule_dead_letter_queue=queues.delivery_failures,
        )
        ResponderDashboard(
            self,
            "Dashboard",
            services=config.services,
            stage=config.stage,
            functions=functions.all,
            queues=queues.all,
            state_machine=escalation.state_machine,
            alarms=[
                *monitoring.alarms,
                *(alarm for group in service_alarms for alarm in group.alarms.values()),
            ],
        )

        Tags.of(self).add("project", "runbook-responder")
        Tags.of(self).add("stage", config.stage)
        acknowledge_findings(self, sorted({service.log_group for service in config.services if service.log_group}))

        outputs = {
            "IntakeTopicArn": topics.intake.topic_arn,
            "OpsTopicArn": topics.ops.topic_arn,
            "IncidentTableName": table.table_name,
            "EscalationStateMachineArn": escalation.state_machine.state_machine_arn,
            "ActionsUrl": api.url,
            "SlackWebhookSecretArn": secrets.slack_webhook.secret_arn,
            "ActionSigningSecretArn": secrets.action_signing.secret_arn,
            "SlackSigningSecretArn": secrets.slack_signing.secret_arn,
            "ApiSigningSecretArn": secrets.api_signing.secret_arn,
            "SlackBotTokenSecretArn": secrets.slack_bot_token.secret_arn,
            "RosterParameterName": roster.parameter.parameter_name,
            "StatusPageUrl": status_page.url,
            "PostmortemBucketName": bucket.bucket_name,
            "IntakeFailuresQueueUrl": queues.intake_failures.queue_url,
            "DeliveryFailuresQueueUrl": queues.delivery_failures.queue_url,
            "IntakeFunctionName": functions.intake.function_name,
        }
        for name, value in outputs.items():
            CfnOutput(self, name, value=value)
