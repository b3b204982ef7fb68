"""AWS Health events' detail."""

from pydantic import Field

from functions.intake.raw.base import Raw


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
    eventDescription: list[HealthDescription] = Field(default_factory=list)
    affectedEntities: list[HealthEntity] = Field(default_factory=list)
