"""A virtual clock for local replay: the handlers' `functions.clock.now()` reads it.

Time only moves when the replay moves it, so a 12-hour escalation ladder plays in seconds.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from functions import clock as runtime_clock


class VirtualClock:
    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance_to(self, moment: datetime) -> None:
        """Never backwards: events that arrive late are handled at the current time."""
        with self._lock:
            if moment > self._now:
                self._now = moment

    @contextmanager
    def installed(self) -> Iterator[VirtualClock]:
        previous = runtime_clock._source
        runtime_clock._source = self.now
        try:
            yield self
        finally:
            runtime_clock._source = previous
