"""The incident table's stream as the status page function reads it: only status-page items count."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from functions.incident_store import PARTITION_KEY, STATUS_PAGE_PK
from functions.validation import error_line


class _AttributeValue(BaseModel, defer_build=True):
    model_config = ConfigDict(extra="ignore")

    S: str | None = None


class _StreamData(BaseModel, defer_build=True):
    model_config = ConfigDict(extra="ignore")

    Keys: dict[str, _AttributeValue] = {}


class _StreamRecord(BaseModel, defer_build=True):
    """Lambda's DynamoDB stream record, AWS field names; only what the page needs."""

    model_config = ConfigDict(extra="ignore")

    eventName: str = ""
    dynamodb: _StreamData = _StreamData()


class _StreamBatch(BaseModel, defer_build=True):
    model_config = ConfigDict(extra="ignore")

    Records: list[_StreamRecord]


class NotAStreamBatch(ValueError):
    """The event is not a DynamoDB stream batch (one line, for the log)."""


def is_stream_batch(event: Any) -> bool:
    return isinstance(event, dict) and "Records" in event


def status_page_changes(event: Any) -> int:
    """How many records of the batch changed a status-page item; other items' records are ignored."""
    try:
        batch = _StreamBatch.model_validate(event)
    except ValidationError as error:
        raise NotAStreamBatch(f"status page: not a DynamoDB stream batch: {error_line(error)}") from None
    return sum(1 for record in batch.Records if _is_status_page(record))


def _is_status_page(record: _StreamRecord) -> bool:
    key = record.dynamodb.Keys.get(PARTITION_KEY)
    return key is not None and key.S == STATUS_PAGE_PK
