"""The one place runtime code reads the time.

Everything that stamps or schedules goes through `now()`, so local replay can run the real
handlers on a virtual clock (local/virtual_clock.py swaps `_source`) without touching logic.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


def _wall_clock() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _wall_clock


def now() -> datetime:
    return _source()
