"""Where a storm delivery's time goes, per kind (opened, updated, duplicate, no-change).

The storm of `benchmarks/storm.py`, sequential, with two instruments around every delivery:

- every AWS call is timed (botocore's `_make_api_call`, on every thread: the first response's
  pool too) and counted per delivery, by service and operation, and so is every Slack call (Web
  API method, file upload, incoming webhook), which goes over HTTP to the local Slack;
- the intake thread is sampled every millisecond (pyinstrument), and each sample's time goes to
  the package that was running: moto's DynamoDB backend, moto's request handling (parsing the
  request, serializing the answer, for every service), botocore (the client's serialize, sign,
  parse and hooks), pydantic, powertools, `functions/`, `local/`, any other installed package by
  name, or waiting on the first response's threads. Standard-library time goes to the package
  that called it.

Sampling slows each delivery a little (about 10 %); the shares, not the milliseconds, are the
finding. `benchmarks/storm.py` prints the storm's own figures.

    .venv/bin/python benchmarks/storm_profile.py [--deliveries 1000] [--services 20] [--top 8] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.storm import plan_storm, run_storm  # noqa: E402

SAMPLE_INTERVAL_S = 0.001
FUNCTIONS = str(ROOT / "functions") + "/"
LOCAL = str(ROOT / "local") + "/"
BUCKETS = (
    ("/moto/dynamodb/", "moto DynamoDB backend"),
    ("/moto/", "moto request handling"),
    ("/werkzeug/", "moto request handling"),  # moto parses each request as a werkzeug one
    ("/xmltodict", "moto request handling"),
    ("/botocore/", "botocore client"),
    ("/boto3/", "botocore client"),
    ("/jmespath/", "botocore client"),
    ("/pydantic_core/", "pydantic"),
    ("/pydantic/", "pydantic"),
    ("/aws_lambda_powertools/", "powertools"),
    (FUNCTIONS, "functions/"),
    (LOCAL, "local/"),
)
WAITING = "waiting on first-response threads"
OTHER = "other"


def bucket_of(path: str | None) -> str | None:
    """The package a frame's file belongs to; None for the standard library (it inherits)."""
    if not path:
        return None
    for marker, bucket in BUCKETS:
        if marker in path:
            return bucket
    if "/site-packages/" in path:
        return path.split("/site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    return None


@dataclass
class KindProfile:
    seconds: list[float] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    call_seconds: Counter[str] = field(default_factory=Counter)
    buckets: Counter[str] = field(default_factory=Counter)
    ours: Counter[str] = field(default_factory=Counter)  # functions/ frames by self time
    sampled_s: float = 0.0

    def figures(self, top: int) -> dict[str, Any]:
        n = len(self.seconds)
        sampled = self.sampled_s or 1.0
        return {
            "deliveries": n,
            "mean_ms": round(statistics.fmean(self.seconds) * 1000, 2),
            "p50_ms": round(statistics.median(self.seconds) * 1000, 2),
            "calls_per_delivery": round(sum(self.calls.values()) / n, 2),
            "calls_ms_per_delivery": round(sum(self.call_seconds.values()) * 1000 / n, 2),
            "calls": {
                op: {"per_delivery": round(count / n, 2), "ms_each": round(self.call_seconds[op] * 1000 / count, 2)}
                for op, count in self.calls.most_common()
            },
            "share": {name: round(s / sampled, 3) for name, s in self.buckets.most_common()},
            "functions_top": {name: round(s * 1000 / n, 3) for name, s in self.ours.most_common(top)},
        }


class Profiles:
    def __init__(self) -> None:
        self.by_kind: dict[str, KindProfile] = defaultdict(KindProfile)
        self._calls: list[tuple[str, float]] = []
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def counting_calls(self) -> Iterator[None]:
        """Every AWS call (by service.operation) and every Slack call (by method), timed."""
        from botocore.client import BaseClient

        from functions.channel.slack_api import SlackWebApi
        from functions.notifications.channels import SlackChannel

        def aws_name(client: Any, operation: str, *_: Any) -> str:
            return f"{client.meta.service_model.service_name}.{operation}"

        with (
            mock.patch.object(BaseClient, "_make_api_call", self._timed(BaseClient._make_api_call, aws_name)),
            mock.patch.object(SlackWebApi, "call", self._timed(SlackWebApi.call, lambda _, m, *a, **k: f"slack.{m}")),
            mock.patch.object(SlackWebApi, "upload_bytes", self._timed(SlackWebApi.upload_bytes, "slack.upload")),
            mock.patch.object(SlackChannel, "send", self._timed(SlackChannel.send, "slack.webhook")),
        ):
            yield

    def _timed(self, real: Any, name: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                label = name if isinstance(name, str) else name(*args, **kwargs)
                with self._lock:
                    self._calls.append((label, time.perf_counter() - started))

        return timed

    def invoke(self, handler: Any) -> Any:
        from pyinstrument import Profiler

        def profiled(event: dict[str, Any], context: Any) -> dict[str, Any]:
            with self._lock:
                self._calls = []
            profiler = Profiler(interval=SAMPLE_INTERVAL_S, async_mode="disabled")
            started = time.perf_counter()
            profiler.start()
            try:
                answer: dict[str, Any] = handler(event, context)
            finally:
                profiler.stop()
            elapsed = time.perf_counter() - started
            kind = str((answer.get("results") or [{}])[0].get("result", "missing"))
            self._record(kind, elapsed, profiler)
            return answer

        return profiled

    def _record(self, kind: str, elapsed: float, profiler: Any) -> None:
        profile = self.by_kind[kind]
        profile.seconds.append(elapsed)
        with self._lock:
            calls = list(self._calls)
        for name, seconds in calls:
            profile.calls[name] += 1
            profile.call_seconds[name] += seconds
        session = profiler.last_session
        if session is None:
            return
        root = session.root_frame()
        if root is not None:
            _attribute(root, OTHER, profile)
            profile.sampled_s += root.time


def _attribute(frame: Any, inherited: str, profile: KindProfile) -> None:
    path = frame.file_path or ""
    bucket = bucket_of(path) or inherited
    if inherited in ("functions/", WAITING) and ("/threading.py" in path or "/concurrent/futures/" in path):
        bucket = WAITING  # the intake thread blocked on the first response's pool
    own = frame.total_self_time
    if own:
        profile.buckets[bucket] += own
        if path.startswith(FUNCTIONS):
            profile.ours[f"{path.removeprefix(str(ROOT) + '/')}:{frame.function}"] += own
    for child in frame.children:
        if not child.is_synthetic:
            _attribute(child, bucket, profile)


def profile_storm(deliveries: int, services: int, seed: int) -> Profiles:
    plan = plan_storm(deliveries, services, seed)
    profiles = Profiles()
    from functions.handlers.alarm_intake import handler

    with profiles.counting_calls():
        run_storm(plan, invoke=profiles.invoke(handler))
    return profiles


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--services", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--top", type=int, default=6, help="functions/ frames listed per kind (default 6)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args(argv)

    from local.cli import _quiet_runtime_logs

    _quiet_runtime_logs(False)
    with contextlib.redirect_stdout(sys.stderr):  # powertools prints metric sets on stdout
        profiles = profile_storm(args.deliveries, args.services, args.seed)
    figures = {kind: p.figures(args.top) for kind, p in sorted(profiles.by_kind.items())}
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"storm profile: {args.deliveries} deliveries, {args.services} services, seed {args.seed}, sequential")
    for kind, f in figures.items():
        print(f"\n{kind}: {f['deliveries']} deliveries, mean {f['mean_ms']} ms, p50 {f['p50_ms']} ms (sampled)")
        calls, ms = f["calls_per_delivery"], f["calls_ms_per_delivery"]
        print(f"  AWS and Slack   {calls} calls per delivery, {ms} ms in them (all threads; the mean is wall time)")
        for op, c in f["calls"].items():
            print(f"    {op:<40} {c['per_delivery']:>5} x {c['ms_each']:>7} ms")
        print("  intake thread   " + ", ".join(f"{name} {share:.0%}" for name, share in f["share"].items()))
        print("  functions/ self time per delivery (ms):")
        for name, ms in f["functions_top"].items():
            print(f"    {name:<70} {ms}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
