"""The domain model every input shape maps to, and the explicit raw → domain mappings."""

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from functions.intake import rds_events
from functions.intake.raw import sns

if TYPE_CHECKING:  # the other sources' shapes load when their first event arrives (raw/__init__.py)
    from functions.intake.raw import alarm_detail, ecs, eventbridge, health, rds


class SignalSource(StrEnum):
    ALARM = "cloudwatch-alarm"
    ECS = "ecs"
    RDS = "rds"
    HEALTH = "health"
    UNKNOWN = "unknown"


class AlarmState(StrEnum):
    ALARM = "ALARM"
    OK = "OK"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


class AlarmKind(StrEnum):
    METRIC = "metric"
    METRIC_MATH = "metric-math"
    ANOMALY = "anomaly"
    COMPOSITE = "composite"


class MetricRef(BaseModel, defer_build=True):
    model_config = ConfigDict(frozen=True)

    namespace: str | None = None
    name: str | None = None
    dimensions: dict[str, str] = {}


# Comparisons whose "threshold" is an anomaly band's width, not a value on the metric's axis.
BAND_COMPARISONS = frozenset(
    {"GreaterThanUpperThreshold", "LessThanLowerThreshold", "LessThanLowerOrGreaterThanUpperThreshold"}
)


class MetricQuery(BaseModel, defer_build=True):
    """One query of a metric-math or anomaly alarm: a metric with its statistic, or an expression over others."""

    model_config = ConfigDict(frozen=True)

    id: str
    metric: MetricRef | None = None
    stat: str | None = None
    period: int | None = None
    expression: str | None = None
    label: str | None = None
    return_data: bool = True


class AlarmMetric(BaseModel, defer_build=True):
    """What a graph of the alarm needs: what it measures, how it aggregates, and the line it crossed."""

    model_config = ConfigDict(frozen=True)

    metric: MetricRef | None = None  # a single-metric alarm; math and anomaly alarms have `queries`
    stat: str | None = None  # `Average`, `Sum`, ... or an extended statistic such as `p99`
    period: int | None = None  # seconds
    queries: tuple[MetricQuery, ...] = ()
    threshold: float | None = None
    # alarm: the alarm's own configuration (SNS); reason: the value it reported evaluating
    # (EventBridge reasonData); policy: the runbook rule's, for payloads that carry none
    threshold_from: Literal["alarm", "reason", "policy"] | None = None
    comparison: str | None = None
    band_id: str | None = None  # anomaly alarms: the query whose band is the threshold

    @property
    def is_band(self) -> bool:
        return self.band_id is not None or self.comparison in BAND_COMPARISONS


class Marker(BaseModel, defer_build=True):
    """The `[runbook-responder rule=... service=...]` line our stack writes into alarm descriptions."""

    model_config = ConfigDict(frozen=True)

    rule: str | None = None
    service: str | None = None


TEXT_LIMIT = 2048  # CloudWatch caps reasons at 1023 and descriptions at 1024 characters


class Signal(BaseModel, defer_build=True):
    """One alarm transition or info event, whatever shape it arrived in."""

    model_config = ConfigDict(frozen=True)

    @field_validator("reason", "description", mode="before")
    @classmethod
    def _bounded(cls, value: object) -> object:
        """Longer text is not CloudWatch's: keep the start, so the incident item stays small."""
        return value[:TEXT_LIMIT] if isinstance(value, str) else value

    source: SignalSource
    name: str
    state: AlarmState | None = None
    previous_state: AlarmState | None = None
    occurred_at: datetime
    reason: str = ""
    description: str = ""
    account: str | None = None
    region: str | None = None
    alarm_kind: AlarmKind | None = None
    composite_rule: str | None = None
    metrics: tuple[MetricRef, ...] = ()
    alarm_metric: AlarmMetric | None = Field(default=None, description="what a graph of the alarm needs")
    resources: tuple[str, ...] = Field(default=(), description="resource ids/ARNs the event names")
    categories: tuple[str, ...] = Field(default=(), description="RDS categories, ECS event type, Health category")
    detail_type: str | None = Field(default=None, description="an ECS, RDS or Health event's EventBridge detail-type")
    event_fields: dict[str, tuple[str, ...]] = Field(
        default={}, description="the fields the event policy matches on, by the names AWS gives them in the detail"
    )
    deployment_id: str | None = Field(default=None, description="the ECS deployment the event is about")
    starts_at: datetime | None = Field(default=None, description="AWS Health: when the (scheduled) event starts")
    ends_at: datetime | None = Field(default=None, description="AWS Health: when it ends")
    marker: Marker | None = None
    event_id: str | None = None
    transport: str = Field(description="how it arrived: sns, sns-legacy, eventbridge, lambda-action, sqs")

    @property
    def dedup_key(self) -> str:
        """Same transition → same key, whichever transport delivered it (SNS and EventBridge)."""
        if self.source is SignalSource.ALARM:
            state = self.state.value if self.state else "-"
            stamp = self.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
            return f"alarm|{self.account or '-'}|{self.name}|{state}|{stamp}"
        return f"{self.source.value}|{self.event_id or self.name}|{self.occurred_at.isoformat()}"


_TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S")


def parse_timestamp(text: str) -> datetime:
    """AWS writes `...000+0000`, `...Z`, ISO with `+00:00`, and RDS `2026-01-02 12:45:06.000`; always UTC."""
    parsed = _parse_any(text)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"timestamp {text[:40]!r} is out of range") from None


def _parse_any(text: str) -> datetime:
    cleaned = text.strip().replace("Z", "+0000")
    for fmt in _TIME_FORMATS:
        try:
            parsed = datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        parsed = _rfc1123(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _rfc1123(text: str) -> datetime:
    """AWS Health writes `Sat, 05 Jun 2016 15:10:09 GMT`."""
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"unreadable timestamp {text[:40]!r}") from None


_MARKER = re.compile(r"\[runbook-responder\s+([^\]]*)\]")


def parse_marker(description: str | None) -> Marker | None:
    match = _MARKER.search(description or "")
    if not match:
        return None
    pairs = dict(part.split("=", 1) for part in match.group(1).split() if "=" in part)
    return Marker(rule=pairs.get("rule"), service=pairs.get("service"))


def _account_from_arn(arn: str | None) -> str | None:
    parts = (arn or "").split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None


def _region_from_arn(arn: str | None) -> str | None:
    parts = (arn or "").split(":")
    return parts[3] if len(parts) > 5 and parts[3] else None


# --- alarms -------------------------------------------------------------------------------------


def _sns_metrics(trigger: sns.SnsTrigger | None) -> tuple[MetricRef, ...]:
    if trigger is None:
        return ()
    refs = [
        MetricRef(
            namespace=query.MetricStat.Metric.Namespace,
            name=query.MetricStat.Metric.MetricName,
            dimensions=query.MetricStat.Metric.Dimensions,
        )
        for query in trigger.Metrics
        if query.MetricStat
    ]
    if trigger.MetricName:
        refs.insert(0, MetricRef(namespace=trigger.Namespace, name=trigger.MetricName, dimensions=trigger.Dimensions))
    return tuple(refs)


_STATISTICS = {
    "SUM": "Sum",
    "AVERAGE": "Average",
    "MINIMUM": "Minimum",
    "MAXIMUM": "Maximum",
    "SAMPLECOUNT": "SampleCount",
    "SAMPLE_COUNT": "SampleCount",
}


def _statistic(name: str | None) -> str | None:
    """SNS writes `SUM`, `AVERAGE`; CloudWatch's APIs and graphs want `Sum`, `Average` (`p99` stays)."""
    if not name:
        return None
    return _STATISTICS.get(name.upper().replace(" ", ""), name)


def _band_id(queries: tuple[MetricQuery, ...]) -> str | None:
    return next((q.id for q in queries if q.expression and "ANOMALY_DETECTION_BAND" in q.expression.upper()), None)


def _sns_query(query: sns.SnsMetricDataQuery, n: int) -> MetricQuery:
    stat = query.MetricStat
    return MetricQuery(
        id=query.Id or f"q{n}",
        metric=MetricRef(
            namespace=stat.Metric.Namespace, name=stat.Metric.MetricName, dimensions=stat.Metric.Dimensions
        )
        if stat
        else None,
        stat=_statistic(stat.Stat) if stat else None,
        period=stat.Period if stat else None,
        expression=query.Expression,
        label=query.Label,
        return_data=query.ReturnData is not False,
    )


