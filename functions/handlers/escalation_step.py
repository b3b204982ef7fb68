"""Escalation step Lambda, invoked by the state machine at each wake-up.

In: `{"incident_id", "generation"}`. Out: `{"done": bool, "next_at": "YYYY-MM-DDTHH:MM:SSZ" | null}`.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from functions import container
from functions.observability import logger, metrics


class StepRequest(BaseModel, defer_build=True):
    incident_id: str
    generation: int


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = StepRequest.model_validate(event)
    logger.append_keys(incident_id=request.incident_id)
    result = container.escalation_runner().run(request.incident_id, request.generation)
    metrics.add_metric(name="EscalationWakeups", unit=MetricUnit.Count, value=1)
    return result.model_dump()
