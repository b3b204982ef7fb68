"""The escalation clock's Step Functions side: start, replace and stop an incident's execution.

The state machine only waits and calls the step; what it waits for is computed by
`functions.escalation.schedule` at every wake-up.
"""

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from functions.escalation.schedule import asl_timestamp
from functions.incident import Incident


class EscalationInput(BaseModel, defer_build=True):
    """The execution input: which incident, which generation, when to wake first."""

    incident_id: str
    generation: int
    next_at: str


def execution_name(incident: Incident) -> str:
    return f"{incident.id}-g{incident.escalation_generation}"


class Escalator:
    """Starts, replaces and stops the incident's escalation execution."""

    def __init__(self, stepfunctions: Any, state_machine_arn: str) -> None:
        self._sfn = stepfunctions
        self._arn = state_machine_arn

    def start(self, incident: Incident, now: datetime | None = None) -> Incident:
        """Idempotent: the execution is named after the incident and generation."""
        if not self._arn:
            return incident
        first = now or incident.updated_at
        payload = EscalationInput(
            incident_id=incident.id, generation=incident.escalation_generation, next_at=asl_timestamp(first, now=True)
        )
        name = execution_name(incident)
        try:
            response = self._sfn.start_execution(stateMachineArn=self._arn, name=name, input=payload.model_dump_json())
            arn = response["executionArn"]
        except ClientError as error:
            if error.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise
            arn = self._execution_arn(name)
        return incident.model_copy(update={"escalation_execution": arn})

    def reschedule(self, incident: Incident, previous_execution: str | None, now: datetime) -> Incident:
        """A new generation wakes at the new schedule; the old one is stopped (and would stand down)."""
        started = self.start(incident, now)
        self.stop_execution(previous_execution, "rescheduled")
        return started

    def stop_execution(self, execution_arn: str | None, cause: str) -> None:
        if not self._arn or not execution_arn:
            return
        try:
            self._sfn.stop_execution(executionArn=execution_arn, cause=cause)
        except ClientError as error:
            if error.response["Error"]["Code"] not in {"ExecutionDoesNotExist", "ValidationException"}:
                raise

    def _execution_arn(self, name: str) -> str:
        return self._arn.replace(":stateMachine:", ":execution:") + f":{name}"
