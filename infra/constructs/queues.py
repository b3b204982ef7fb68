"""Dead-letter queues. Nothing is lost silently; docs/deploy.md shows how to redrive each one.

- `intake_failures`: the intake Lambda's asynchronous on-failure destination (records wrap the
  original event in `requestPayload`) and the records the intake itself could not read
  (`{"reasons": [...], "event": ...}`, sent through DEAD_LETTER_QUEUE_URL).
- `delivery_failures`: events that never reached the intake: the SNS subscription's redrive
  policy, the EventBridge rules' and the synthetic-test schedule's targets. Their bodies are the
  original SNS notification / EventBridge event, which the intake reads from an SQS record as is.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_sqs as sqs
from constructs import Construct


class DeadLetterQueues(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        prefix = Stack.of(self).stack_name
        self.intake_failures = self._queue("IntakeFailures", f"{prefix}-intake-failures")
        self.delivery_failures = self._queue("DeliveryFailures", f"{prefix}-delivery-failures")

    @property
    def all(self) -> list[sqs.IQueue]:
        return [self.intake_failures, self.delivery_failures]

    def _queue(self, construct_id: str, name: str) -> sqs.Queue:
        return sqs.Queue(
            self,
            construct_id,
            queue_name=name,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
            visibility_timeout=Duration.minutes(5),
        )
