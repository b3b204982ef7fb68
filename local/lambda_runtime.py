"""Each function runs locally as Lambda runs it: with its own environment, in its own container.

The synthesized template gives every function its `Environment.Variables`; a variable whose value
is a `Ref`/`Fn::GetAtt`/`Fn::Join` names a resource of the stack, and the local world holds the same
resource under the same variable (`LocalWorld.env`). So a function's local environment is its
template's variables, each intrinsic one resolved to the local world's value of that variable,
plus the local adapters no deployed function has (the local Slack API's URL, powertools' dev
settings). A variable the template does not give the function is absent, as it is on AWS.

A container is what `functions.container` (and `settings()`) build from the environment and keep
with `functools.cache`. One process holds one container at a time: invoking another function is
its cold start (`container.reset()` under that function's environment); invoking the same one
again is a warm start. One function runs at a time (a re-entrant lock): the escalation step that
Step Functions invokes from the emulator's thread waits for the intake the replay is running, and
a nested invoke (the actions function handing a declaration to the intake) swaps the container
and swaps it back, as if each ran in its own sandbox.
"""

from __future__ import annotations

import importlib
import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from functions import container
from local.lambda_context import FakeLambdaContext

FUNCTION_TYPE = "AWS::Lambda::Function"
# What the local world adds that no deployed function has: endpoints and settings of the local stand-ins.
LOCAL_ADAPTERS = ("SLACK_API_URL", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_DEV")
# Values the local world rewrites after it is built (the seeded services carry loopback health URLs).
LOCAL_OVERRIDES = ("SERVICES",)


@dataclass(frozen=True)
class TemplateFunction:
    logical_id: str
    handler: str
    role: str  # the role's logical id
    environment: dict[str, Any]  # as synthesized: literals and intrinsics


def template_functions(template: Mapping[str, Any]) -> dict[str, TemplateFunction]:
    """The stack's own functions (handlers under functions/), by handler path."""
    found: dict[str, TemplateFunction] = {}
    for logical_id, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        handler = str(properties.get("Handler", ""))
        if resource["Type"] != FUNCTION_TYPE or not handler.startswith("functions."):
            continue
        role = properties["Role"]
        role_id = role["Fn::GetAtt"][0] if isinstance(role, dict) and "Fn::GetAtt" in role else str(role)
        variables = dict(properties.get("Environment", {}).get("Variables", {}))
        found[handler] = TemplateFunction(logical_id, handler, role_id, variables)
    return found


def is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict)


def function_environment(function: TemplateFunction, world_env: Mapping[str, str]) -> dict[str, str]:
    """The function's template environment in the local world (see the module's docstring)."""
    environment: dict[str, str] = {}
    for name, value in function.environment.items():
        if is_intrinsic(value) or name in LOCAL_OVERRIDES:
            if name not in world_env:
                raise KeyError(f"{function.logical_id}: the local world has no value for {name} ({json.dumps(value)})")
            environment[name] = world_env[name]
        else:
            environment[name] = str(value)
    environment.update({name: world_env[name] for name in LOCAL_ADAPTERS if name in world_env})
    return environment


class LocalLambdas:
    """Runs handlers by handler path, each function with its template's environment (module docstring)."""

    def __init__(self, template: Mapping[str, Any], world_env: Mapping[str, str]) -> None:
        self.functions = template_functions(template)
        self.world_env = dict(world_env)
        self.environments = {path: function_environment(f, world_env) for path, f in self.functions.items()}
        self._managed = set(world_env) | {name for env in self.environments.values() for name in env}
        self._lock = threading.RLock()
        self._loaded: str | None = None
        self._running: list[str] = []
        self.cold_starts: list[str] = []  # handler paths, in order
        self.on_cold_start: list[Callable[[str], None]] = []

    def run(self, handler_path: str, event: Any, function_name: str | None = None) -> Any:
        module_name, _, attribute = handler_path.rpartition(".")
        handler = getattr(importlib.import_module(module_name), attribute)
        context = FakeLambdaContext(function_name=function_name or self.functions[handler_path].logical_id)
        with self._lock:
            outer = self.running  # a function invoking this one in process (the actions handing work to the intake)
            self._load(handler_path)
            self._running.append(handler_path)
            try:
                return handler(event, context)
            finally:
                self._running.pop()
                if outer is not None:
                    self._load(outer)  # back in the caller's sandbox (a cold start there: the cache is per process)

    @property
    def running(self) -> str | None:
        """The handler path of the function running now (the innermost, when one invokes another)."""
        return self._running[-1] if self._running else None

    def _load(self, handler_path: str) -> None:
        if handler_path == self._loaded:
            return  # a warm start: the container is still there
        if handler_path not in self.environments:
            raise KeyError(f"no function with handler {handler_path} in the template")
        for name in self._managed:
            os.environ.pop(name, None)
        os.environ.update(self.environments[handler_path])
        container.reset()
        self._loaded = handler_path
        self.cold_starts.append(handler_path)
        for hook in self.on_cold_start:
            hook(handler_path)

    @contextmanager
    def installed(self) -> Iterator[LocalLambdas]:
        """While installed, `invoke_handler` runs through here; on exit the process environment is restored."""
        global _active
        saved = {name: os.environ.get(name) for name in self._managed}
        previous, _active = _active, self
        try:
            yield self
        finally:
            _active = previous
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            self._loaded = None
            container.reset()


_active: LocalLambdas | None = None


def active() -> LocalLambdas | None:
    return _active


def invoke_handler(handler_path: str, event: Any, function_name: str) -> Any:
    """Run a handler as its function: through the installed `LocalLambdas`, else in the shared environment."""
    runtime = _active
    if runtime is not None and handler_path in runtime.functions:
        return runtime.run(handler_path, event)
    module_name, _, attribute = handler_path.rpartition(".")
    handler = getattr(importlib.import_module(module_name), attribute)
    return handler(event, FakeLambdaContext(function_name=function_name))
