"""Deliver a table's DynamoDB stream to a handler, as Lambda's event source mapping would (local only).

moto records a table's stream (`StreamSpecification`) but, without Docker, runs no Lambda code
for it. `StreamPump.pump()` reads the records written since the last pump, in order, and calls
the handler with Lambda's DynamoDB-stream event (`{"Records": [...]}`, one call per batch).

Where moto differs from DynamoDB it is bridged here: DynamoDB Streams writes no record for a
write that changes nothing, moto writes one for every put; such records are dropped. The shard
iterator is taken anew at each pump (moto replaces a table object, stream included, when it rolls
a failed transaction back, so a held iterator would read a stale shard). And botocore sends stream
calls that carry an ARN to an account endpoint (`<account>.streams-ddb...`) that moto does not
route, so the streams client is made with account endpoints off.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import boto3
from botocore.config import Config

from local.lambda_context import FakeLambdaContext

Handler = Callable[[dict[str, Any], Any], Any]
LAMBDA_BATCH_SIZE = 100  # the event source mapping's default for DynamoDB streams
MOTO_STREAMS_CONFIG = Config(account_id_endpoint_mode="disabled")


class StreamPump:
    def __init__(
        self,
        dynamodb: Any,
        table: str,
        handler: Handler,
        *,
        streams: Any = None,
        batch_size: int = LAMBDA_BATCH_SIZE,
        function_name: str = "runbook-responder-stream",
    ) -> None:
        """Starts at the stream's end (LATEST): only records written after this are delivered."""
        description = dynamodb.describe_table(TableName=table)["Table"]
        if not description.get("StreamSpecification", {}).get("StreamEnabled"):
            raise ValueError(f"table {table}: no stream; create it with StreamSpecification NEW_AND_OLD_IMAGES")
        self._streams = streams or boto3.client(
            "dynamodbstreams", region_name=dynamodb.meta.region_name, config=MOTO_STREAMS_CONFIG
        )
        self._arn: str = description["LatestStreamArn"]
        self._handler = handler
        self._batch_size = batch_size
        self._function_name = function_name
        self._region = self._arn.split(":")[3]
        self._last: str | None = None
        self._skip_to_end()
        self.delivered = 0  # records handed to the handler so far
        self.invocations = 0

    def pump(self) -> int:
        """Deliver every record written since the last pump; returns how many were delivered."""
        count = 0
        while records := self._read(self._batch_size):
            self._last = records[-1]["dynamodb"]["SequenceNumber"]
            changed = [self._lambda_record(record) for record in records if _changes_something(record)]
            if changed:
                self._handler({"Records": changed}, FakeLambdaContext(function_name=self._function_name))
                self.invocations += 1
                count += len(changed)
        self.delivered += count
        return count

    def _read(self, limit: int) -> list[dict[str, Any]]:
        iterator = self._iterator()
        if iterator is None:
            return []
        response = self._streams.get_records(ShardIterator=iterator, Limit=limit)
        records: list[dict[str, Any]] = response.get("Records", [])
        return records

    def _iterator(self) -> str | None:
        shards = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"]
        if not shards:
            return None
        position: dict[str, str] = {"ShardIteratorType": "TRIM_HORIZON"}
        if self._last is not None:
            position = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": self._last}
        response = self._streams.get_shard_iterator(StreamArn=self._arn, ShardId=shards[0]["ShardId"], **position)
        iterator: str = response["ShardIterator"]
        return iterator

    def _skip_to_end(self) -> None:
        while records := self._read(1000):
            self._last = records[-1]["dynamodb"]["SequenceNumber"]

    def _lambda_record(self, record: dict[str, Any]) -> dict[str, Any]:
        """get_records' shape → Lambda's: epoch seconds, the source ARN, event version 1.1."""
        change = dict(record["dynamodb"])
        created = change.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            change["ApproximateCreationDateTime"] = int(created.timestamp())
        return {
            "eventID": record["eventID"],
            "eventName": record["eventName"],
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": record.get("awsRegion", self._region),
            "dynamodb": change,
            "eventSourceARN": self._arn,
        }


def _changes_something(record: dict[str, Any]) -> bool:
    """False only for a MODIFY whose images show it changed nothing (needs NEW_AND_OLD_IMAGES)."""
    change = record["dynamodb"]
    if record["eventName"] != "MODIFY" or "NewImage" not in change or "OldImage" not in change:
        return True
    return bool(change["NewImage"] != change["OldImage"])
