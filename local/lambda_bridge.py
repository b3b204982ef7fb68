"""moto without Docker never runs a Lambda's code: its invokes are routed to the project's handlers.

Every invoke path (the Step Functions task, a direct or asynchronous `Invoke`) goes through
`LambdaSimpleBackend.invoke` (moto 5.2.5, pinned in pyproject.toml); the bridge replaces it with
a call of the function's handler in process, as the Lambda runtime would make it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from moto.awslambda_simple.models import LambdaSimpleBackend

from local.lambda_runtime import invoke_handler


class LambdaBridge:
    """Function name → the project's handler, called in process like the Lambda runtime would."""

    def __init__(self) -> None:
        self.handlers: dict[str, str] = {}
        self.invocations: list[str] = []
        self.after_each: list[Callable[[], None]] = []  # what AWS does after a function ran (streams)

    def register(self, function_name: str, handler_path: str) -> None:
        self.handlers[function_name] = handler_path

    def invoke(self, function_name: str, body: Any, response_headers: dict[str, str]) -> bytes:
        name = function_name.split(":function:")[-1].split(":")[0]
        self.invocations.append(name)
        event = json.loads(body) if isinstance(body, str | bytes) and body else {}
        try:
            result = invoke_handler(self.handlers[name], event, name)
        except Exception as error:  # the Lambda runtime reports it as a function error, so do we
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": type(error).__name__, "errorMessage": str(error)}).encode()
        finally:
            for hook in self.after_each:
                hook()
        return json.dumps(result, default=str).encode()


@contextmanager
def bridged_lambda(bridge: LambdaBridge) -> Iterator[None]:
    original_invoke = LambdaSimpleBackend.invoke

    def invoke(self: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any) -> bytes:
        return bridge.invoke(function_name, body, response_headers)

    LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]
    try:
        yield
    finally:
        LambdaSimpleBackend.invoke = original_invoke  # type: ignore[method-assign]
