"""CloudWatch helpers shared by the metric checks (one GetMetricData call per check)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from statistics import fmean
from typing import Any


@dataclass(frozen=True)
class Query:
    id: str
    namespace: str
    metric: str
    stat: str
    period: int = 60
    dimensions: Mapping[str, str] = field(default_factory=dict)

    def request(self) -> dict[str, Any]:
        return {
            "Id": self.id,
            "MetricStat": {
                "Metric": {
                    "Namespace": self.namespace,
                    "MetricName": self.metric,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in self.dimensions.items()],
                },
                "Period": self.period,
                "Stat": self.stat,
            },
            "ReturnData": True,
        }


Series = list[tuple[datetime, float]]


def window_end(now: datetime) -> datetime:
    """`now` rounded up to the whole minute, so the newest (partial) minute is included."""
    floor = now.replace(second=0, microsecond=0)
    return floor if floor == now else floor + timedelta(minutes=1)


def fetch(cloudwatch: Any, queries: Sequence[Query], start: datetime, end: datetime) -> dict[str, Series]:
    """Each query's datapoints, oldest first. Follows NextToken (pagination, not retries)."""
    series: dict[str, Series] = {query.id: [] for query in queries}
    request: dict[str, Any] = {
        "MetricDataQueries": [query.request() for query in queries],
        "StartTime": start,
        "EndTime": end,
        "ScanBy": "TimestampAscending",
    }
    while True:
        page = cloudwatch.get_metric_data(**request)
        for result in page.get("MetricDataResults", []):
            points = zip(result.get("Timestamps", []), result.get("Values", []), strict=False)
            series[result["Id"]].extend((ts, float(v)) for ts, v in points if v is not None)
        token = page.get("NextToken")
        if not token:
            break
        request["NextToken"] = token
    return {key: sorted(points) for key, points in series.items()}


def since(points: Series, start: datetime) -> list[float]:
    return [value for ts, value in points if ts >= start]


def mean_since(points: Series, start: datetime) -> float | None:
    values = since(points, start)
    return fmean(values) if values else None


def max_since(points: Series, start: datetime) -> float | None:
    values = since(points, start)
    return max(values) if values else None


def cli(query: Query, start: datetime, end: datetime, statistics: str | None = None) -> str:
    """The `aws cloudwatch get-metric-statistics` command that shows the same datapoints."""
    dimensions = " ".join(f"Name={k},Value={v}" for k, v in query.dimensions.items())
    stat = statistics or query.stat
    stat_flag = f"--extended-statistics {stat}" if stat.startswith("p") else f"--statistics {stat}"
    return (
        f"aws cloudwatch get-metric-statistics --namespace {query.namespace} --metric-name {query.metric}"
        + (f" --dimensions {dimensions}" if dimensions else "")
        + f" --start-time {start.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
        + f" --end-time {end.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
        + f" --period {query.period} {stat_flag}"
    )
