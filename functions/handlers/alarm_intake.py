"""Intake Lambda: SNS / EventBridge / alarm-action events in, first response out.

Thin: parse → respond → report. A record that cannot be read is logged with its reason,
counted, and parked on the dead-letter queue; the rest of the batch is still handled.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import container
from functions.observability import SYNTHETIC_OPENED_METRIC, logger, metrics
from functions.triage import Outcome, Result, summarize

PARK_LIMIT_BYTES = 250_000
PARK_EXCERPT_CHARS = 20_000


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcomes = container.responder().handle_event(event)
    _park_rejected(outcomes, event)
    for result, count in summarize(outcomes).items():
        metrics.add_metric(name=f"Intake_{result}", unit=MetricUnit.Count, value=count)
    if any(_opened_synthetic(outcome) for outcome in outcomes):
        metrics.add_metric(name=SYNTHETIC_OPENED_METRIC, unit=MetricUnit.Count, value=1)
    return {"results": [outcome.model_dump(mode="json", exclude_none=True) for outcome in outcomes]}


def _opened_synthetic(outcome: Outcome) -> bool:
    service = outcome.classification.service if outcome.classification else None
    return outcome.result is Result.OPENED and container.settings().service(service).synthetic


def _park_rejected(outcomes: list[Outcome], event: dict[str, Any]) -> None:
    rejected = [outcome.reason for outcome in outcomes if outcome.result is Result.REJECTED and outcome.park]
    queue = container.settings().DEAD_LETTER_QUEUE_URL
    if not rejected or not queue:
        return
    body = json.dumps({"reasons": rejected, "event": event}, default=str)
    if len(body.encode()) > PARK_LIMIT_BYTES:  # SQS takes 256 KiB: park the reasons and the event's start
        excerpt = json.dumps(event, default=str)[:PARK_EXCERPT_CHARS]
        body = json.dumps({"reasons": rejected, "event": None, "event_excerpt": excerpt, "truncated": True})
    container.clients().sqs.send_message(QueueUrl=queue, MessageBody=body)
