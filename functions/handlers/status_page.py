"""Status page Lambda, fed by the incident table's DynamoDB stream.

In: a stream batch. Records of items other than the status page's are ignored (the event source
mapping filters them as well, but this function does not rely on it); a batch with any
status-page change regenerates the page once. An invocation without `Records` (after a deploy,
by hand) regenerates it too. A failure raises, so the stream retries the batch.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import clock, container
from functions.observability import logger, metrics
from functions.status_page.stream import is_stream_batch, status_page_changes


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    changes = status_page_changes(event) if is_stream_batch(event) else None
    metrics.add_metric(name="StatusPageBatches", unit=MetricUnit.Count, value=1)
    if changes == 0:
        return {"published": False}
    summary = container.status_page_publisher().publish(clock.now()).model_dump(mode="json")
    logger.info("status page published", extra={"changes": changes, **summary})
    metrics.add_metric(name="StatusPagePublished", unit=MetricUnit.Count, value=1)
    return {"published": True, **summary}
