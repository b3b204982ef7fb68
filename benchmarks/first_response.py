"""First response end to end: one P0 alarm in → notifications out → the first page to a person.

Seeds the service-down world in the embedded AWS (`local.seed.seed_world` inside
`local.world.local_world`, the health endpoint's URL set in SERVICES as `responder replay`
does), installs the escalation state machine CDK synthesizes (its step Lambda runs through the
local bridge, its waits in real time), and adds a fixed latency to EVERY call the first response
makes: the AWS calls (`benchmarks/diagnostics.py`'s `CallMeter`, a botocore `before-send` hook on
the botocore Session the handlers' clients are built from) and the HTTP ones (Slack's Web API and
webhook, the health endpoint: `urllib.request.urlopen`). Then times ONE delivery of
`events/service-down.sns.alarm.json` through the real intake handler, cold: the container's
clients are created inside the timing, as after a cold start.

    aws_calls             AWS API calls the delivery made (by service.operation below)
    http_calls            the other network calls: Slack (channel, webhook), the health endpoint
    chain                 the longest run of calls that did not overlap in time (any thread): the
                          floor the latency puts under the first response
    first_response_s      the intake handler's wall time, event in → every first-response write done
    first_page_s          when the L1 page's SNS Publish returned (the escalation step's, not the intake's)
    initial_published_s   when the Initial Notification's SNS Publish returned
    escalation_started_s  when StartExecution returned
    serial_s              (aws_calls + http_calls) × latency: one call after another
    ratio                 first_response_s / serial_s (ratio_aws_only: against the AWS calls alone)

`--hang OPERATION` makes that call hang past the diagnostics budget (e.g. `rds.DescribeDBInstances`):
the checks give up on it at the budget; the first page must not wait for it.

    .venv/bin/python benchmarks/first_response.py [--latency-ms 100] [--warm] [--hang OP] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling benchmarks, run as script or -m

from diagnostics import CallMeter, Measurement, measure

ROOT = Path(__file__).resolve().parent.parent
EVENT = ROOT / "events" / "service-down.sns.alarm.json"
# These events name the runbook's sample service: the benchmark runs on the suite's own sample config,
# never on the user's responder.config.json (a team's own services would leave every sample unassigned).
SAMPLE_CONFIG = ROOT / "tests" / "fixtures" / "configs" / "sample.json"


@dataclass
class Call:
    operation: str
    thread: str
    started: float
    ended: float | None = None
    target: str = ""  # an SNS Publish's topic


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
        session.register("before-call", self._before)
        session.register("after-call", self._after)

    def begin(self, operation: str) -> Call | None:
        """A call that does not go through botocore (HTTP): logged by its wrapper."""
        with self._lock:
            if not self.recording:
                return None
            call = Call(operation, threading.current_thread().name, time.perf_counter() - self.origin)
            self.calls.append(call)
            return call

    def end(self, call: Call | None) -> None:
        if call is not None:
            call.ended = time.perf_counter() - self.origin

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

    def _before(self, model: Any = None, params: Any = None, **_: Any) -> None:
        operation = f"{model.service_model.service_name}.{model.name}" if model else "?"
        body = params.get("body") if isinstance(params, dict) else None  # SNS: a query-protocol form
        target = str(body.get("TopicArn", "")) if isinstance(body, dict) else ""
        call = Call(operation, threading.current_thread().name, time.perf_counter() - self.origin, target=target)
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
            if operation == "sns.Publish" and call is not None and "page-L1" in call.target:
                self.marks.setdefault("first_page_s", now)
            elif operation == "sns.Publish":
                self.marks.setdefault("initial_published_s", now)
            if operation == "stepfunctions.StartExecution":
                self.marks.setdefault("escalation_started_s", now)

    def by_thread(self) -> dict[str, list[Call]]:
        threads: dict[str, list[Call]] = {}
        for call in self.calls:
            threads.setdefault(call.thread, []).append(call)
        return threads

    def split(self) -> tuple[CallLog, CallLog]:
        """(the intake's calls, the escalation step's): the step runs in the state machine's
        execution thread (moto's `_exec_and_notify`) and the threads it starts."""
        intake, step = CallLog(origin=self.origin), CallLog(origin=self.origin)
        for call in self.calls:
            (step if "_exec_and_notify" in call.thread else intake).calls.append(call)
        return intake, step

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


@contextlib.contextmanager
def metered_http(log: CallLog, latency_s: float) -> Iterator[None]:
    """Slack's Web API and webhook, the health endpoint: loopback here, a round trip in AWS."""
    import urllib.request

    original = urllib.request.urlopen

    def urlopen(request: Any, *args: Any, **kwargs: Any) -> Any:
        url = request.full_url if hasattr(request, "full_url") else str(request)
        call = log.begin(_http_operation(url))
        time.sleep(latency_s)
        try:
            return original(request, *args, **kwargs)
        finally:
            log.end(call)

    with mock.patch("urllib.request.urlopen", urlopen):
        yield


def _http_operation(url: str) -> str:
    path = url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
    if path.startswith("api/"):
        return "slack." + path.removeprefix("api/")
    if path.startswith("services/"):
        return "slack.webhook"
    return "http." + (path.split("/", 1)[0] or "get")


class Hang:
    """One operation hangs until past the diagnostics budget, as a stuck AWS API does."""

    def __init__(self, operation: str | None, seconds: float) -> None:
        self.operation = operation
        self.seconds = seconds

    def install(self, session: Any) -> None:
        if self.operation:  # botocore names the event before-send.<service>.<Operation>
            session.register(f"before-send.{self.operation}", self._hang)

    def _hang(self, **_: Any) -> None:
        time.sleep(self.seconds)


def first_response_benchmark(
    latency_ms: float = 100.0, event_path: Path = EVENT, warm: bool = False, hang: str | None = None
) -> tuple[Measurement, CallLog, dict[str, Any]]:
    from functions import container
    from functions.aws import AwsClients, new_session
    from functions.handlers.alarm_intake import handler
    from functions.intake.parse import parse_event
    from functions.intake.signal import Signal
    from functions.scenarios import classify
    from infra.synth import synthesize_template
    from local.lambda_context import FakeLambdaContext
    from local.seed import seed_services
    from local.seed_health import stop_health_servers
    from local.stepfunctions import ExecutionDriver, VirtualScheduler, install_escalation
    from local.virtual_clock import VirtualClock
    from local.world import REGION, TABLE, environment, local_world

    event = json.loads(event_path.read_text(encoding="utf-8"))
    signal = parse_event(event)[0]
    if not isinstance(signal, Signal):
        raise SystemExit(f"{event_path}: not an alarm or AWS event ({type(signal).__name__})")
    template = synthesize_template({"config": str(SAMPLE_CONFIG)})
    budget = float(STACK_BUDGET_SECONDS)
    with local_world(config=SAMPLE_CONFIG) as world:
        driver = None
        try:
            found = classify(signal, world.services)
            now = datetime.now(UTC)  # real time: the state machine's first Wait is "now"
            seeded = seed_services(world.clients, world.services, now, broken=found.service, scenario=found.scenario)
            machine = install_escalation(world.clients, template, TABLE, world.topics, world.bridge)
            driver = ExecutionDriver(world.clients.stepfunctions, machine, VirtualScheduler(VirtualClock(now)))
            env = {
                "SERVICES": json.dumps([s.model_dump(mode="json") for s in seeded]),
                "ESCALATION_STATE_MACHINE_ARN": machine,
                "DIAGNOSTICS_BUDGET_SECONDS": str(budget),
            }
            event = _now(event)  # the alarm fired a second ago: its page is due at once
            session = new_session(REGION)
            meter = CallMeter(latency_ms / 1000)
            meter.install(session)
            log = CallLog()
            log.install(session)
            Hang(hang, budget + 2).install(session)
            metered = cache(lambda: AwsClients(session))
            with (
                environment(env),
                mock.patch.object(container, "clients", metered),
                metered_http(log, latency_ms / 1000),
            ):
                container.reset()
                container.responder()  # the module-level init a cold start does before the first event
                if warm:
                    clients = container.clients()
                    for name in ("dynamodb", "sns", "stepfunctions", "secretsmanager", "sqs"):
                        getattr(clients, name)
                log.reset()
                measurement = measure(lambda: handler(event, FakeLambdaContext(function_name="alarm-intake")), meter)
                _wait_for(lambda: "first_page_s" in log.marks, seconds=10)
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
            if driver is not None:
                driver.stop_all()
            stop_health_servers()
    return measurement, log, details


STACK_BUDGET_SECONDS = 10  # the stack's default diagnostics budget (infra/config.py)


def _now(event: dict[str, Any]) -> dict[str, Any]:
    """The sample alarm, fired one second ago."""
    moment = datetime.now(UTC) - timedelta(seconds=1)
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message["StateChangeTime"] = moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return event


def _wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=100.0, help="latency added to every call")
    parser.add_argument("--event", type=Path, default=EVENT, help="the alarm to deliver")
    parser.add_argument("--warm", action="store_true", help="create the boto3 clients before timing")
    parser.add_argument("--hang", metavar="OPERATION", help="this call hangs past the budget (rds.DescribeDBInstances)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args(argv)

    from local.cli import _quiet_runtime_logs

    _quiet_runtime_logs(False)
    with contextlib.redirect_stdout(sys.stderr):  # the handler's metrics/log lines are not the report
        measurement, log, details = first_response_benchmark(args.latency_ms, args.event, args.warm, args.hang)
    figures = report(measurement, log, details, args.latency_ms, args.warm, args.hang)
    if args.json:
        print(json.dumps(figures))
    else:
        print_report(figures, args.event.name)
    return 0 if details["result"] == "opened" else 1


def report(
    measurement: Measurement, log: CallLog, details: dict[str, Any], latency_ms: float, warm: bool, hang: str | None
) -> dict[str, Any]:
    intake, step = log.split()
    chain = intake.longest_chain()
    http = [call for call in intake.calls if call.operation.startswith(("slack.", "http."))]
    calls = len(intake.calls)
    serial = calls * latency_ms / 1000
    mark = log.marks.get
    return {
        "aws_calls": calls - len(http),
        "http_calls": len(http),
        "calls": calls,
        "chain": len(chain),
        "page_calls": len(step.calls),
        "page_chain": step.longest_chain(),
        "first_response_s": round(measurement.first_response_s, 3),
        "first_page_s": round(mark("first_page_s", float("nan")), 3),
        "initial_published_s": round(mark("initial_published_s", float("nan")), 3),
        "escalation_started_s": round(mark("escalation_started_s", float("nan")), 3),
        "serial_s": round(serial, 3),
        "ratio": round(measurement.first_response_s / serial, 3) if serial else None,
        "ratio_aws_only": round(measurement.first_response_s / ((calls - len(http)) * latency_ms / 1000), 3)
        if calls > len(http)
        else None,
        "latency_ms": latency_ms,
        "warm_clients": warm,
        "hang": hang,
        "operations": dict(sorted(Counter(c.operation for c in intake.calls).items(), key=lambda i: (-i[1], i[0]))),
        "longest_chain": chain,
        "result": details["result"],
        "severity": details["severity"],
        "findings": details["findings"],
        "initial_channels": details["initial_channels"],
    }


def print_report(figures: dict[str, Any], event: str) -> None:
    start = "warm clients" if figures["warm_clients"] else "cold clients (creation timed)"
    hang = f"; {figures['hang']} hangs past the budget" if figures["hang"] else ""
    print(f"first response: {event}, {figures['latency_ms']:g} ms added to every call, {start}{hang}")
    print("  escalation: the synthesized state machine in moto, its step Lambda through the local bridge")
    print(f"  result                {figures['result']} at {figures['severity']}; "
          f"initial on {', '.join(figures['initial_channels'])}")  # fmt: skip
    for key in ("aws_calls", "http_calls", "chain"):
        print(f"  {key:<21} {figures[key]}")
    for key in ("first_page_s", "initial_published_s", "escalation_started_s", "first_response_s", "serial_s"):
        print(f"  {key:<21} {figures[key]:.3f}")
    print(f"  ratio                 {figures['ratio']:.2f} (first response / serial; "
          f"{figures['ratio_aws_only']:.2f} against the AWS calls alone)")  # fmt: skip
    print("  calls by operation:")
    for operation, count in figures["operations"].items():
        print(f"    {count:3d}  {operation}")
    print("  the intake's longest chain, in order:")
    for step in figures["longest_chain"]:
        print(f"    {step}")
    print(f"  the escalation step, up to and after the first page ({figures['page_calls']} calls):")
    for step in figures["page_chain"]:
        print(f"    {step}")
    print("  diagnostics:         " + ", ".join(f"{c} {s} {ms} ms" for c, s, ms in figures["findings"]))


if __name__ == "__main__":
    raise SystemExit(main())
