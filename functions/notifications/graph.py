"""The alarm's metric as a picture for the first message: the MetricWidget CloudWatch renders
(`GetMetricWidgetImage`), stored as a PNG in the post-mortem bucket under a short-lived URL.

A graph never blocks a page: no metric, no bucket or any API error is logged and gives `None`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from functions.incident import Incident, MemberAlarm
from functions.intake.signal import AlarmMetric, MetricQuery, MetricRef
from functions.notifications.escape import escape_text
from functions.notifications.render import phrase
from functions.observability import logger
from functions.policy import RUNBOOK, Runbook

BEFORE = timedelta(hours=3)  # the normal the alarm broke away from
AFTER = timedelta(minutes=15)  # the alarm time sits near the right edge, with room for what follows
MIN_PERIODS = 24  # an hourly alarm shows a day, not three points
WIDTH, HEIGHT = 800, 400
SERIES_COLOUR = "#1f77b4"
THRESHOLD_COLOUR = "#d62728"
ALARM_COLOUR = "#ff7f0e"
TITLE_LIMIT = 90
# One hour: the P0 page's 15-minute acknowledgement window and its re-page, and P1's one-hour
# response time, while a forwarded link stops working the same afternoon. A URL signed with a
# Lambda role's temporary credentials dies with that session even sooner if the session ends
# first, so later messages mint a fresh one from `Incident.graph_key` instead of reusing this.
DEFAULT_EXPIRES_SECONDS = 3600

_SYMBOLS = {
    "GreaterThanThreshold": "> ",
    "GreaterThanOrEqualToThreshold": ">= ",
    "LessThanThreshold": "< ",
    "LessThanOrEqualToThreshold": "<= ",
}


@dataclass(frozen=True)
class Graph:
    key: str  # in the post-mortem bucket
    url: str  # presigned GET, valid `expires_seconds`
    alarm: str  # the alarm it shows
    at: datetime  # the alarm's time, marked on the graph
    png: bytes = field(repr=False)  # also uploaded to the incident channel


def graphed_alarm(incident: Incident) -> MemberAlarm | None:
    """The alarm the graph shows: the most severe member with a metric, the earliest of those."""
    candidates = [alarm for alarm in incident.alarms.values() if graphable(alarm.metric)]
    return min(candidates, key=lambda alarm: (alarm.severity.rank, alarm.since), default=None)


def graphable(metric: AlarmMetric | None) -> bool:
    if metric is None:
        return False
    if metric.metric is not None:
        return _named(metric.metric)
    return any(q.metric is not None and _named(q.metric) for q in metric.queries)


def metric_widget(alarm: MemberAlarm, around: datetime, runbook: Runbook = RUNBOOK) -> dict[str, Any]:
    """The `MetricWidget` JSON of `GetMetricWidgetImage` for the alarm, around the moment it fired."""
    metric = alarm.metric
    if metric is None or not graphable(metric):
        raise ValueError(f"alarm {alarm.name!r} has no metric to graph")
    rule = runbook.rule(alarm.rule) if alarm.rule else None
    period = metric.period or (rule.period_seconds if rule else 60)
    before = max(BEFORE, timedelta(seconds=period * MIN_PERIODS))
    widget: dict[str, Any] = {
        "view": "timeSeries",
        "stacked": False,
        "width": WIDTH,
        "height": HEIGHT,
        "title": _title(alarm.name, metric.stat or _shown_stat(metric), period),
        "start": _iso(around - before),
        "end": _iso(around + AFTER),
        "period": period,
        "timezone": "+0000",
        "legend": {"position": "bottom"},
        "metrics": _metrics(metric, period),
        "annotations": {"horizontal": _threshold(metric), "vertical": [_alarm_marker(around)]},
    }
    if metric.stat:
        widget["stat"] = metric.stat
    return widget


class GraphMaker:
    """GetMetricWidgetImage → PutObject (image/png) → a presigned GET for the message."""

    def __init__(
        self,
        cloudwatch: Any,
        s3: Any,
        bucket: str,
        expires_seconds: int = DEFAULT_EXPIRES_SECONDS,
        runbook: Runbook = RUNBOOK,
    ) -> None:
        self._cloudwatch = cloudwatch
        self._s3 = s3
        self._bucket = bucket
        self._expires = expires_seconds
        self._runbook = runbook

    @staticmethod
    def key_for(incident: Incident) -> str:
        return f"graphs/{incident.service}/{incident.id}.png"

    def url_for(self, key: str) -> str:
        """Signing is local (no request): the URL can go out before the object exists."""
        url: str = self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=self._expires
        )
        return url

    def render(self, incident: Incident) -> Graph | None:
        """Draw and store the graph; None (logged) when there is nothing to draw or it failed."""
        drawn = self.draw(incident)
        if drawn is None or not self.store(incident, drawn):
            return None
        return drawn

    def draw(self, incident: Incident) -> Graph | None:
        """GetMetricWidgetImage only: the PNG and the key it will be stored under (the first response
        sends the link while `store` runs; the object exists within one more call)."""
        alarm = graphed_alarm(incident)
        reason = _no_graph_reason(alarm, self._bucket)
        if alarm is None or reason:
            logger.info("no metric graph", extra={"incident_id": incident.id, "reason": reason})
            return None
        key = self.key_for(incident)
        try:
            image = self._image(metric_widget(alarm, alarm.since, self._runbook))
        except Exception as error:  # a graph never blocks a page: any failure means no graph
            _log_failure(incident, error)
            return None
        return Graph(key=key, url=self.url_for(key), alarm=alarm.name, at=alarm.since, png=image)

    def store(self, incident: Incident, graph: Graph) -> bool:
        try:
            self._s3.put_object(Bucket=self._bucket, Key=graph.key, Body=graph.png, ContentType="image/png")
        except Exception as error:
            _log_failure(incident, error)
            return False
        return True

    def _image(self, widget: dict[str, Any]) -> bytes:
        response = self._cloudwatch.get_metric_widget_image(
            MetricWidget=json.dumps(widget, separators=(",", ":")), OutputFormat="png"
        )
        image: bytes = response["MetricWidgetImage"]
        return image


def _log_failure(incident: Incident, error: Exception) -> None:
    logger.warning(
        "metric graph failed; the message goes without it",
        extra={"incident_id": incident.id, "reason": f"{type(error).__name__}: {error}"[:300]},
        exc_info=not isinstance(error, ClientError | BotoCoreError),
    )


def _no_graph_reason(alarm: MemberAlarm | None, bucket: str) -> str | None:
    if alarm is None:
        return "no alarm of the incident has a metric (composite alarms and events have none)"
    if not bucket:
        return "no post-mortem bucket is configured"
    return None


def _named(ref: MetricRef) -> bool:
    return bool(ref.namespace and ref.name)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _period_text(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def _title(name: str, stat: str | None, period: int) -> str:
    alarm = escape_text(name, limit=TITLE_LIMIT)
    if stat:
        return phrase("graph_title", alarm=alarm, stat=stat, period=_period_text(period))
    return phrase("graph_title_math", alarm=alarm, period=_period_text(period))


def _metric_row(ref: MetricRef, options: dict[str, Any]) -> list[Any]:
    dimensions = [part for name, value in ref.dimensions.items() for part in (name, value)]
    return [ref.namespace, ref.name, *dimensions, options]


def _metrics(metric: AlarmMetric, period: int) -> list[list[Any]]:
    if metric.metric is not None:
        return [_metric_row(metric.metric, {"color": SERIES_COLOUR, "period": period})]
    rows = []
    shown = _shown_query(metric)
    for query in metric.queries:
        options = _query_options(query, period)
        if query.id == shown:
            options["color"] = SERIES_COLOUR
        if query.expression:
            rows.append([{"expression": query.expression, **options}])
        elif query.metric is not None:
            rows.append(_metric_row(query.metric, options))
    return rows


def _shown_query(metric: AlarmMetric) -> str | None:
    """The series the alarm evaluates: the returned query that is not the anomaly band."""
    return next((q.id for q in metric.queries if q.return_data and q.id != metric.band_id), None)


def _shown_stat(metric: AlarmMetric) -> str | None:
    """An anomaly alarm's statistic is its metric query's; a math expression has none of its own."""
    shown = _shown_query(metric)
    return next((q.stat for q in metric.queries if q.id == shown and not q.expression), None)


def _query_options(query: MetricQuery, period: int) -> dict[str, Any]:
    options: dict[str, Any] = {"id": query.id, "visible": query.return_data}
    if query.label:
        options["label"] = query.label
    if not query.expression:
        options["period"] = query.period or period
        if query.stat:
            options["stat"] = query.stat
    return options


def _threshold(metric: AlarmMetric) -> list[dict[str, Any]]:
    """The line the alarm crossed, shaded on its breaching side; an anomaly alarm's band is its own series."""
    if metric.threshold is None or metric.is_band:
        return []
    comparison = metric.comparison or ""
    symbol = _SYMBOLS.get(comparison, "")
    key = "graph_threshold_policy" if metric.threshold_from == "policy" else "graph_threshold"
    annotation: dict[str, Any] = {
        "value": metric.threshold,
        "label": phrase(key, comparison=symbol, value=f"{metric.threshold:g}"),
        "color": THRESHOLD_COLOUR,
    }
    if comparison.startswith(("GreaterThan", "LessThan")):
        annotation["fill"] = "above" if comparison.startswith("GreaterThan") else "below"
    return [annotation]


def _alarm_marker(around: datetime) -> dict[str, Any]:
    moment = around.astimezone(UTC).strftime("%H:%M UTC")
    return {"value": _iso(around), "label": phrase("graph_alarm_at", at=moment), "color": ALARM_COLOUR}
