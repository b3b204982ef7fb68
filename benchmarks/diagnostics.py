"""How long the first response's diagnostics take when every AWS call costs real latency.

Seeds the service-down world in an in-process moto, injects a fixed latency into every AWS API
call (a botocore `before-send` handler that sleeps, so retries pay it too), counts the calls
(`before-call`), and runs the scenario's checks through `run_checks`:

    aws_calls         API calls the checks made
    first_response_s  wall time of run_checks (client creation included: a cold start pays it)
    serial_s          aws_calls × latency: what one-call-after-another would cost
    ratio             first_response_s / serial_s (below 1: the concurrency pays off)

    .venv/bin/python -m benchmarks.diagnostics [--latency-ms 100] [--budget 10] [--json]

`CallMeter` and `measure` are reusable: install a meter on the botocore Session the code under test
builds its clients from, then `measure(lambda: ..., meter)` any action (e.g. event → notification).
"""

from __future__ import annotations

import argparse
import gc
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from botocore.session import Session
from moto import mock_aws

from functions.aws import AwsClients, new_session
from functions.diagnostics import CHECKS, CheckContext, Finding, run_checks
from functions.policy import RUNBOOK, Severity
from local.config import configured_services
from local.seed import seed_world, with_overrides
from local.seed_health import stop_health_servers

# These events name the runbook's sample service: the benchmark runs on the suite's own sample config,
# never on the user's responder.config.json (a team's own services would leave every sample unassigned).
SAMPLE_CONFIG = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "configs" / "sample.json"


@dataclass
class CallMeter:
    """Counts API calls and makes each HTTP attempt take `latency_s` longer, on one botocore Session."""

    latency_s: float
    calls: int = 0
    operations: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def install(self, session: Session) -> None:
        """Register on the session: clients created from it afterwards carry the hooks."""
        session.register("before-call", self._count)
        session.register("before-send", self._delay)

    def reset(self) -> None:
        with self._lock:
            self.calls = 0
            self.operations.clear()

    def _count(self, model: Any = None, **_: Any) -> None:
        with self._lock:
            self.calls += 1
            self.operations[f"{model.service_model.service_name}.{model.name}" if model else "?"] += 1

    def _delay(self, **_: Any) -> None:
        time.sleep(self.latency_s)  # returns None: the real (here: moto's) response still answers


@dataclass(frozen=True)
class Measurement:
    aws_calls: int
    first_response_s: float
    serial_s: float
    ratio: float
    operations: dict[str, int] = field(default_factory=dict)
    result: Any = None

    def figures(self) -> dict[str, float | int]:
        return {
            "aws_calls": self.aws_calls,
            "first_response_s": round(self.first_response_s, 3),
            "serial_s": round(self.serial_s, 3),
            "ratio": round(self.ratio, 3),
        }


def measure(action: Callable[[], Any], meter: CallMeter) -> Measurement:
    """Run `action` once, timing it and counting the AWS calls it makes through `meter`'s session.

    The collector is paused for the action: this process also holds moto's whole AWS and the local
    world (~550,000 objects), and one full collection of them inside the window cost 370-390 ms
    here, a pause a Lambda, whose heap holds its own objects only, never has. Whether it fell
    inside the window depended on how many objects the imports had made, not on the code measured.
    """
    meter.reset()
    gc.disable()  # no gc.collect() first: callers may have started their clocks already
    try:
        started = time.monotonic()
        result = action()
        elapsed = time.monotonic() - started
    finally:
        gc.enable()
    serial = meter.calls * meter.latency_s
    return Measurement(
        aws_calls=meter.calls,
        first_response_s=elapsed,
        serial_s=serial,
        ratio=elapsed / serial if serial else float("nan"),
        operations=dict(meter.operations),
        result=result,
    )


def diagnostics_benchmark(
    latency_ms: float = 100.0,
    budget_seconds: float = 10.0,
    scenario: str = "service-down",
    region: str = "us-east-1",
    warm: bool = False,
) -> Measurement:
    """Seed `scenario`'s world, then measure its checks under the injected latency.

    Cold (the default) counts the client creation a cold-started Lambda pays inside the
    first response; `warm` creates the clients first, as a warm container has them.
    """
    now = datetime.now(UTC)
    with mock_aws():
        try:
            seeding = AwsClients(new_session(region))
            [sample] = [s for s in configured_services(SAMPLE_CONFIG) if not s.synthetic]
            service = with_overrides(sample, seed_world(seeding, sample, scenario, now))
            session = new_session(region)
            meter = CallMeter(latency_ms / 1000)
            meter.install(session)
            clients = AwsClients(session)
            ctx = CheckContext(
                incident_id="benchmark",
                scenario=scenario,
                severity=Severity.P0,
                service=service,
                now=now,
                opened_at=now - timedelta(minutes=1),
            )
            checks = RUNBOOK.scenario(scenario).checks
            if warm:
                for name in {client for check in checks for client in CHECKS[check].clients}:
                    getattr(clients, name)
            return measure(lambda: run_checks(checks, ctx, clients, budget_seconds), meter)
        finally:
            stop_health_servers()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--latency-ms", type=float, default=100.0, help="latency added to every AWS call")
    parser.add_argument("--budget", type=float, default=10.0, help="run_checks budget in seconds")
    parser.add_argument("--scenario", default="service-down")
    parser.add_argument("--warm", action="store_true", help="create the boto3 clients before timing")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args(argv)
    measurement = diagnostics_benchmark(args.latency_ms, args.budget, args.scenario, warm=args.warm)
    if args.json:
        print(json.dumps(measurement.figures()))
        return 0
    findings: list[Finding] = measurement.result
    start = "warm clients" if args.warm else "cold clients (creation timed)"
    print(
        f"diagnostics: {args.scenario}, {len(findings)} checks, {args.latency_ms:g} ms added to every AWS call, {start}"
    )
    print(f"  aws_calls         {measurement.aws_calls}")
    print(f"  first_response_s  {measurement.first_response_s:.3f}")
    print(f"  serial_s          {measurement.serial_s:.3f}")
    print(f"  ratio             {measurement.ratio:.2f} (first response / serial)")
    for finding in findings:
        print(f"  {finding.check:22} {finding.status.value:8} {finding.duration_ms:5} ms  {finding.summary}")
    print("  calls: " + ", ".join(f"{op} ×{n}" for op, n in sorted(measurement.operations.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
