"""CloudWatch `GetMetricWidgetImage` for moto, which has none (local tooling; never imported by functions/).

moto 5.2.5 answers CloudWatch from `CloudWatchResponse` methods whose results go through its
protocol serializer (botocore speaks smithy-rpc-v2-cbor to CloudWatch here). `metric_widget_images()`
adds one such method while it is open: it reads the `MetricWidget` JSON, aggregates the datapoints
moto keeps from PutMetricData, and draws a real PNG with `local.metric_chart`. A malformed widget
gets `InvalidParameterInput` (400), the code of CloudWatch's widget validation as PutDashboard
documents it (GetMetricWidgetImage models no errors of its own), listing the problems as
`dataPath`/`message` pairs the way CloudWatch's dashboard validator does.

Honoured: metrics (with `.` repeats, dimensions, options id/stat/period/label/color/visible),
metric math of `+ - * /`, numbers and ids, stat, period, start/end (ISO or relative like `-PT3H`),
width/height, title, timezone, legend hidden, yAxis.left min/max, horizontal and vertical
annotations (fill, bands, visible). Not drawn locally: other math functions and
`ANOMALY_DETECTION_BAND` (their series appear in the legend without a line), statistics other
than Average/Sum/Minimum/Maximum/SampleCount/pNN, right y-axis, stacked, bar/pie/singleValue
views (drawn as lines), the dark theme, live data, labels' dynamic `${...}` values.
"""

from __future__ import annotations

import ast
import json
import math
import operator
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import moto
from moto.cloudwatch.exceptions import DashboardInvalidInputError, InvalidParameterValue
from moto.cloudwatch.models import CloudWatchBackend, MetricAggregatedDatum, MetricDatum, MetricDatumBase
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from local.metric_chart import Chart, Level, Line, Moment, draw
from local.raster import Colour, hex_colour

MOTO_VERSION = "5.2.5"  # the CloudWatchResponse/backend internals this was written against
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")
ANNOTATION_COLOUR = "#7f7f7f"
_STAT = re.compile(
    r"SampleCount|Average|Sum|Minimum|Maximum|IQM|[pP]\d{1,2}(\.\d+)?|[pP]100|(TM|TC|TS|WM|PR|tm|tc|ts|wm)\S+"
)
_PERCENTILE = re.compile(r"[pP](\d{1,3}(?:\.\d+)?)")
_ID = re.compile(r"[a-z][a-zA-Z0-9_]*")
_RELATIVE = re.compile(r"-?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")
_OFFSET = re.compile(r"([+-])(\d{2})(\d{2})")


