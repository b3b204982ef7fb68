"""Hand a person's command to the intake: an asynchronous invoke, so Slack's 3-second limit holds.

The intake runs the first response (diagnostics, channel, notification, ladder) on its own time;
Lambda retries an asynchronous invoke twice and the intake's failure destination keeps what fails.
"""

from __future__ import annotations

import json
from typing import Any


class IntakeUnavailable(RuntimeError):
    """The intake could not be reached: nothing was declared."""


class IntakeSubmitter:
    def __init__(self, lambda_client: Any, function_name: str) -> None:
        self._lambda = lambda_client
        self._function = function_name

    def submit(self, event: dict[str, Any]) -> None:
        if not self._function:
            raise IntakeUnavailable("the intake function is not configured (INTAKE_FUNCTION_NAME)")
        self._lambda.invoke(FunctionName=self._function, InvocationType="Event", Payload=json.dumps(event).encode())
