"""moto's TransactWriteItems without its whole-table snapshot (local only).

To roll a failed transaction back, moto 5 deep-copies the whole table, stream records included,
once per item in the transaction, before it checks anything: a six-item commit on a table of
n items and s stream records costs 6·(n + s) copies, so a storm gets slower as the table fills,
and DynamoDB costs nothing of the kind. Here the same moto code runs (its validation, condition
checks, writes, stream records and error shapes are untouched), but the snapshot is a journal of
just the keys the transaction names, taken before it runs: on any failure those keys get their
earlier items back and the stream forgets the records the transaction wrote. The table stays the
same object, so nothing holding it (a stream reader) sees a stale copy.

Installed inside `local.moto_fidelity.atomic_dynamodb_writes`'s lock: the journal and the write
are one step for every other thread.
"""

from __future__ import annotations

import copy
import functools
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

from local.moto_fidelity import DYNAMODB_LOCK


@dataclass
class _TableJournal:
    table: Table
    stream_records: int | None  # len(stream_shard.items) before, None without a stream
    prior: dict[tuple[DynamoType, DynamoType | None], Item | None] = field(default_factory=dict)
    new_hash_keys: set[DynamoType] = field(default_factory=set)  # absent before: removed again


@dataclass
class TransactionJournal:
    """What the keys a transaction names held before it ran, per table."""

    tables: dict[str, _TableJournal] = field(default_factory=dict)

    @classmethod
    def before(cls, backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> TransactionJournal:
        journal = cls()
        for entry in transact_items:
            for operation in entry.values():
                if isinstance(operation, dict):
                    journal._remember(backend, operation)
        return journal

    def _remember(self, backend: DynamoDBBackend, operation: dict[str, Any]) -> None:
        name = operation.get("TableName")
        table = backend.tables.get(name) if isinstance(name, str) else None
        key = _key_of(table, operation) if table is not None else None
        if table is None or key is None or not isinstance(name, str):
            return  # moto refuses it before writing anything
        shard = table.stream_shard
        journal = self.tables.setdefault(name, _TableJournal(table, len(shard.items) if shard else None))
        if key in journal.prior:
            return  # the first sighting is the state before the transaction
        hash_key, range_key = key
        if hash_key not in table.items:
            journal.new_hash_keys.add(hash_key)
        journal.prior[key] = copy.deepcopy(_peek(table, hash_key, range_key))  # an Update changes it in place

    def restore(self, backend: DynamoDBBackend) -> None:
        """Put back every key's earlier item and drop the stream records written since."""
        for name, journal in self.tables.items():
            table = journal.table
            backend.tables[name] = table  # moto's own rollback assigned its (now uncopied) snapshot
            for (hash_key, range_key), item in journal.prior.items():
                _put_back(table, hash_key, range_key, item)
            for hash_key in journal.new_hash_keys:
                if table.has_range_key and not table.items.get(hash_key):
                    table.items.pop(hash_key, None)
            shard = table.stream_shard
            if shard is not None and journal.stream_records is not None:
                del shard.items[journal.stream_records :]


def _key_of(table: Table, operation: dict[str, Any]) -> tuple[DynamoType, DynamoType | None] | None:
    attributes = operation.get("Item") if "Item" in operation else operation.get("Key")
    if not isinstance(attributes, dict) or table.hash_key_attr not in attributes:
        return None
    range_attr = table.range_key_attr
    if range_attr is not None and range_attr not in attributes:
        return None
    try:
        hash_key = DynamoType(attributes[table.hash_key_attr])
        return hash_key, DynamoType(attributes[range_attr]) if range_attr is not None else None
    except Exception:  # a malformed key: moto refuses the transaction before any write
        return None


def _peek(table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> Item | None:
    """The stored item, without moto's defaultdict inserting an empty partition on a miss."""
    found = table.items.get(hash_key)
    if range_key is None:
        return found if isinstance(found, Item) else None
    return found.get(range_key) if isinstance(found, dict) else None


def _put_back(table: Table, hash_key: DynamoType, range_key: DynamoType | None, item: Item | None) -> None:
    if range_key is None:
        if item is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = item  # type: ignore[assignment]  # a hash-only table holds items
        return
    if item is None:
        partition = table.items.get(hash_key)
        if isinstance(partition, dict):
            partition.pop(range_key, None)
    else:
        table.items[hash_key][range_key] = item


def _tables_uncopied() -> types.SimpleNamespace:
    """moto's module sees this as `copy`: a Table "deep copy" is the table itself, anything else is copied."""

    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    return types.SimpleNamespace(deepcopy=deepcopy, copy=copy.copy)


def _journaled(transact: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(transact)
    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> Any:
        with DYNAMODB_LOCK:
            journal = TransactionJournal.before(self, transact_items)
            real_copy = dynamodb_models.copy
            dynamodb_models.copy = _tables_uncopied()  # type: ignore[assignment]
            try:
                return transact(self, transact_items)
            except BaseException:
                journal.restore(self)
                raise
            finally:
                dynamodb_models.copy = real_copy

    return transact_write_items


@contextmanager
def journaled_transactions() -> Iterator[None]:
    """While it is open, moto's TransactWriteItems rolls back from a journal, not a table copy."""
    original = DynamoDBBackend.transact_write_items
    DynamoDBBackend.transact_write_items = _journaled(original)  # type: ignore[method-assign]
    try:
        yield
    finally:
        DynamoDBBackend.transact_write_items = original  # type: ignore[method-assign]