class WidgetInvalid(DashboardInvalidInputError):
    """What CloudWatch answers an invalid MetricWidget: `InvalidParameterInput`, 400, every problem listed."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        listed = json.dumps([{"dataPath": path, "message": message} for path, message in problems], indent=2)
        super().__init__(f"The metric widget is invalid, there are {len(problems)} validation errors:\n{listed}")


# --- the widget (the part of CloudWatch's metric-widget schema this bridge reads) ------------------


def _valid_stat(value: str | None) -> str | None:
    if value is not None and not _STAT.fullmatch(value):
        raise ValueError(f"{value!r} is not a CloudWatch statistic")
    return value


def _valid_period(value: int | None) -> int | None:
    if value is not None and value not in (1, 5, 10, 30) and (value <= 0 or value % 60):
        raise ValueError("should be 1, 5, 10, 30 or a multiple of 60")
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class HorizontalAnnotation(_Model):
    value: float
    label: str = ""
    color: str | None = None
    fill: Literal["above", "below", "none"] | None = None
    visible: bool = True


class VerticalAnnotation(_Model):
    value: datetime
    label: str = ""
    color: str | None = None
    fill: Literal["before", "after", "none"] | None = None
    visible: bool = True


class Annotations(_Model):
    horizontal: list[HorizontalAnnotation | tuple[HorizontalAnnotation, HorizontalAnnotation]] = []
    vertical: list[VerticalAnnotation | tuple[VerticalAnnotation, VerticalAnnotation]] = []


class AxisRange(_Model):
    min: float | None = None
    max: float | None = None


class YAxis(_Model):
    left: AxisRange = AxisRange()


class Legend(_Model):
    position: Literal["bottom", "right", "hidden"] = "bottom"


class Options(_Model):
    """The options object that ends a metric row, or that is an expression row by itself."""

    id: str | None = Field(default=None, pattern=_ID.pattern)
    expression: str | None = None
    label: str | None = None
    color: str | None = Field(default=None, pattern=r"#[0-9a-fA-F]{6}")
    stat: str | None = None
    period: int | None = None
    visible: bool = True

    _stat = field_validator("stat")(_valid_stat)
    _period = field_validator("period")(_valid_period)


class Widget(_Model):
    metrics: list[list[Any]] = Field(min_length=1, max_length=100)
    annotations: Annotations = Annotations()
    start: str = "-PT3H"
    end: str = "-PT0H"
    width: int = Field(default=600, ge=1, le=2000)
    height: int = Field(default=400, ge=1, le=2000)
    period: int = 300
    stat: str = "Average"
    title: str = ""
    view: Literal["timeSeries", "bar", "pie", "singleValue", "gauge"] = "timeSeries"
    timezone: str = Field(default="+0000", pattern=_OFFSET.pattern)
    legend: Legend = Legend()
    yAxis: YAxis = YAxis()  # CloudWatch's field name

    _stat = field_validator("stat")(_valid_stat)
    _period = field_validator("period")(_valid_period)


@dataclass(frozen=True)
class Query:
    index: int
    options: Options
    namespace: str | None = None
    name: str | None = None
    dimensions: tuple[tuple[str, str], ...] = ()


def parse_widget(text: str) -> tuple[Widget, list[Query]]:
    try:
        document = json.loads(text)
    except (TypeError, ValueError):
        raise WidgetInvalid([("", "Should be a JSON object")]) from None
    if not isinstance(document, dict):
        raise WidgetInvalid([("", "Should be a JSON object")])
    try:
        widget = Widget.model_validate(document)
    except ValidationError as error:
        raise WidgetInvalid(_problems(error)) from None
    queries, problems = _queries(widget.metrics)
    if problems:
        raise WidgetInvalid(problems)
    return widget, queries


def _problems(error: ValidationError) -> list[tuple[str, str]]:
    return [(_path(e["loc"]), e["msg"].removeprefix("Value error, ")) for e in error.errors()]


def _path(location: tuple[int | str, ...]) -> str:
    return "".join(f"/{part}" for part in location if not (isinstance(part, str) and "[" in part))


def _queries(rows: list[list[Any]]) -> tuple[list[Query], list[tuple[str, str]]]:
    queries: list[Query] = []
    problems: list[tuple[str, str]] = []
    previous: list[str] = []
    for index, row in enumerate(rows):
        query, problem = _query(index, row, previous)
        if problem:
            problems.append(problem)
        elif query is not None:
            queries.append(query)
            previous = [query.namespace or "", query.name or ""] + [p for pair in query.dimensions for p in pair]
    ids = [q.options.id for q in queries if q.options.id]
    problems += [("/metrics", f"id {i!r} is used twice") for i in sorted({i for i in ids if ids.count(i) > 1})]
    return queries, problems


def _query(index: int, row: list[Any], previous: list[str]) -> tuple[Query | None, tuple[str, str] | None]:
    path = f"/metrics/{index}"
    raw_options = row[-1] if row and isinstance(row[-1], dict) else {}
    try:
        options = Options.model_validate(raw_options)
    except ValidationError as error:
        inner, message = _problems(error)[0]
        return None, (f"{path}/{len(row) - 1}{inner}", message)
    parts = row[:-1] if raw_options else row
    if options.expression is not None:
        return (Query(index, options), None) if not parts else (None, (path, "An expression row has no metric"))
    if len(parts) < 2 or len(parts) % 2:
        return None, (path, "Should be [Namespace, MetricName, DimensionName, DimensionValue..., {options}]")
    if not all(isinstance(part, str) for part in parts):
        return None, (path, "Should be strings before the options object")
    resolved = [previous[n] if part == "." and n < len(previous) else part for n, part in enumerate(parts)]
    pairs = tuple(zip(resolved[2::2], resolved[3::2], strict=True))
    return Query(index, options, resolved[0], resolved[1], pairs), None


# --- the data (what moto keeps from PutMetricData) ------------------------------------------------


def parse_time(text: str, now: datetime, field: str) -> datetime:
    relative = _RELATIVE.fullmatch(text)
    if relative and text.strip("-") != "P":
        weeks, days, hours, minutes, seconds = (int(g or 0) for g in relative.groups())
        span = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
        return now - span if text.startswith("-") else now + span
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise WidgetInvalid([(f"/{field}", "Should be an ISO 8601 time or a relative time such as -PT3H")]) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _epoch(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _statistic(stat: str, data: list[MetricDatumBase]) -> float | None:
    values = [datum.value for datum in data if isinstance(datum, MetricDatum)]
    aggregated = [datum for datum in data if isinstance(datum, MetricAggregatedDatum)]  # StatisticValues
    count = len(values) + sum(d.sample_count for d in aggregated)
    total = sum(values) + sum(d.sum for d in aggregated)
    lows = values + [d.min for d in aggregated]
    highs = values + [d.max for d in aggregated]
    simple: dict[str, Callable[[], float | None]] = {
        "SampleCount": lambda: count,
        "Sum": lambda: total,
        "Average": lambda: total / count if count else None,
        "Minimum": lambda: min(lows) if lows else None,
        "Maximum": lambda: max(highs) if highs else None,
    }
    if stat in simple:
        return simple[stat]()
    percentile = _PERCENTILE.fullmatch(stat)
    if percentile is None or not values:
        return None  # other statistics are not computed locally
    ordered = sorted(values)
    rank = max(1, math.ceil(float(percentile.group(1)) / 100 * len(ordered)))  # nearest rank
    return ordered[min(rank, len(ordered)) - 1]


def metric_series(
    backend: CloudWatchBackend, query: Query, stat: str, period: int, start: datetime, end: datetime
) -> dict[float, float]:
    """Datapoints per period, keyed by the period's start (epoch seconds, aligned like CloudWatch's)."""
    wanted = sorted(query.dimensions)
    first, last = _epoch(start), _epoch(end)
    buckets: dict[float, list[MetricDatumBase]] = {}
    for datum in backend.get_all_metrics():
        if datum.namespace != query.namespace or datum.name != query.name:
            continue
        if sorted((d.name or "", d.value or "") for d in datum.dimensions) != wanted:
            continue
        at = _epoch(datum.timestamp)
        if first <= at < last:
            buckets.setdefault(at - at % period, []).append(datum)
    computed = {at: _statistic(stat, data) for at, data in sorted(buckets.items())}
    return {at: value for at, value in computed.items() if value is not None}


_OPERATORS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
Series = dict[float, float]


def evaluate(expression: str, known: dict[str, Series]) -> Series | None:
    """Metric math with + - * /, numbers and ids; None when it uses anything else (not computed locally)."""
    try:
        tree = ast.parse(expression, mode="eval").body
    except SyntaxError:
        return None
    result = _evaluate(tree, known)
    return result if isinstance(result, dict) else None


def _evaluate(node: ast.expr, known: dict[str, Series]) -> Series | float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.Name):
        return known.get(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _evaluate(node.operand, known)
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        return _combine(operator.mul, sign, operand)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _combine(_OPERATORS[type(node.op)], _evaluate(node.left, known), _evaluate(node.right, known))
    return None


def _combine(
    op: Callable[[float, float], float], left: Series | float | None, right: Series | float | None
) -> Series | float | None:
    if left is None or right is None:
        return None
    if not isinstance(left, dict) and not isinstance(right, dict):
        return _apply(op, left, right)
    times = sorted(set(left) & set(right)) if isinstance(left, dict) and isinstance(right, dict) else None
    if times is None:
        times = sorted(left if isinstance(left, dict) else right)  # type: ignore[arg-type]
    combined = {at: _apply(op, _at(left, at), _at(right, at)) for at in times}
    return {at: value for at, value in combined.items() if value is not None}


def _at(operand: Series | float, at: float) -> float:
    return operand[at] if isinstance(operand, dict) else operand


def _apply(op: Callable[[float, float], float], left: float, right: float) -> float | None:
    try:
        return op(left, right)
    except ZeroDivisionError:
        return None  # no datapoint, as CloudWatch shows a division by zero


# --- from widget to chart -------------------------------------------------------------------------


def chart_of(widget: Widget, queries: list[Query], backend: CloudWatchBackend, now: datetime) -> Chart:
    start, end = parse_time(widget.start, now, "start"), parse_time(widget.end, now, "end")
    if start >= end:
        raise WidgetInvalid([("/start", "The start time should be before the end time")])
    series = _computed(widget, queries, backend, start, end)
    return Chart(
        width=widget.width,
        height=widget.height,
        start=start.timestamp(),
        end=end.timestamp(),
        title=widget.title,
        lines=_lines(queries, series, _annotation_colours(widget.annotations)),
        levels=_levels(widget.annotations),
        moments=_moments(widget.annotations),
        y_min=widget.yAxis.left.min,
        y_max=widget.yAxis.left.max,
        legend=widget.legend.position != "hidden",
        utc_offset=_offset(widget.timezone),
    )


def _computed(
    widget: Widget, queries: list[Query], backend: CloudWatchBackend, start: datetime, end: datetime
) -> dict[int, Series | None]:
    """Every query's series by its row; expressions after the metrics, each seeing the ones before it."""
    series: dict[int, Series | None] = {}
    by_id: dict[str, Series] = {}
    for query in (q for q in queries if q.options.expression is None):
        stat, period = query.options.stat or widget.stat, query.options.period or widget.period
        measured = metric_series(backend, query, stat, period, start, end)
        series[query.index] = measured
        if query.options.id:
            by_id[query.options.id] = measured
    for query in (q for q in queries if q.options.expression is not None):
        result = evaluate(query.options.expression or "", by_id)
        series[query.index] = result
        if result is not None and query.options.id:
            by_id[query.options.id] = result
    return series


