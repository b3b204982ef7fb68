"""Run the escalation state machine exactly as CDK synthesizes it, on moto, in virtual time.

Two small adapters bridge what the emulator cannot do here (local tooling only; the Lambda
code and the state machine are the deployed ones):

- **Lambda**: moto without Docker never runs function code; `local/lambda_bridge.py` routes its
  invokes to the project's own handler for that function (the `Handler` in the template).
- **Time**: moto's Wait states sleep in real time. `WaitFunction._eval_body` is replaced by a
  wait on the `VirtualScheduler`, which the replay advances from one due wake-up to the next,
  so a 12-hour ladder plays in seconds while every wait still comes from the execution input.

Pinned to moto 5.2.5 internals (pyproject.toml); tests/integration/test_local_stepfunctions.py
fails loudly if an upgrade moves them.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

from local.lambda_bridge import LambdaBridge, bridged_lambda
from local.virtual_clock import VirtualClock

SETTLE_TIMEOUT_SECONDS = 30.0
POLL_SECONDS = 0.002


class VirtualScheduler:
    """Wait states block here until virtual time reaches their wake-up."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self._cond = threading.Condition()
        self._waiting: dict[int, datetime] = {}

    def sleep_until(self, wake: datetime, still_running: Callable[[], bool]) -> None:
        me = threading.get_ident()
        with self._cond:
            self._waiting[me] = wake
            self._cond.notify_all()
            while self.clock.now() < wake and still_running():
                self._cond.wait(0.05)
            del self._waiting[me]
            self._cond.notify_all()

    def advance_to(self, moment: datetime) -> None:
        self.clock.advance_to(moment)
        with self._cond:
            self._cond.notify_all()

    def earliest_wake(self) -> datetime | None:
        with self._cond:
            return min(self._waiting.values(), default=None)

    def asleep(self) -> int:
        """Waiters whose wake-up is still in the future (woken ones are about to run)."""
        now = self.clock.now()
        with self._cond:
            return sum(1 for wake in self._waiting.values() if wake > now)


def _virtual_wait(scheduler: VirtualScheduler) -> Callable[[WaitFunction, Any], None]:
    def eval_body(self: WaitFunction, env: Any) -> None:
        if isinstance(self, Timestamp):
            self.string.eval(env=env)
            text = env.stack.pop()
            parsed = Timestamp._from_timestamp_string(text)
            if parsed is None:
                raise ValueError(f"Wait: {text!r} is not an ISO-8601 timestamp")
            wake = parsed.replace(tzinfo=UTC)
        else:
            wake = scheduler.clock.now() + timedelta(seconds=self._get_wait_seconds(env))
        scheduler.sleep_until(wake, env.is_running)

    return eval_body


@contextmanager
def virtual_waits(scheduler: VirtualScheduler) -> Iterator[None]:
    original_wait = WaitFunction._eval_body
    WaitFunction._eval_body = _virtual_wait(scheduler)  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        WaitFunction._eval_body = original_wait  # type: ignore[method-assign]


@contextmanager
def patched_moto(scheduler: VirtualScheduler, bridge: LambdaBridge) -> Iterator[None]:
    """Both adapters: Wait states on the virtual scheduler, Lambda invokes through the bridge."""
    with virtual_waits(scheduler), bridged_lambda(bridge):
        yield


class ExecutionDriver:
    """Moves virtual time forward only when every running execution is asleep in a Wait."""

    def __init__(self, stepfunctions: Any, state_machine_arn: str, scheduler: VirtualScheduler) -> None:
        self._sfn = stepfunctions
        self._arn = state_machine_arn
        self.scheduler = scheduler

    def running(self) -> int:
        """Read from moto's backend directly: polled every few ms, an API call each time would dominate."""
        from moto.stepfunctions.responses import get_backend

        account, region = self._arn.split(":")[4], self._arn.split(":")[3]
        machine = get_backend(account, region).describe_state_machine(self._arn)
        return sum(1 for execution in machine.executions if execution.status == "RUNNING")

    def settle(self) -> None:
        """Wait (in real time, briefly) until executions are all asleep or finished."""
        deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
        while self.running() > self.scheduler.asleep():
            if time.monotonic() > deadline:
                raise TimeoutError("an escalation execution neither waited nor finished within 30 s")
            time.sleep(POLL_SECONDS)

    def run_until(self, moment: datetime) -> None:
        """Play every wake-up due up to `moment`, in order, then set the clock to `moment`."""
        while True:
            self.settle()
            wake = self.scheduler.earliest_wake()
            if wake is None or wake > moment:
                self.scheduler.advance_to(moment)
                self.settle()
                return
            self.scheduler.advance_to(wake)

    def stop_all(self) -> None:
        for execution in self._sfn.list_executions(stateMachineArn=self._arn, statusFilter="RUNNING")["executions"]:
            self._sfn.stop_execution(executionArn=execution["executionArn"], cause="replay finished")
        self.scheduler.advance_to(self.scheduler.clock.now())
        deadline = time.monotonic() + 5
        while self.scheduler.earliest_wake() is not None and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)


LAMBDA_TYPE = "AWS::Lambda::Function"


def _zip_placeholder() -> bytes:
    """moto wants a code zip; the bridge runs the real handler from this checkout instead."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "code runs in process through local/stepfunctions.LambdaBridge")
    return buffer.getvalue()


def install_escalation(
    clients: Any, template: dict[str, Any], table: str, topics: dict[str, str], bridge: LambdaBridge
) -> str:
    """Create the template's functions and its state machine on moto; returns the state machine ARN."""
    from infra.asl import render_definition

    role = clients.client("iam").create_role(
        RoleName="runbook-responder-local",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    resources: dict[str, Any] = template["Resources"]
    function_arns: dict[str, str] = {}
    code = _zip_placeholder()
    for logical_id, resource in resources.items():
        if resource["Type"] != LAMBDA_TYPE or "Handler" not in resource["Properties"]:
            continue
        handler = resource["Properties"]["Handler"]
        if not handler.startswith("functions."):
            continue  # CDK's own helper functions (log retention, custom resources)
        created = clients.client("lambda").create_function(
            FunctionName=logical_id, Runtime="python3.13", Role=role, Handler=handler, Code={"ZipFile": code}
        )
        function_arns[logical_id] = created["FunctionArn"]
        bridge.register(logical_id, handler)

    def resolve(reference: dict[str, Any]) -> str:
        target = reference.get("Ref") or reference.get("Fn::GetAtt", [None])[0]
        if target == "AWS::Partition":
            return "aws"
        kind = resources.get(str(target), {}).get("Type")
        if kind == "AWS::DynamoDB::Table":
            return table
        if kind == LAMBDA_TYPE:
            return function_arns[str(target)]
        if kind == "AWS::SNS::Topic" and "Ops" in str(target):
            return topics["ops"]
        raise ValueError(f"the local replay cannot resolve {reference} in the state machine")

    definition = render_definition(template, resolve)
    machine = clients.stepfunctions.create_state_machine(
        name="runbook-responder-escalation", definition=json.dumps(definition), roleArn=role, type="STANDARD"
    )
    arn: str = machine["stateMachineArn"]
    return arn
