"""moto without Docker never runs a Lambda's code: its invokes are routed to the project's handlers.

Every invoke path (the Step Functions task, a direct or asynchronous `Invoke`) goes through
`LambdaSimpleBackend.invoke` (moto 5.2.5, pinned in pyproject.toml); the bridge replaces it with
a call of the function's handler in process, as the Lambda runtime would make it.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.awslambda_simple.models import LambdaSimpleBackend

from local.lambda_context import FakeLambdaContext


class LambdaBridge:
    """Function name → the project's handler, called in process like the Lambda runtime would."""

    def __init__(self) -> None:
        self.handlers: dict[str, str] = {}
        self.invocations: list[str] = []

    def register(self, function_name: str, handler_path: str) -> None:
        self.handlers[function_name] = handler_path

    def invoke(self, function_name: str, body: Any, response_headers: dict[str, str]) -> bytes:
        name = function_name.split(":function:")[-1].split(":")[0]
        self.invocations.append(name)
        module_name, _, attribute = self.handlers[name].rpartition(".")
        handler = getattr(importlib.import_module(module_name), attribute)
        event = json.loads(body) if isinstance(body, str | bytes) and body else {}
        try:
            result = handler(event, FakeLambdaContext(function_name=name))
        except Exception as error:  # the Lambda runtime reports it as a function error, so do we
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": type(error).__name__, "errorMessage": str(error)}).encode()
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