def _annotation_colours(annotations: Annotations) -> set[str]:
    items = [*annotations.horizontal, *annotations.vertical]
    return {a.color.lower() for item in items for a in (item if isinstance(item, tuple) else (item,)) if a.color}


def _lines(queries: list[Query], series: dict[int, Series | None], taken: set[str]) -> list[Line]:
    """Visible series in row order; those without a colour take the next palette colour nobody uses."""
    lines = []
    taken = taken | {q.options.color.lower() for q in queries if q.options.color}
    spare = iter(c for c in PALETTE if c not in taken)
    for query in (q for q in queries if q.options.visible):
        options = query.options
        computed = series.get(query.index)
        label = options.label or query.name or options.id or options.expression or "?"
        if computed is None:
            label += " (not computed locally)"
        colour = _colour(options.color or next(spare, PALETTE[0]))
        lines.append(Line(label=label, colour=colour, points=sorted((computed or {}).items())))
    return lines


def _levels(annotations: Annotations) -> list[Level]:
    levels = []
    for item in annotations.horizontal:
        first, second = item if isinstance(item, tuple) else (item, None)
        if first.visible:
            fill = first.fill if first.fill in ("above", "below") else None
            levels.append(Level(first.value, first.label, _colour(first.color), fill, second.value if second else None))
    return levels


