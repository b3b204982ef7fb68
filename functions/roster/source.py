"""The roster as the functions read it: once per container, and a broken one is heard, never skipped.

A page always goes to its level's topic. The roster only adds the name, the phone and the Slack
mention; when it cannot be read, the page says why instead and the error is logged and counted
(`RosterInvalid`, alarmed to the ops topic), so a bad edit of the parameter is found the same day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from threading import Lock

from aws_lambda_powertools.metrics import MetricUnit

from functions.observability import ROSTER_INVALID_METRIC, logger, metrics
from functions.policy import Level
from functions.roster.holder import Holder
from functions.roster.load import RosterError
from functions.roster.model import Roster
from functions.roster.schedule import on_call


class RosterSource:
    def __init__(self, load: Callable[[], Roster] | None) -> None:
        self._load = load
        self._lock = Lock()
        self._loaded = False
        self._roster: Roster | None = None
        self._problem = "no roster is configured" if load is None else ""

    def holder(self, level: Level, at: datetime) -> Holder:
        roster = self.roster()
        if roster is None:
            return Holder(missing=self._problem)
        person = on_call(roster, level, at).person
        return Holder(name=person.name, phone=person.phone, slack=person.slack)

    def roster(self) -> Roster | None:
        with self._lock:  # the first response reads it from several threads
            if not self._loaded and self._load is not None:
                self._roster = self._read(self._load)
                self._loaded = True
        return self._roster

    def _read(self, load: Callable[[], Roster]) -> Roster | None:
        try:
            return load()
        except RosterError as error:
            self._problem = str(error)
            logger.error("roster unusable: pages go to the level topics without a name", extra={"problem": str(error)})
            metrics.add_metric(name=ROSTER_INVALID_METRIC, unit=MetricUnit.Count, value=1)
            return None