def _sns_alarm_metric(trigger: sns.SnsTrigger | None) -> AlarmMetric | None:
    if trigger is None:
        return None
    threshold_from = "alarm" if trigger.Threshold is not None else None
    if trigger.MetricName:
        return AlarmMetric(
            metric=MetricRef(namespace=trigger.Namespace, name=trigger.MetricName, dimensions=trigger.Dimensions),
            stat=_statistic(trigger.ExtendedStatistic or trigger.Statistic),
            period=trigger.Period,
            comparison=trigger.ComparisonOperator,
            threshold=trigger.Threshold,
            threshold_from=threshold_from,
        )
    queries = tuple(_sns_query(query, n) for n, query in enumerate(trigger.Metrics, start=1))
    if not queries:
        return None
    return AlarmMetric(
        queries=queries,
        period=trigger.Period or next((q.period for q in queries if q.period), None),
        comparison=trigger.ComparisonOperator,
        band_id=trigger.ThresholdMetricId or _band_id(queries),
        threshold=trigger.Threshold,
        threshold_from=threshold_from,
    )


def _reason_threshold(reason_data: str | None) -> float | None:
    """A metric alarm's `reasonData` names the threshold it evaluated; anomaly and math alarms may not."""
    if not reason_data:
        return None
    try:
        from functions.intake.raw.alarm_detail import AlarmReasonData  # loaded already: the detail came with it

        return AlarmReasonData.model_validate_json(reason_data).threshold
    except ValidationError:
        return None


def _detail_query(query: "alarm_detail.DetailMetricQuery", n: int) -> MetricQuery:
    stat = query.metricStat
    return MetricQuery(
        id=query.id or f"q{n}",
        metric=MetricRef(namespace=stat.metric.namespace, name=stat.metric.name, dimensions=stat.metric.dimensions)
        if stat
        else None,
        stat=_statistic(stat.stat) if stat else None,
        period=stat.period if stat else None,
        expression=query.expression,
        label=query.label,
        return_data=query.returnData is not False,
    )


def _detail_alarm_metric(detail: "alarm_detail.AlarmDetail") -> AlarmMetric | None:
    """EventBridge and Lambda-action payloads carry the queries but no comparison (the rule supplies it)."""
    queries = tuple(_detail_query(query, n) for n, query in enumerate(detail.configuration.metrics, start=1))
    if not queries:
        return None
    reported = _reason_threshold(detail.state.reasonData)
    reported_from = "reason" if reported is not None else None
    if len(queries) == 1 and queries[0].metric is not None:
        # A single-metric alarm: its query id is a generated UUID, no use to a graph.
        only = queries[0]
        return AlarmMetric(
            metric=only.metric, stat=only.stat, period=only.period, threshold=reported, threshold_from=reported_from
        )
    return AlarmMetric(
        queries=queries,
        period=next((q.period for q in queries if q.period), None),
        band_id=_band_id(queries),
        threshold=reported,
        threshold_from=reported_from,
    )


def _alarm_kind(composite: bool, expressions: list[str], has_threshold_metric: bool) -> AlarmKind:
    if composite:
        return AlarmKind.COMPOSITE
    if has_threshold_metric or any("ANOMALY_DETECTION_BAND" in e.upper() for e in expressions):
        return AlarmKind.ANOMALY
    return AlarmKind.METRIC_MATH if expressions else AlarmKind.METRIC


