"""local/moto_transactions.py: moto's TransactWriteItems, same outcomes, without copying the table.

The same random transactions (puts, updates, deletes, condition checks; some fail their
conditions, some name a key twice) run on plain moto and on moto with the journal; the answers,
the table and the stream must be the same, and the journaled run must never copy a table.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models.table import Table

from local.moto_fidelity import atomic_dynamodb_writes
from local.moto_transactions import journaled_transactions
from local.streams import MOTO_STREAMS_CONFIG
from tests.conftest import streamed_table

RANGE_TABLE = "journal-probe"
HASH_TABLE = "journal-probe-hash"
pytestmark = pytest.mark.usefixtures("aws_env")


@contextmanager
def tables() -> Iterator[Any]:
    with mock_aws():
        db = boto3.client("dynamodb")
        streamed_table(db, RANGE_TABLE)
        streamed_table(db, HASH_TABLE, range_key=False)
        yield db


def _key(table: str, pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}} | ({"sk": {"S": sk}} if table == RANGE_TABLE else {})


def _operation(rng: random.Random) -> dict[str, Any]:
    table = rng.choice((RANGE_TABLE, HASH_TABLE))
    key = _key(table, f"P{rng.randrange(3)}", f"S{rng.randrange(3)}")
    kind = rng.choice(("Put", "Put", "Update", "Delete", "ConditionCheck"))
    condition = rng.choice((None, "attribute_not_exists(pk)", "attribute_exists(pk)", "n < :limit"))
    op: dict[str, Any] = {"TableName": table}
    values: dict[str, Any] = {}
    if kind == "Put":
        op["Item"] = key | {"n": {"N": str(rng.randrange(10))}}
    else:
        op["Key"] = key
    if kind == "Update":
        op["UpdateExpression"] = "SET n = if_not_exists(n, :zero) + :one"
        values |= {":zero": {"N": "0"}, ":one": {"N": "1"}}
    if kind == "ConditionCheck" and condition is None:
        condition = "attribute_exists(pk)"
    if condition:
        op["ConditionExpression"] = condition
        if ":limit" in condition:
            values[":limit"] = {"N": "5"}
    if values:
        op["ExpressionAttributeValues"] = values
    return {kind: op}


def _transactions(seed: int, count: int = 60) -> list[list[dict[str, Any]]]:
    rng = random.Random(seed)
    return [[_operation(rng) for _ in range(rng.randint(1, 4))] for _ in range(count)]


def _play(db: Any, transactions: list[list[dict[str, Any]]]) -> list[str]:
    answers = []
    for items in transactions:
        try:
            db.transact_write_items(TransactItems=items)
            answers.append("ok")
        except ClientError as error:
            reasons = [r.get("Code", "") for r in error.response.get("CancellationReasons", [])]
            answers.append(f"{error.response['Error']['Code']} {reasons}")
    return answers


def _contents(db: Any) -> dict[str, list[Any]]:
    return {
        name: sorted(db.scan(TableName=name)["Items"], key=lambda item: (item["pk"]["S"], str(item.get("sk"))))
        for name in (RANGE_TABLE, HASH_TABLE)
    }


def _stream(db: Any, table: str) -> list[tuple[str, Any, Any, Any]]:
    streams = boto3.client("dynamodbstreams", config=MOTO_STREAMS_CONFIG)
    arn = db.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=1000)["Records"]
    return [
        (
            r["eventName"],
            r["dynamodb"]["Keys"],
            r["dynamodb"].get("OldImage"),
            r["dynamodb"].get("NewImage"),
        )
        for r in records
    ]


def _outcome(transactions: list[list[dict[str, Any]]], journaled: bool) -> tuple[Any, ...]:
    with tables() as db, journaled_transactions() if journaled else _plain(), atomic_dynamodb_writes():
        answers = _play(db, transactions)
        return answers, _contents(db), _stream(db, RANGE_TABLE), _stream(db, HASH_TABLE)


@contextmanager
def _plain() -> Iterator[None]:
    yield


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_journaled_transactions_answer_and_leave_the_table_and_stream_as_moto_does(seed):
    # Given the same random transactions, some bound to fail their conditions or to name a key twice
    transactions = _transactions(seed)
    # When they run on plain moto and on moto with the journal
    plain = _outcome(transactions, journaled=False)
    journaled = _outcome(transactions, journaled=True)
    # Then every answer, every item and every stream record is the same
    answers, _, _, _ = plain
    assert any(answer != "ok" for answer in answers) and "ok" in answers  # both paths were taken
    assert journaled == plain


def test_a_failed_transaction_changes_nothing_and_writes_no_stream_record():
    with tables() as db, journaled_transactions(), atomic_dynamodb_writes():
        # Given an item, counted once
        db.put_item(TableName=RANGE_TABLE, Item={"pk": {"S": "A"}, "sk": {"S": "1"}, "n": {"N": "1"}})
        before, stream_before = _contents(db), _stream(db, RANGE_TABLE)
        # When a transaction updates it, puts a new item, deletes a missing one, then fails a condition check
        items = [
            {
                "Update": {
                    "TableName": RANGE_TABLE,
                    "Key": _key(RANGE_TABLE, "A", "1"),
                    "UpdateExpression": "SET n = n + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
            {"Put": {"TableName": RANGE_TABLE, "Item": {"pk": {"S": "B"}, "sk": {"S": "1"}}}},
            {"Delete": {"TableName": HASH_TABLE, "Key": {"pk": {"S": "nothing"}}}},
            {
                "ConditionCheck": {
                    "TableName": RANGE_TABLE,
                    "Key": _key(RANGE_TABLE, "A", "2"),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
        ]
        with pytest.raises(ClientError) as refused:
            db.transact_write_items(TransactItems=items)
        # Then it was cancelled for the condition, and the item, the table and the stream are as before
        assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
        assert _contents(db) == before
        assert _stream(db, RANGE_TABLE) == stream_before
        item = db.get_item(TableName=RANGE_TABLE, Key=_key(RANGE_TABLE, "A", "1"))["Item"]
        assert item["n"] == {"N": "1"}


def test_no_table_is_copied_however_many_items_a_transaction_has():
    with tables() as db, journaled_transactions(), atomic_dynamodb_writes():
        # Given a table with some items
        for n in range(20):
            db.put_item(TableName=RANGE_TABLE, Item={"pk": {"S": "A"}, "sk": {"S": f"{n:02d}"}})
        real_deepcopy = copy.deepcopy
        copied: list[str] = []

        def spy(value: Any, memo: Any = None) -> Any:
            if isinstance(value, Table):
                copied.append(value.name)
            return real_deepcopy(value, memo)

        # When a succeeding and a failing four-item transaction run
        def puts(pk: str) -> list[dict[str, Any]]:
            return [{"Put": {"TableName": RANGE_TABLE, "Item": _key(RANGE_TABLE, pk, str(n))}} for n in range(4)]

        failing = puts("C")
        failing[3]["Put"]["ConditionExpression"] = "attribute_exists(pk)"  # C/3 does not exist
        with mock.patch("copy.deepcopy", spy):
            db.transact_write_items(TransactItems=puts("B"))
            with pytest.raises(ClientError):
                db.transact_write_items(TransactItems=failing)
        # Then no table was deep-copied (moto alone copies the table once per item)
        assert copied == []
        assert len(_contents(db)[RANGE_TABLE]) == 24
