"""local.moto_fidelity.stoppable_new_executions: a StopExecution that reaches moto before its worker
thread has built the execution's environment stops it, as Step Functions does, instead of failing."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

from local.moto_fidelity import stoppable_new_executions


def _worker_not_ready_yet() -> ExecutionWorker:
    """A worker as moto has it between answering StartExecution and its thread's first line."""
    worker = ExecutionWorker.__new__(ExecutionWorker)
    worker.env = None  # type: ignore[assignment]
    return worker


def test_without_the_adapter_an_early_stop_fails_inside_moto():
    # Given a worker whose thread has not built its environment yet
    worker = _worker_not_ready_yet()
    # When it is stopped, Then moto itself fails (the race the adapter closes)
    with pytest.raises(AttributeError, match="set_stop"):
        worker.stop(stop_date=None, error="", cause="")  # type: ignore[arg-type]


def test_with_the_adapter_the_stop_waits_for_the_worker_and_lands():
    # Given the same worker, whose environment appears 50 ms later (its thread starting)
    worker = _worker_not_ready_yet()
    stopped: list[dict[str, object]] = []
    ready = SimpleNamespace(set_stop=lambda **kwargs: stopped.append(kwargs))
    threading.Timer(0.05, lambda: setattr(worker, "env", ready)).start()
    # When it is stopped under the adapter
    with stoppable_new_executions():
        started = time.monotonic()
        worker.stop(stop_date=None, error="", cause="")  # type: ignore[arg-type]
    # Then the stop reached the execution once it existed
    assert stopped == [{"stop_date": None, "cause": "", "error": ""}]
    assert time.monotonic() - started >= 0.04
    # And moto is as it was afterwards
    assert ExecutionWorker.stop.__module__.startswith("moto.")
