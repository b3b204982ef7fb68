"""What CloudWatch says about an incident's alarms now: the re-evaluation at a window's end (D14)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from functions.intake.signal import AlarmState
from functions.observability import logger

DESCRIBE_LIMIT = 100  # DescribeAlarms takes at most 100 names


class AlarmStates:
    def __init__(self, cloudwatch: Any) -> None:
        self._cloudwatch = cloudwatch

    def __call__(self, names: list[str]) -> dict[str, AlarmState]:
        """Current state per alarm CloudWatch knows; {} when it cannot be asked (the incident's own record decides)."""
        if not names:
            return {}
        try:
            response = self._cloudwatch.describe_alarms(
                AlarmNames=names[:DESCRIBE_LIMIT], AlarmTypes=["MetricAlarm", "CompositeAlarm"]
            )
        except (ClientError, BotoCoreError) as error:
            logger.warning("could not read alarm states; using the incident's record", extra={"error": str(error)})
            return {}
        alarms = [*response.get("MetricAlarms", []), *response.get("CompositeAlarms", [])]
        return {alarm["AlarmName"]: AlarmState(alarm["StateValue"]) for alarm in alarms}
