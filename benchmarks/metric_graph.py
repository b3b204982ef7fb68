"""The alarm's metric graph on the embedded AWS: PNG size and render time per alarm shape.

For one sample alarm of each kind (single metric, extended statistic, metric math, anomaly band,
hourly period) a day of per-minute datapoints is seeded in an in-process moto (the alarm's inputs,
crossing the threshold before the alarm). Then, `--runs` times each:

    bridge_ms   `local.metric_image.render`: parse the widget, aggregate moto's datapoints, draw, PNG
    graph_ms    `GraphMaker.render`: GetMetricWidgetImage through botocore + moto's serializer,
                then PutObject and the presigned URL: what the first response waits for locally
    png_bytes   the PNG CloudWatch's stand-in returned (CloudWatch's own are larger: anti-aliased)

Medians are printed. Local figures only: CloudWatch renders server-side, typically in about a second.

    .venv/bin/python -m benchmarks.metric_graph [--runs 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from moto import mock_aws
from moto.cloudwatch.models import cloudwatch_backends

from functions.aws import AwsClients
from functions.incident import Incident
from functions.intake.parse import parse_event
from functions.intake.signal import MetricRef, Signal
from functions.lifecycle import decide
from functions.notifications.graph import GraphMaker, graphed_alarm, metric_widget
from functions.scenarios import classify
from local.config import configured_services
from local.metric_image import metric_widget_images, render
from local.world import FAKE_CREDENTIALS, REGION, environment

SAMPLES = (
    "service-down.sns.alarm.json",  # HealthyHostCount Minimum, 1 min
    "performance-degradation.sns.alarm.json",  # TargetResponseTime p99, 1 min
    "high-error-rate.sns.alarm.json",  # 100*m2/m1 over two Sum metrics, 5 min
    "performance-degradation.eventbridge.alarm.json",  # p99 and its anomaly band, 5 min
    "error-budget.sns.alarm.json",  # burn rate over one-hour periods, a day shown
)
EVENTS = Path(__file__).resolve().parent.parent / "events"
# These events name the runbook's sample service: the benchmark runs on the suite's own sample config,
# never on the user's responder.config.json (a team's own services would leave every sample unassigned).
SAMPLE_CONFIG = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "configs" / "sample.json"
BUCKET = "benchmark-postmortems"
ACCOUNT = "123456789012"


def _incident(name: str, now: datetime) -> Incident:
    signal = parse_event(json.loads((EVENTS / name).read_text(encoding="utf-8")))[0]
    assert isinstance(signal, Signal)
    moved = signal.model_copy(update={"occurred_at": now - timedelta(minutes=20)})
    services = configured_services(SAMPLE_CONFIG)
    [sample] = [service for service in services if not service.synthetic]
    incident = decide(None, moved, classify(moved, services), sample, now).incident
    assert incident is not None
    return incident


def _refs(incident: Incident) -> list[MetricRef]:
    alarm = graphed_alarm(incident)
    assert alarm is not None and alarm.metric is not None
    metric = alarm.metric
    return [metric.metric] if metric.metric else [q.metric for q in metric.queries if q.metric]


def _seed(clients: AwsClients, refs: list[MetricRef], now: datetime) -> None:
    """A day per minute; the second metric (a math alarm's errors) jumps 25 minutes before the alarm."""
    for n, ref in enumerate(refs):
        data: list[dict[str, Any]] = []
        for minute in range(24 * 60, 0, -1):
            at = now - timedelta(minutes=minute)
            high = minute < 45
            value = (60.0 if high else 2.0) if n else (4.0 if high else 1.0)
            dims = [{"Name": k, "Value": v} for k, v in ref.dimensions.items()]
            data += [
                {"MetricName": ref.name, "Dimensions": dims, "Timestamp": at, "Value": value * s} for s in (0.5, 1)
            ]
        for first in range(0, len(data), 1000):
            clients.cloudwatch.put_metric_data(Namespace=ref.namespace, MetricData=data[first : first + 1000])


def _median_ms(action: Any, runs: int) -> tuple[float, Any]:
    timings, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), result


def measure(runs: int) -> list[dict[str, Any]]:
    figures = []
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    with environment(FAKE_CREDENTIALS), mock_aws(), metric_widget_images():
        clients = AwsClients()
        clients.s3.create_bucket(Bucket=BUCKET)
        maker = GraphMaker(clients.cloudwatch, clients.s3, BUCKET)
        backend = cloudwatch_backends[ACCOUNT][REGION]
        for name in SAMPLES:
            incident = _incident(name, now)
            _seed(clients, _refs(incident), now)
            alarm = graphed_alarm(incident)
            assert alarm is not None
            widget = json.dumps(metric_widget(alarm, alarm.since))
            bridge_ms, png = _median_ms(lambda w=widget: render(w, backend), runs)
            graph_ms, graph = _median_ms(lambda i=incident: maker.render(i), runs)
            figures.append(
                {
                    "sample": name,
                    "bridge_ms": round(bridge_ms, 1),
                    "graph_ms": round(graph_ms, 1),
                    "png_bytes": len(png),
                    "stored": graph is not None,
                }
            )
            backend.metric_data.clear()  # the next sample starts from an empty store
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = measure(args.runs)
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"metric graph, median of {args.runs} runs (800x400 PNG, a day of per-minute datapoints seeded)")
    for row in figures:
        timings = f"bridge {row['bridge_ms']:6.1f} ms  graph {row['graph_ms']:6.1f} ms"
        print(f"  {row['sample']:48} {timings}  {row['png_bytes']:6} B")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
