"""The diagnostics stage of the first response: run the scenario's checks, let the evidence
re-classify the incident, and record both. Heavy modules load only when an incident opens."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from functions import clock
from functions.incident import Incident, TimelineEntry
from functions.lifecycle import Decision
from functions.observability import logger
from functions.policy import RUNBOOK, Runbook
from functions.policy.effective import service_policy
from functions.services import ServiceConfig

if TYPE_CHECKING:
    from functions.aws import AwsClients
    from functions.diagnostics.base import Finding
    from functions.incident_store import Change
    from functions.severity import Reclassification


RecentChanges = Callable[[str, datetime], Sequence["Change"]]
CHANGE_WINDOW = timedelta(hours=6)  # the recorded events a check may correlate with (each keeps its own window)


class Diagnoser:
    def __init__(
        self,
        clients: AwsClients,
        budget_seconds: float,
        runbook: Runbook = RUNBOOK,
        changes: RecentChanges | None = None,
    ) -> None:
        """`changes(service, since)` reads the service's recorded events (the incident store's recent changes)."""
        self._clients = clients
        self._budget = budget_seconds
        self._runbook = runbook
        self._changes = changes

    def __call__(
        self, incident: Incident, service: ServiceConfig, opening: Sequence[Change] = ()
    ) -> tuple[list[Finding], Reclassification | None]:
        """`opening`: the change the opening event records, which its own write may not have stored yet."""
        from functions.diagnostics import applicable, run_checks
        from functions.diagnostics.base import CheckContext, RecordedChanges
        from functions.severity import reclassify

        context = CheckContext(
            incident_id=incident.id,
            scenario=incident.scenario,
            severity=incident.severity,
            service=service,
            now=clock.now(),
            opened_at=incident.opened_at,
            alarm_names=list(incident.alarms),
        )
        checks = applicable(self._runbook.scenario(incident.scenario).checks, service)
        # The recorded changes are read beside the checks; the one check that needs them waits for them.
        reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recent-changes")
        try:
            pending = reader.submit(self._recent_changes, service.name, incident.opened_at, opening)
            context.changes = RecordedChanges(lambda: _finished(pending, self._budget))
            findings = run_checks(checks, context, self._clients, self._budget)
        finally:
            reader.shutdown(wait=False)
        return findings, reclassify(incident.severity, incident.scenario, findings)

    def _recent_changes(self, service: str, opened_at: datetime, opening: Sequence[Change] = ()) -> list[Change]:
        """Up to the incident's start (and the event that opened it); unreadable means none, not no diagnosis."""
        changes: list[Change] = list(opening)
        if self._changes is not None:
            try:
                changes += self._changes(service, opened_at - CHANGE_WINDOW)
            except Exception:
                logger.warning("could not read the service's recent changes", extra={"service": service},
                               exc_info=True)  # fmt: skip
        unique = {(change.source, change.name, change.at): change for change in changes}
        return sorted((change for change in unique.values() if change.at <= opened_at), key=lambda change: change.at)


def _finished(pending: Future[list[Change]], timeout: float) -> list[Change]:
    try:
        return pending.result(timeout=timeout)
    except FuturesTimeout:
        logger.warning("the service's recent changes were not read within the diagnostics budget")
        return []


def record_diagnosis(
    findings: list[Finding], change: Reclassification | None, service: ServiceConfig, runbook: Runbook = RUNBOOK
) -> Any:
    """A change for `apply_change`: store the findings; follow the evidence if it calls for more."""

    def apply(current: Incident, now: datetime) -> Decision:
        if current.findings:
            return Decision()  # a redelivery already diagnosed this incident
        incident = current.model_copy(deep=True)
        incident.findings = [f.model_dump(mode="json") for f in findings]
        verdicts = ", ".join(f"{f.check} {f.status.value}" for f in findings) or "no checks for this scenario"
        incident.actions_taken.append(f"Automatic diagnostics: {verdicts}")
        timeline = [TimelineEntry(at=now, kind="diagnosed", text=f"Diagnostics ran: {verdicts}")]
        if change is not None:
            timeline.append(_follow_evidence(incident, change, service, now, runbook))
        incident.updated_at = now
        return Decision(incident=incident, timeline=timeline)

    return apply


def _follow_evidence(
    incident: Incident, change: Reclassification, service: ServiceConfig, now: datetime, runbook: Runbook
) -> TimelineEntry:
    scenario = runbook.scenario(change.scenario)
    text = (
        f"Evidence re-classified {incident.severity.value} {incident.scenario} → "
        f"{change.severity.value} {scenario.name} (rule {change.rule}): {change.reason}"
    )
    if change.severity.outranks(incident.severity):
        cadence = timedelta(seconds=runbook.severity(change.severity).update_every_seconds)
        incident.next_update_at = min(incident.next_update_at, now + cadence)
    incident.severity = change.severity
    incident.scenario = scenario.name
    incident.impact = service_policy(service, runbook).text(scenario.impact)
    incident.severity_reason = f"diagnostics rule {change.rule}: {change.reason}"
    incident.actions_taken.append(f"Severity set to {change.severity.value} ({scenario.title}) by the evidence")
    return TimelineEntry(at=now, kind="severity", text=text)