def from_sns_alarm(message: sns.SnsAlarmMessage) -> Signal:
    trigger = message.Trigger
    expressions = [q.Expression for q in (trigger.Metrics if trigger else []) if q.Expression]
    legacy = message.AlarmArn is None
    return Signal(
        source=SignalSource.ALARM,
        name=message.AlarmName,
        state=AlarmState(message.NewStateValue),
        previous_state=AlarmState(message.OldStateValue) if message.OldStateValue else None,
        occurred_at=parse_timestamp(message.StateChangeTime),
        reason=message.NewStateReason or "",
        description=message.AlarmDescription or "",
        account=message.AWSAccountId or _account_from_arn(message.AlarmArn),
        region=_region_from_arn(message.AlarmArn) or message.Region,
        alarm_kind=_alarm_kind(message.AlarmRule is not None, expressions, bool(trigger and trigger.ThresholdMetricId)),
        composite_rule=message.AlarmRule,
        metrics=_sns_metrics(trigger),
        alarm_metric=_sns_alarm_metric(trigger),
        resources=(message.AlarmArn,) if message.AlarmArn else (),
        marker=parse_marker(message.AlarmDescription),
        transport="sns-legacy" if legacy else "sns",
    )


def from_alarm_detail(
    detail: "alarm_detail.AlarmDetail", *, arn: str | None, account: str | None, region: str | None, transport: str
) -> Signal:
    config = detail.configuration
    expressions = [q.expression for q in config.metrics if q.expression]
    metrics = tuple(
        MetricRef(
            namespace=q.metricStat.metric.namespace,
            name=q.metricStat.metric.name,
            dimensions=q.metricStat.metric.dimensions,
        )
        for q in config.metrics
        if q.metricStat
    )
    return Signal(
        source=SignalSource.ALARM,
        name=detail.alarmName,
        state=AlarmState(detail.state.value),
        previous_state=AlarmState(detail.previousState.value) if detail.previousState else None,
        occurred_at=parse_timestamp(detail.state.timestamp),
        reason=detail.state.reason or "",
        description=config.description or "",
        account=account or _account_from_arn(arn),
        region=region or _region_from_arn(arn),
        alarm_kind=_alarm_kind(config.alarmRule is not None, expressions, False),
        composite_rule=config.alarmRule,
        metrics=metrics,
        alarm_metric=_detail_alarm_metric(detail),
        resources=(arn,) if arn else (),
        marker=parse_marker(config.description),
        transport=transport,
    )


# --- ECS, RDS and AWS Health events ----------------------------------------------------------------


def _event_time(envelope: "eventbridge.EventBridgeEnvelope", precise: str | None = None) -> datetime:
    """The detail's own timestamp when it has one, else the envelope's."""
    return parse_timestamp(precise or envelope.time or "")


def _fields(**values: str | list[str] | None) -> dict[str, tuple[str, ...]]:
    """The event policy's view of a detail: each present field as a tuple of strings."""
    fields: dict[str, tuple[str, ...]] = {}
    for name, value in values.items():
        if isinstance(value, list):
            fields[name] = tuple(value)
        elif value is not None:
            fields[name] = (value,)
    return fields


def from_ecs_event(
    envelope: "eventbridge.EventBridgeEnvelope", detail: "ecs.EcsServiceDetail", transport: str
) -> Signal:
    return Signal(
        source=SignalSource.ECS,
        name=detail.eventName,
        occurred_at=_event_time(envelope, detail.updatedAt or detail.createdAt),
        reason=detail.reason or "",
        description=envelope.detail_type,
        account=envelope.account,
        region=envelope.region,
        resources=tuple(envelope.resources) + ((detail.clusterArn,) if detail.clusterArn else ()),
        categories=(detail.eventType,) if detail.eventType else (),
        detail_type=envelope.detail_type,
        event_fields=_fields(eventName=detail.eventName, eventType=detail.eventType),
        deployment_id=detail.deploymentId,
        event_id=envelope.id or detail.deploymentId,
        transport=transport,
    )


def from_ecs_task(envelope: "eventbridge.EventBridgeEnvelope", detail: "ecs.EcsTaskDetail", transport: str) -> Signal:
    stop = f" ({detail.stopCode})" if detail.stopCode else ""
    return Signal(
        source=SignalSource.ECS,
        name=f"task {detail.lastStatus}{stop}",
        occurred_at=_event_time(envelope, detail.updatedAt),
        reason=detail.stoppedReason or "",
        description=envelope.detail_type,
        account=envelope.account,
        region=envelope.region,
        resources=tuple(r for r in (*envelope.resources, detail.clusterArn, detail.group) if r),
        detail_type=envelope.detail_type,
        event_fields=_fields(lastStatus=detail.lastStatus, stopCode=detail.stopCode),
        event_id=envelope.id or None,
        transport=transport,
    )


