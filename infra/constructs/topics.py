"""The responder's SNS topics: intake, one per severity, one per escalation level, and ops."""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from functions.policy import Level, Severity


class Topics(Construct):
    """All topics are KMS-encrypted and refuse non-TLS publishers (`enforce_ssl`)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, key: kms.IKey, emails: dict[str, tuple[str, ...]]
    ) -> None:
        super().__init__(scope, construct_id)
        prefix = Stack.of(self).stack_name
        self.intake = self._topic("Intake", f"{prefix}-intake", "Alarms and test alarms for the responder", key)
        self.by_severity: dict[Severity, sns.ITopic] = {
            severity: self._topic(
                f"Notify{severity.value}", f"{prefix}-notify-{severity.value}", f"{severity.value} notifications", key
            )
            for severity in Severity
        }
        self.by_level: dict[Level, sns.ITopic] = {
            level: self._topic(f"Page{level.value}", f"{prefix}-page-{level.value}", f"{level.value} pages", key)
            for level in Level
        }
        self.ops = self._topic("Ops", f"{prefix}-ops", "The responder's own health", key)
        for topic in (self.intake, self.ops):
            self._allow_cloudwatch_alarms(topic)
        self._subscribe(emails)

    @property
    def notification_and_page_topics(self) -> list[sns.ITopic]:
        return [*self.by_severity.values(), *self.by_level.values()]

    def _topic(self, construct_id: str, name: str, display: str, key: kms.IKey) -> sns.Topic:
        return sns.Topic(
            self, construct_id, topic_name=name, display_name=display[:100], master_key=key, enforce_ssl=True
        )

    def _allow_cloudwatch_alarms(self, topic: sns.Topic) -> None:
        """Alarm actions publish as the CloudWatch service; only this account's alarms may."""
        stack = Stack.of(self)
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowThisAccountsCloudWatchAlarms",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(
                            service="cloudwatch",
                            resource="alarm",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    },
                },
            )
        )

    def _subscribe(self, emails: dict[str, tuple[str, ...]]) -> None:
        by_key: dict[str, sns.ITopic] = {
            "ops": self.ops,
            **{severity.value: topic for severity, topic in self.by_severity.items()},
            **{level.value: topic for level, topic in self.by_level.items()},
        }
        for key, addresses in sorted(emails.items()):
            for address in addresses:
                by_key[key].add_subscription(subscriptions.EmailSubscription(address))
