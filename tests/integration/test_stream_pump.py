"""local/streams.py: moto's DynamoDB stream delivered to a handler as Lambda would, once and in order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local.streams import StreamPump
from tests.conftest import streamed_table

TABLE = "stream-probe"


@pytest.fixture
def db(aws_env: None) -> Iterator[Any]:
    with mock_aws():
        db = boto3.client("dynamodb")
        streamed_table(db, TABLE)
        yield db


class Recorder:
    def __init__(self) -> None:
        self.batches: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> None:
        self.batches.append(event)

    @property
    def records(self) -> list[dict[str, Any]]:
        return [record for batch in self.batches for record in batch["Records"]]

    def written(self) -> list[tuple[str, str, str]]:
        """(event, pk, sk) of each record delivered, in order."""
        return [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"], r["dynamodb"]["Keys"]["sk"]["S"])
                for r in self.records]  # fmt: skip


def put(pk: str, sk: str, doc: str) -> dict[str, Any]:
    return {"Put": {"TableName": TABLE, "Item": {"pk": {"S": pk}, "sk": {"S": sk}, "doc": {"S": doc}}}}


def test_records_of_transactions_are_delivered_once_in_order_in_the_lambda_shape(db):
    # Given a pump on the table's stream
    handler = Recorder()
    pump = StreamPump(db, TABLE, handler)

    # When two transactions write three items, and the pump runs twice
    db.transact_write_items(TransactItems=[put("A", "1", "a1"), put("B", "1", "b1")])
    db.transact_write_items(TransactItems=[put("A", "1", "a1-changed")])
    first = pump.pump()
    second = pump.pump()

    # Then every record arrived once, in write order, and the second pump delivered nothing
    assert (first, second) == (3, 0)
    assert handler.written() == [("INSERT", "A", "1"), ("INSERT", "B", "1"), ("MODIFY", "A", "1")]
    # ... in Lambda's DynamoDB stream event shape
    modify = handler.records[2]
    assert modify["eventSource"] == "aws:dynamodb"
    assert modify["eventSourceARN"].startswith(f"arn:aws:dynamodb:us-east-1:123456789012:table/{TABLE}/stream/")
    assert modify["dynamodb"]["OldImage"]["doc"] == {"S": "a1"}
    assert modify["dynamodb"]["NewImage"]["doc"] == {"S": "a1-changed"}
    assert modify["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(modify["dynamodb"]["ApproximateCreationDateTime"], int)
    sequence = [int(r["dynamodb"]["SequenceNumber"]) for r in handler.records]
    assert sequence == sorted(sequence)


def test_only_records_written_after_the_pump_started_are_delivered(db):
    # Given an item written before the pump exists
    db.transact_write_items(TransactItems=[put("OLD", "1", "x")])
    handler = Recorder()
    pump = StreamPump(db, TABLE, handler)

    # When another is written and the pump runs
    db.transact_write_items(TransactItems=[put("NEW", "1", "y")])
    pump.pump()

    # Then only the new one arrives
    assert handler.written() == [("INSERT", "NEW", "1")]


def test_a_write_that_changes_nothing_is_not_delivered_as_on_dynamodb(db):
    # Given an item, and a pump started after it
    db.transact_write_items(TransactItems=[put("A", "1", "same")])
    handler = Recorder()
    pump = StreamPump(db, TABLE, handler)

    # When the same item is written again unchanged, then deleted
    db.transact_write_items(TransactItems=[put("A", "1", "same")])
    assert pump.pump() == 0
    delete = {"Delete": {"TableName": TABLE, "Key": {"pk": {"S": "A"}, "sk": {"S": "1"}}}}
    db.transact_write_items(TransactItems=[delete])
    pump.pump()

    # Then DynamoDB's behaviour: no record for the no-op, a REMOVE with the old image for the delete
    assert handler.written() == [("REMOVE", "A", "1")]
    assert handler.records[0]["dynamodb"]["OldImage"]["doc"] == {"S": "same"}
    assert pump.invocations == 1


def test_batches_hold_at_most_the_batch_size(db):
    # Given a pump with batches of two
    handler = Recorder()
    pump = StreamPump(db, TABLE, handler, batch_size=2)

    # When five items are written
    for n in range(5):
        db.transact_write_items(TransactItems=[put("A", str(n), "x")])
    pump.pump()

    # Then three invocations carry them all, in order
    assert [len(batch["Records"]) for batch in handler.batches] == [2, 2, 1]
    assert [key[2] for key in handler.written()] == ["0", "1", "2", "3", "4"]


def test_a_cancelled_transaction_delivers_nothing_and_later_writes_still_arrive(db):
    # Given a pump, and a transaction whose condition fails after its first write
    handler = Recorder()
    pump = StreamPump(db, TABLE, handler)
    db.transact_write_items(TransactItems=[put("A", "1", "x")])
    pump.pump()
    conditional = put("A", "1", "y")
    conditional["Put"]["ConditionExpression"] = "attribute_not_exists(pk)"
    with pytest.raises(ClientError, match="TransactionCanceled"):
        db.transact_write_items(TransactItems=[put("B", "1", "rolled back"), conditional])

    # When another write follows and the pump runs
    db.transact_write_items(TransactItems=[put("C", "1", "z")])
    pump.pump()

    # Then the rolled-back write never arrives; the later one does, once
    assert handler.written() == [("INSERT", "A", "1"), ("INSERT", "C", "1")]


def test_a_table_without_a_stream_is_refused_in_one_line(db):
    # Given a table created without a stream
    db.create_table(
        TableName="no-stream",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )

    # Then the pump says which table and what is missing
    with pytest.raises(ValueError, match="table no-stream: no stream"):
        StreamPump(db, "no-stream", Recorder())
