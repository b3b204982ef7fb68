"""The alarm detail EventBridge alarm state changes and a Lambda alarm action share."""

from typing import Literal

from pydantic import Field, field_validator

from functions.intake.raw.base import AlarmStateValue, Raw, dimensions_to_dict
from functions.intake.raw.eventbridge import EventBridgeEnvelope


class AlarmState(Raw):
    value: AlarmStateValue
    reason: str | None = None
    reasonData: str | None = None
    timestamp: str


class AlarmReasonData(Raw):
    """`state.reasonData`, a JSON string; a metric alarm's names the threshold it evaluated."""

    threshold: float | None = None


class DetailMetric(Raw):
    namespace: str | None = None
    name: str | None = None
    dimensions: dict[str, str] = Field(default_factory=dict)

    _dims = field_validator("dimensions", mode="before")(dimensions_to_dict)


class DetailMetricStat(Raw):
    metric: DetailMetric = Field(default_factory=DetailMetric)
    period: int | None = None
    stat: str | None = None


class DetailMetricQuery(Raw):
    id: str | None = None
    expression: str | None = None
    label: str | None = None
    metricStat: DetailMetricStat | None = None
    returnData: bool | None = None


class AlarmConfiguration(Raw):
    description: str | None = None
    metrics: list[DetailMetricQuery] = Field(default_factory=list)
    alarmRule: str | None = None  # composite alarms only


class AlarmDetail(Raw):
    alarmName: str = Field(min_length=1, max_length=255)
    state: AlarmState
    previousState: AlarmState | None = None
    configuration: AlarmConfiguration = Field(default_factory=AlarmConfiguration)


class EventBridgeAlarmEvent(EventBridgeEnvelope):
    detail: AlarmDetail  # type: ignore[assignment]


class LambdaAlarmAction(Raw):
    """The payload a CloudWatch alarm sends when its action is a Lambda function."""

    source: Literal["aws.cloudwatch"]
    alarmArn: str
    accountId: str | None = None
    time: str | None = None
    region: str | None = None
    alarmData: AlarmDetail
