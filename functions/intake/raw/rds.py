"""RDS events: the EventBridge detail, and an event subscription's SNS message."""

from pydantic import Field

from functions.intake.raw.base import Raw


class RdsEventDetail(Raw):
    EventCategories: list[str] = Field(default_factory=list)
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
