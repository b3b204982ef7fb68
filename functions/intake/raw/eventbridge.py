"""The EventBridge envelope every EventBridge event shares."""

from typing import Any

from pydantic import Field

from functions.intake.raw.base import Raw


class EventBridgeEnvelope(Raw):
    """The common EventBridge event fields (powertools' EventBridgeModel, tolerant of extras)."""

    id: str = ""
    detail_type: str = Field(alias="detail-type")
    source: str
    account: str | None = None
    time: str | None = None
    region: str | None = None
    resources: list[str] = Field(default_factory=list)
    detail: dict[str, Any] = Field(default_factory=dict)
