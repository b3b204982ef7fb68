"""Raw AWS shapes as they arrive, with AWS's own field names.

Tolerant where real payloads vary (legacy layouts, stringified numbers, missing optional
fields, both `name`/`Name` dimension spellings); strict where a wrong type means the
payload is not what it claims to be. Mapping to the domain lives in `signal.py`.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

AlarmStateValue = Literal["ALARM", "OK", "INSUFFICIENT_DATA"]


class Raw(BaseModel):
    # defer_build: a cold start builds only the validators of the shape that actually arrived
    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)


def dimensions_to_dict(value: Any) -> dict[str, str]:
    """SNS alarms list `{"name","value"}` (some writers `Name`/`Value`); EventBridge uses a map."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, list):
        pairs = {}
        for item in value:
            if not isinstance(item, dict):
                raise ValueError("each dimension must be an object")
            name = item.get("name", item.get("Name"))
            if name is None:
                raise ValueError("dimension without a name")
            pairs[str(name)] = str(item.get("value", item.get("Value", "")))
        return pairs
    raise ValueError("dimensions must be a list or an object")


# --- CloudWatch alarm inside an SNS message (current and legacy layouts) ------------------


class SnsMetric(Raw):
    Dimensions: dict[str, str] = {}
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
    Dimensions: dict[str, str] = {}
    Period: int | None = None
    EvaluationPeriods: int | None = None
    ComparisonOperator: str | None = None
    Threshold: float | None = None
    ThresholdMetricId: str | None = None
    TreatMissingData: str | None = None
    Metrics: list[SnsMetricDataQuery] = []

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


# --- the EventBridge / Lambda-action alarm detail (shared layout) --------------------------


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
    dimensions: dict[str, str] = {}

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
    metrics: list[DetailMetricQuery] = []
    alarmRule: str | None = None  # composite alarms only


class AlarmDetail(Raw):
    alarmName: str = Field(min_length=1, max_length=255)
    state: AlarmState
    previousState: AlarmState | None = None
    configuration: AlarmConfiguration = Field(default_factory=AlarmConfiguration)


class EventBridgeEnvelope(Raw):
    """The common EventBridge event fields (powertools' EventBridgeModel, tolerant of extras)."""

    id: str = ""
    detail_type: str = Field(alias="detail-type")
    source: str
    account: str | None = None
    time: str | None = None
    region: str | None = None
    resources: list[str] = []
    detail: dict[str, Any] = {}


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


# --- ECS, RDS and AWS Health events ----------------------------------------------------------


class EcsServiceDetail(Raw):
    """`ECS Deployment State Change` and `ECS Service Action`."""

    eventType: str | None = None
    eventName: str = Field(min_length=1)
    deploymentId: str | None = None
    updatedAt: str | None = None
    createdAt: str | None = None  # service actions carry createdAt, deployments updatedAt
    reason: str | None = None
    clusterArn: str | None = None


class EcsTaskDetail(Raw):
    """`ECS Task State Change`: the detail resembles DescribeTasks' Task."""

    lastStatus: str = Field(min_length=1)
    desiredStatus: str | None = None
    stopCode: str | None = None
    stoppedReason: str | None = None
    group: str | None = None  # "service:<name>" for a service's task
    clusterArn: str | None = None
    taskArn: str | None = None
    updatedAt: str | None = None


class EcsContainerInstanceDetail(Raw):
    """`ECS Container Instance State Change`: the detail resembles DescribeContainerInstances'."""

    status: str = Field(min_length=1)
    agentConnected: bool | None = None
    clusterArn: str | None = None
    containerInstanceArn: str | None = None
    updatedAt: str | None = None


class RdsEventDetail(Raw):
    EventCategories: list[str] = []
    SourceType: str | None = None
    SourceArn: str | None = None
    Date: str | None = None
    Message: str = ""
    SourceIdentifier: str | None = None
    EventID: str | None = None


class RdsSnsMessage(Raw):
    """An RDS event subscription notification delivered through SNS."""

    event_source: str = Field(alias="Event Source")
    event_time: str | None = Field(default=None, alias="Event Time")
    source_id: str = Field(alias="Source ID")
    source_arn: str | None = Field(default=None, alias="Source ARN")
    event_id: str | None = Field(default=None, alias="Event ID")
    event_message: str = Field(default="", alias="Event Message")


class HealthDescription(Raw):
    language: str | None = None
    latestDescription: str = ""


class HealthEntity(Raw):
    entityValue: str | None = None


class HealthDetail(Raw):
    """`AWS Health Event` and `AWS Health Abuse Event`."""

    eventArn: str | None = None
    service: str | None = None
    eventTypeCode: str = Field(min_length=1)
    eventTypeCategory: str
    statusCode: str | None = None  # open, upcoming, closed
    startTime: str | None = None
    endTime: str | None = None
    eventDescription: list[HealthDescription] = []
    affectedEntities: list[HealthEntity] = []


# --- transports ------------------------------------------------------------------------------


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


class SnsEvent(Raw):
    Records: list[SnsRecord] = Field(min_length=1)


class SqsRecord(Raw):
    messageId: str | None = None
    body: str
    eventSource: Literal["aws:sqs"]


class SqsEvent(Raw):
    Records: list[SqsRecord] = Field(min_length=1)
