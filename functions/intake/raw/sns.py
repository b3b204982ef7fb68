"""CloudWatch alarms inside SNS messages (current and legacy layouts), and the SNS and SQS transports."""

from typing import Any, Literal

from pydantic import Field, field_validator

from functions.intake.raw.base import AlarmStateValue, Raw, dimensions_to_dict


class SnsMetric(Raw):
    Dimensions: dict[str, str] = Field(default_factory=dict)
    MetricName: str | None = None
    Namespace: str | None = None

    _dims = field_validator("Dimensions", mode="before")(dimensions_to_dict)


class SnsMetricStat(Raw):
    Metric: SnsMetric = Field(default_factory=SnsMetric)  # a default instance would build it at import
    Period: int | None = None
    Stat: str | None = None


class SnsMetricDataQuery(Raw):
    Id: str | None = None
    Expression: str | None = None
    Label: str | None = None
    MetricStat: SnsMetricStat | None = None
    ReturnData: bool | None = None


class SnsTrigger(Raw):
    MetricName: str | None = None
    Namespace: str | None = None
    Statistic: str | None = None
    ExtendedStatistic: str | None = None
    Dimensions: dict[str, str] = Field(default_factory=dict)
    Period: int | None = None
    EvaluationPeriods: int | None = None
    ComparisonOperator: str | None = None
    Threshold: float | None = None
    ThresholdMetricId: str | None = None
    TreatMissingData: str | None = None
    Metrics: list[SnsMetricDataQuery] = Field(default_factory=list)

    _dims = field_validator("Dimensions", mode="before")(dimensions_to_dict)


class SnsAlarmMessage(Raw):
    """The JSON CloudWatch publishes to SNS for a metric, math, anomaly or composite alarm."""

    AlarmName: str = Field(min_length=1, max_length=255)  # CloudWatch's own limit
    AlarmDescription: str | None = None
    AWSAccountId: str | None = None
    AlarmConfigurationUpdatedTimestamp: str | None = None
    NewStateValue: AlarmStateValue
    NewStateReason: str | None = None
    StateChangeTime: str
    Region: str | None = None
    AlarmArn: str | None = None
    OldStateValue: AlarmStateValue | None = None
    Trigger: SnsTrigger | None = None
    AlarmRule: str | None = None  # composite alarms only

    @field_validator("AWSAccountId", mode="before")
    @classmethod
    def _account_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class SnsNotification(Raw):
    """powertools' SnsNotificationModel, without its strict URL checks (emulators send 'EXAMPLE')."""

    Type: str | None = None
    MessageId: str | None = None
    TopicArn: str | None = None
    Subject: str | None = None
    Message: str
    Timestamp: str | None = None


class SnsRecord(Raw):
    EventSource: str | None = None
    Sns: SnsNotification


class SqsRecord(Raw):
    messageId: str | None = None
    body: str
    eventSource: Literal["aws:sqs"]
