"""First response end to end: one P0 alarm in → Initial Notification published → escalation started.

Seeds the service-down world in the embedded AWS (`local.seed.seed_world` inside
`local.world.local_world`, the health endpoint's URL set in SERVICES as `responder replay`
does), points ESCALATION_STATE_MACHINE_ARN at a real moto state machine (a minimal Standard
machine, one Pass state: only StartExecution has to succeed, the ladder itself is not played),
and adds a fixed latency to EVERY AWS call the intake makes (`benchmarks/diagnostics.py`'s
`CallMeter`: a botocore `before-send` hook on the boto3 Session the handler's clients are built
from). Then times ONE delivery of `events/service-down.sns.alarm.json` through the real intake
handler, cold: the container's boto3 clients are created inside the timing, as after a cold start.

    aws_calls             API calls the delivery made (by service.operation below)
    first_response_s      handler wall time: event in → initial published → escalation started
    initial_published_s   when the Initial Notification's SNS Publish returned
    escalation_started_s  when StartExecution returned
    serial_s              aws_calls × latency: what one-call-after-another would cost
    ratio                 first_response_s / serial_s
    longest_chain         the longest run of calls that did not overlap in time (any thread): the
                          floor the latency puts under the first response

    .venv/bin/python benchmarks/first_response.py [--latency-ms 100] [--warm] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling benchmarks, run as script or -m

from diagnostics import CallMeter, Measurement, measure

ROOT = Path(__file__).resolve().parent.parent
EVENT = ROOT / "events" / "service-down.sns.alarm.json"
PASS_MACHINE = json.dumps(
    {
        "Comment": "benchmark stand-in for the escalation ladder: StartExecution only has to succeed",
        "StartAt": "Hold",
        "States": {"Hold": {"Type": "Pass", "End": True}},
    }
)


@dataclass
class Call:
    operation: str
    thread: str
    started: float
    ended: float | None = None


@dataclass
class CallLog:
    """Which thread made which call, and when: enough to find the chain of calls that had to be serial."""

    origin: float = 0.0
    calls: list[Call] = field(default_factory=list)
    _open: dict[tuple[int, str], Call] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    marks: dict[str, float] = field(default_factory=dict)
    recording: bool = False

    def install(self, session: Any) -> None:
        session.events.register("before-call", self._before)
        session.events.register("after-call", self._after)

    def reset(self) -> None:
        with self._lock:
            self.origin = time.perf_counter()
            self.calls.clear()
            self._open.clear()
            self.marks.clear()
            self.recording = True

    def stop(self) -> None:
        with self._lock:
            self.recording = False

    def _before(self, model: Any = None, **_: Any) -> None:
        operation = f"{model.service_model.service_name}.{model.name}" if model else "?"
        call = Call(operation, threading.current_thread().name, time.perf_counter() - self.origin)
        with self._lock:
            if not self.recording:
                return
            self.calls.append(call)
            self._open[(threading.get_ident(), operation)] = call

    def _after(self, model: Any = None, **_: Any) -> None:
        operation = f"{model.service_model.service_name}.{model.name}" if model else "?"
        now = time.perf_counter() - self.origin
        with self._lock:
            if not self.recording:
                return
            call = self._open.pop((threading.get_ident(), operation), None)
            if call is not None:
                call.ended = now
            if operation == "sns.Publish":
                self.marks.setdefault("initial_published_s", now)
            if operation == "stepfunctions.StartExecution":
                self.marks.setdefault("escalation_started_s", now)

    def by_thread(self) -> dict[str, list[Call]]:
        threads: dict[str, list[Call]] = {}
        for call in self.calls:
            threads.setdefault(call.thread, []).append(call)
        return threads

    def longest_chain(self) -> list[str]:
        """The longest run of calls that did not overlap in time, whatever thread made them.

        With a fixed latency on every call, calls that overlap ran concurrently; a call that started
        after another ended may have waited for it. The longest such run is the floor the latency
        puts under the first response (it is what parallelising more could not shorten).
        """
        calls = sorted(self.calls, key=lambda c: c.started)
        ends = [c.ended if c.ended is not None else c.started for c in calls]
        best: list[int] = []
        before: list[int | None] = []
        for i, call in enumerate(calls):
            options = [j for j in range(i) if ends[j] <= call.started]
            previous = max(options, key=lambda j: best[j], default=None)
            best.append(1 + (best[previous] if previous is not None else 0))
            before.append(previous)
        if not calls:
            return []
        index: int | None = max(range(len(calls)), key=lambda i: (best[i], -ends[i]))
        chain: list[str] = []
        while index is not None:
            call = calls[index]
            thread = "" if call.thread == threading.main_thread().name else f"[{call.thread}] "
            chain.append(f"{thread}{call.operation}")
            index = before[index]
        return chain[::-1]


def _state_machine(clients: Any) -> str:
    arn: str = clients.stepfunctions.create_state_machine(
        name="runbook-responder-escalation-benchmark",
        definition=PASS_MACHINE,
        roleArn="arn:aws:iam::123456789012:role/runbook-responder-escalation-benchmark",
        type="STANDARD",
    )["stateMachineArn"]
    return arn


def first_response_benchmark(
    latency_ms: float = 100.0, event_path: Path = EVENT, warm: bool = False
) -> tuple[Measurement, CallLog, dict[str, Any]]:
    import boto3

    from functions import container
    from functions.aws import AwsClients
    from functions.handlers.alarm_intake import handler
    from functions.intake.parse import parse_event
    from functions.intake.signal import Signal
    from functions.scenarios import classify
    from functions.services import DEFAULT_SERVICES
    from local.lambda_context import FakeLambdaContext
    from local.seed import seed_world, with_overrides
    from local.seed_health import stop_health_servers
    from local.virtual_clock import VirtualClock
    from local.world import REGION, environment, local_world

    event = json.loads(event_path.read_text(encoding="utf-8"))
    signal = parse_event(event)[0]
    if not isinstance(signal, Signal):
        raise SystemExit(f"{event_path}: {signal.reason}")
    clock = VirtualClock(signal.occurred_at + timedelta(seconds=1))
    with clock.installed(), local_world() as world:
        try:
            scenario = classify(signal, DEFAULT_SERVICES).scenario
            seeded = [with_overrides(s, seed_world(world.clients, s, scenario, clock.now())) for s in world.services]
            env = {
                "SERVICES": json.dumps([s.model_dump(mode="json") for s in seeded]),
                "ESCALATION_STATE_MACHINE_ARN": _state_machine(world.clients),
            }
            session = boto3.Session(region_name=REGION)
            meter = CallMeter(latency_ms / 1000)
            meter.install(session)
            log = CallLog()
            log.install(session)
            metered = cache(lambda: AwsClients(session))
            with environment(env), mock.patch.object(container, "clients", metered):
                container.reset()
                container.responder()  # the module-level init a cold start does before the first event
                if warm:
                    clients = container.clients()
                    for name in ("dynamodb", "sns", "stepfunctions", "secretsmanager", "sqs"):
                        getattr(clients, name)
                log.reset()
                measurement = measure(lambda: handler(event, FakeLambdaContext(function_name="alarm-intake")), meter)
                log.stop()
                outcome = measurement.result["results"][0]
                incident = container.store().get(outcome["incident_id"]) if outcome.get("incident_id") else None
                details = {
                    "result": outcome.get("result"),
                    "severity": incident.severity.value if incident else None,
                    "escalation_execution": incident.escalation_execution if incident else None,
                    "findings": [(f["check"], f["status"], f.get("duration_ms")) for f in incident.findings]
                    if incident
                    else [],
                    "initial_channels": sorted(m.channel for m in world.delivered() if m.kind == "initial"),
                }
                container.reset()
        finally:
            stop_health_servers()
    return measurement, log, details


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=100.0, help="latency added to every AWS call")
    parser.add_argument("--event", type=Path, default=EVENT, help="the alarm to deliver")
    parser.add_argument("--warm", action="store_true", help="create the boto3 clients before timing")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args(argv)

    from local.cli import _quiet_runtime_logs

    _quiet_runtime_logs(False)
    with contextlib.redirect_stdout(sys.stderr):  # the handler's metrics/log lines are not the report
        measurement, log, details = first_response_benchmark(args.latency_ms, args.event, args.warm)
    chain = log.longest_chain()
    figures: dict[str, Any] = {
        **measurement.figures(),
        "latency_ms": args.latency_ms,
        "initial_published_s": round(log.marks.get("initial_published_s", float("nan")), 3),
        "escalation_started_s": round(log.marks.get("escalation_started_s", float("nan")), 3),
        "longest_chain_calls": len(chain),
        "longest_chain_floor_s": round(len(chain) * args.latency_ms / 1000, 3),
        "operations": dict(sorted(measurement.operations.items(), key=lambda item: (-item[1], item[0]))),
        "calls_by_thread": {thread: len(calls) for thread, calls in sorted(log.by_thread().items())},
        "warm_clients": args.warm,
        "result": details["result"],
    }
    if args.json:
        print(json.dumps(figures | {"longest_chain": chain}))
        return 0 if details["result"] == "opened" else 1
    start = "warm clients" if args.warm else "cold clients (creation timed)"
    print(f"first response: {args.event.name}, {args.latency_ms:g} ms added to every AWS call, {start}")
    print("  escalation: a minimal Standard state machine in moto (one Pass state); StartExecution is real")
    print(
        f"  result                {details['result']} at {details['severity']}; "
        f"initial on {', '.join(details['initial_channels'])}"
    )
    print(f"  aws_calls             {figures['aws_calls']}")
    print(f"  initial_published_s   {figures['initial_published_s']:.3f}")
    print(f"  escalation_started_s  {figures['escalation_started_s']:.3f}")
    print(f"  first_response_s      {figures['first_response_s']:.3f} (handler returned)")
    print(f"  serial_s              {figures['serial_s']:.3f}")
    print(f"  ratio                 {figures['ratio']:.2f} (first response / serial)")
    floor = figures["longest_chain_floor_s"]
    print(f"  longest chain         {len(chain)} calls → at least {floor:.1f} s at this latency")
    print("  calls by operation:")
    for operation, count in figures["operations"].items():
        print(f"    {count:3d}  {operation}")
    print("  calls by thread:     " + ", ".join(f"{t} ×{n}" for t, n in figures["calls_by_thread"].items()))
    print("  the chain, in order:")
    for step in chain:
        print(f"    {step}")
    print("  diagnostics:         " + ", ".join(f"{c} {s} {ms} ms" for c, s, ms in details["findings"]))
    return 0 if details["result"] == "opened" else 1


if __name__ == "__main__":
    raise SystemExit(main())