def _moments(annotations: Annotations) -> list[Moment]:
    moments = []
    for item in annotations.vertical:
        first, second = item if isinstance(item, tuple) else (item, None)
        if first.visible:
            fill = first.fill if first.fill in ("before", "after") else None
            to = _epoch(second.value) if second else None
            moments.append(Moment(_epoch(first.value), first.label, _colour(first.color), fill, to))
    return moments


def _colour(value: str | None) -> Colour:
    return hex_colour(value, hex_colour(ANNOTATION_COLOUR, (127, 127, 127)))


def _offset(timezone: str) -> timedelta:
    sign, hours, minutes = _OFFSET.fullmatch(timezone).groups()  # type: ignore[union-attr]
    span = timedelta(hours=int(hours), minutes=int(minutes))
    return -span if sign == "-" else span


def render(text: str, backend: CloudWatchBackend, now: datetime | None = None) -> bytes:
    """The PNG CloudWatch would send for this MetricWidget, drawn from moto's datapoints."""
    widget, queries = parse_widget(text)
    return draw(chart_of(widget, queries, backend, now or datetime.now(UTC)))


# --- the bridge -----------------------------------------------------------------------------------


def _get_metric_widget_image(self: CloudWatchResponse) -> ActionResult:
    output_format = self._get_param("OutputFormat") or "png"
    if output_format not in ("png", "image/png"):
        raise InvalidParameterValue(f"The value {output_format} for parameter OutputFormat is invalid.")
    image = render(self._get_param("MetricWidget"), self.cloudwatch_backend)
    return ActionResult({"MetricWidgetImage": image})


@contextmanager
def metric_widget_images() -> Iterator[None]:
    """While open, moto's CloudWatch answers GetMetricWidgetImage (in-process and in server mode)."""
    if moto.__version__ != MOTO_VERSION:
        raise RuntimeError(
            f"local.metric_image was written against moto {MOTO_VERSION}, found {moto.__version__}: check that "
            "CloudWatchResponse still serializes ActionResult and that moto still lacks GetMetricWidgetImage"
        )
    present = getattr(CloudWatchResponse, "get_metric_widget_image", None)
    if present is _get_metric_widget_image:
        yield  # opened inside another (a test's inside the local world): that one closes it
        return
    if present is not None:
        raise RuntimeError("moto has its own get_metric_widget_image now: retire local.metric_image")
    CloudWatchResponse.get_metric_widget_image = _get_metric_widget_image  # type: ignore[attr-defined]
    try:
        yield
    finally:
        del CloudWatchResponse.get_metric_widget_image  # type: ignore[attr-defined]