def from_ecs_container_instance(
    envelope: "eventbridge.EventBridgeEnvelope", detail: "ecs.EcsContainerInstanceDetail", transport: str
) -> Signal:
    connected = {True: "agent connected", False: "agent disconnected", None: ""}[detail.agentConnected]
    return Signal(
        source=SignalSource.ECS,
        name=f"container instance {detail.status}",
        occurred_at=_event_time(envelope, detail.updatedAt),
        reason=connected,
        description=envelope.detail_type,
        account=envelope.account,
        region=envelope.region,
        resources=tuple(r for r in (*envelope.resources, detail.clusterArn) if r),
        detail_type=envelope.detail_type,
        event_fields=_fields(status=detail.status),
        event_id=envelope.id or None,
        transport=transport,
    )


def from_rds_event(envelope: "eventbridge.EventBridgeEnvelope", detail: "rds.RdsEventDetail", transport: str) -> Signal:
    return Signal(
        source=SignalSource.RDS,
        name=detail.EventID or envelope.detail_type,
        occurred_at=_event_time(envelope, detail.Date),
        reason=detail.Message,
        description=envelope.detail_type,
        account=envelope.account,
        region=envelope.region,
        resources=tuple(r for r in (detail.SourceIdentifier, detail.SourceArn, *envelope.resources) if r),
        categories=tuple(detail.EventCategories),
        detail_type=envelope.detail_type,
        event_fields=_fields(EventID=detail.EventID, EventCategories=detail.EventCategories),
        event_id=envelope.id or None,
        transport=transport,
    )


def from_rds_sns(message: "rds.RdsSnsMessage", notification: sns.SnsNotification) -> Signal:
    """An event subscription's message names no category: AWS's table of event ids gives them."""
    event_id = (message.event_id or "").rsplit("#", 1)[-1] or "RDS event"
    detail_type = rds_events.DETAIL_TYPES.get(message.event_source, f"RDS {message.event_source} event")
    categories = rds_events.categories(detail_type, event_id)
    return Signal(
        source=SignalSource.RDS,
        name=event_id,
        occurred_at=parse_timestamp(message.event_time or notification.Timestamp or ""),
        reason=message.event_message,
        description=f"RDS {message.event_source} event",
        account=_account_from_arn(message.source_arn),
        region=_region_from_arn(message.source_arn),
        resources=tuple(r for r in (message.source_id, message.source_arn) if r),
        categories=categories,
        detail_type=detail_type,
        event_fields=_fields(EventID=event_id, EventCategories=list(categories)),
        event_id=notification.MessageId,
        transport="sns",
    )


def from_health_event(
    envelope: "eventbridge.EventBridgeEnvelope", detail: "health.HealthDetail", transport: str
) -> Signal:
    description = next((d.latestDescription for d in detail.eventDescription), "")
    return Signal(
        source=SignalSource.HEALTH,
        name=detail.eventTypeCode,
        occurred_at=_event_time(envelope) if envelope.time else parse_timestamp(detail.startTime or ""),
        reason=description,
        description=envelope.detail_type,
        account=envelope.account,
        region=envelope.region,
        resources=tuple(e.entityValue for e in detail.affectedEntities if e.entityValue) + tuple(envelope.resources),
        categories=(detail.eventTypeCategory,),
        detail_type=envelope.detail_type,
        event_fields=_fields(
            service=detail.service,
            eventTypeCode=detail.eventTypeCode,
            eventTypeCategory=detail.eventTypeCategory,
            statusCode=detail.statusCode,
        ),
        starts_at=parse_timestamp(detail.startTime) if detail.startTime else None,
        ends_at=parse_timestamp(detail.endTime) if detail.endTime else None,
        event_id=detail.eventArn or envelope.id or None,
        transport=transport,
    )


def unrecognised(name: str, transport: str, occurred_at: datetime, reason: str) -> Signal:
    return Signal(
        source=SignalSource.UNKNOWN,
        name=name,
        occurred_at=occurred_at,
        reason=reason,
        transport=transport,
    )
