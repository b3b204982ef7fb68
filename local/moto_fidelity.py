"""Where moto is less strict than AWS in a way our guarantees depend on, make it strict (local only).

DynamoDB serializes the writes to one item, and a transaction's condition checks and writes
happen atomically. moto's backend checks conditions and then writes without a lock, so two
threads can both pass `attribute_not_exists`. The concurrency tests would then test moto, not
us: every path of moto's DynamoDB backend is run under one lock while the world exists.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

# Reads too: moto's get_item inserts into a defaultdict on a miss, which breaks a concurrent
# transaction's deep copy of the table ("dictionary changed size during iteration").
SERIALIZED_METHODS = (
    "put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item",
    "get_item", "query", "scan", "batch_get_item", "transact_get_items",
)  # fmt: skip
DYNAMODB_LOCK = threading.RLock()  # also held by local.moto_transactions


def _serialized(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with DYNAMODB_LOCK:
            return method(*args, **kwargs)

    return wrapper


@contextmanager
def atomic_dynamodb_writes() -> Iterator[None]:
    originals = {name: getattr(DynamoDBBackend, name) for name in SERIALIZED_METHODS if hasattr(DynamoDBBackend, name)}
    for name, method in originals.items():
        setattr(DynamoDBBackend, name, _serialized(method))
    try:
        yield
    finally:
        for name, method in originals.items():
            setattr(DynamoDBBackend, name, method)


# Step Functions accepts StopExecution the moment StartExecution has answered. moto's worker builds
# its evaluation environment on its own thread after answering, and a stop that arrives first fails
# inside moto ('NoneType' object has no attribute 'set_stop'): a resolve clicked right after the
# ladder started would then fail locally, never on AWS. The stop waits for the worker to be ready.
STOP_WAIT_SECONDS = 5.0


@contextmanager
def stoppable_new_executions() -> Iterator[None]:
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    original = ExecutionWorker.stop

    def stop(self: ExecutionWorker, *args: Any, **kwargs: Any) -> None:
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        while getattr(self, "env", None) is None and time.monotonic() < deadline:
            time.sleep(0.005)
        original(self, *args, **kwargs)

    ExecutionWorker.stop = stop  # type: ignore[method-assign]
    try:
        yield
    finally:
        ExecutionWorker.stop = original  # type: ignore[method-assign]
