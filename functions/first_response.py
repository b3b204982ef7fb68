"""The first minutes of a new incident, as parallel as their dependencies allow.

The write that opens the incident also claims, in the notification ledger, the messages the first
response will send (`opening_claims`). After it, these start at once, side by side:

- the escalation clock (StartExecution): the first page never waits for anything below;
- the metric graph (GetMetricWidgetImage, then the PutObject that stores it);
- the incident channel (Slack: create, then purpose, topic and invitations together);
- for a P0 (policy D19), the Initial Notification, as soon as the graph is drawn: "diagnosis follows";
- the scenario's checks; the message that carries their verdicts (the Initial Notification, or for a
  P0 the diagnosis update) is sent the moment they are in.

One last write records the findings, the execution, the channel and the graph and marks the
messages sent. `benchmarks/README.md` lists every call with what it waits for. A redelivery of an
interrupted first response takes the same path, the ledger deciding what is still to send.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from functions import clock
from functions.diagnosis import Diagnoser, record_diagnosis
from functions.escalation.executions import Escalator
from functions.incident import Incident, IncidentChannel
from functions.incident_store import Change, ChangeFn, IncidentStore, apply_change
from functions.lifecycle import Decision, Notify, record_execution
from functions.notifications.render import Message, diagnosis_update_message, initial_message
from functions.notifications.sender import IncidentMessenger
from functions.policy import RUNBOOK, Level, Runbook
from functions.settings import Settings

if TYPE_CHECKING:
    from functions.channel.keeper import ChannelKeeper
    from functions.notifications.graph import Graph, GraphMaker
    from functions.roster.source import RosterSource

T = TypeVar("T")
GRAPH_WAIT_SECONDS = 2.0  # a P0's Initial Notification waits this long for the graph, then goes without
INITIAL_KEY = Notify.INITIAL.value
DIAGNOSIS_KEY = "diagnosis"  # the ledger key of a P0's diagnosis update (once per incident)


class FirstResponse:
    def __init__(
        self,
        settings: Settings,
        store: IncidentStore,
        messenger: IncidentMessenger,
        escalator: Escalator,
        diagnose: Diagnoser,
        prepare: Callable[[], None] = lambda: None,
        channels: ChannelKeeper | None = None,
        graphs: GraphMaker | None = None,
        roster: RosterSource | None = None,
        runbook: Runbook = RUNBOOK,
    ) -> None:
        self.settings = settings
        self.store = store
        self.messenger = messenger
        self.escalator = escalator
        self.diagnose = diagnose
        self.prepare = prepare
        self.channels = channels
        self.graphs = graphs
        self.roster = roster
        self.runbook = runbook

    def opening_claims(self, incident: Incident) -> list[str]:
        """What the opening write claims: the Initial Notification, and a P0's diagnosis update (D19)."""
        follows = self.runbook.severity(incident.severity).diagnosis_follows
        return [INITIAL_KEY, DIAGNOSIS_KEY] if follows else [INITIAL_KEY]

    def prefetch(self) -> Future[None]:
        """Start reading the secrets and the roster (and loading the checks) beside the first read."""
        return _in_thread(self.prepare, "first-response-prefetch")

    def begin(
        self, incident: Incident, prepared: Future[None] | None = None, opening: Sequence[Change] = ()
    ) -> Underway:
        """What needs only the decision, not its write: the checks and the graph start beside the
        opening write (a conflicting write abandons them, see `Underway.abandon`). `opening`: the
        change the opening event records (its write may land after the checks read the changes)."""
        pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="first-response")
        checks = pool.submit(self._check, incident, opening)  # the longest branch, first
        drawn = pool.submit(self._draw, incident)
        return Underway(pool, prepared or pool.submit(self.prepare), checks, drawn)

    def run(self, incident: Incident, *, fresh: bool, underway: Underway | None = None) -> Incident:
        """`fresh`: opened by this invocation, whose opening write made `opening_claims`; otherwise a
        redelivery finishing an interrupted first response (the ledger decides what is still to send).
        """
        send = self._deliver if fresh else self._send_once
        early = self.runbook.severity(incident.severity).diagnosis_follows
        head = underway or self.begin(incident)
        pool, prepared, drawn = head.pool, head.prepared, head.drawn
        try:
            started = pool.submit(self.escalator.start, incident)
            stored = pool.submit(self._store_graph, incident, drawn)
            channel = pool.submit(self._create_channel, incident, prepared)
            announced = pool.submit(self._announce, incident, drawn, prepared, send) if early else None
            opened = pool.submit(self._open_channel, channel, incident, drawn, announced)
            diagnosed, carrier = self._diagnose(incident, head.checks.result(), early, prepared, stored, send)
            posts = pool.submit(self._post_in_channel, channel, incident, carrier)
            if announced is not None:
                announced.result()  # sent before it is marked so
            sent = self.opening_claims(incident) if fresh else []  # a redelivery's sends marked themselves
            finish = _finish(diagnosed, started.result(), channel.result(), stored.result(), sent)
            _, _, after = apply_change(self.store, incident.id, finish, known=incident)
            final = after or self.store.get(incident.id) or incident
            self._follow_evidence(incident, final, started.result().escalation_execution)
            opened.result()
            posts.result()
        finally:
            pool.shutdown(wait=True)
        return final

    # --- the branches --------------------------------------------------------------------------

    def _deliver(self, incident: Incident, message: Message, key: str) -> bool:
        self.messenger.deliver(incident, message)  # claimed by the opening write
        return True

    def _send_once(self, incident: Incident, message: Message, key: str) -> bool:
        return self.messenger.send_message(incident, message, key)

    def _announce(
        self, incident: Incident, drawn: Future[Graph | None], prepared: Future[None], send: _Send
    ) -> Message | None:
        """D19: a P0's Initial Notification before its diagnosis, with the graph if drawn in time."""
        graph = _within(drawn, GRAPH_WAIT_SECONDS)
        prepared.result()
        budget = self.settings.DIAGNOSTICS_BUDGET_SECONDS
        links = self.messenger.links(incident)
        message = initial_message(incident, links, graph.url if graph else None, early=True, budget_seconds=budget)
        return message if send(incident, message, INITIAL_KEY) else None

    def _check(self, incident: Incident, opening: Sequence[Change] = ()) -> ChangeFn | None:
        """The scenario's checks; None for a redelivery that diagnosed before."""
        if incident.findings:
            return None
        service = self.settings.service(incident.service)
        return record_diagnosis(*self.diagnose(incident, service, opening), service=service)

    def _diagnose(
        self,
        incident: Incident,
        record: ChangeFn | None,
        early: bool,
        prepared: Future[None],
        stored: Future[str | None],
        send: _Send,
    ) -> tuple[ChangeFn | None, Message | None]:
        """The message carrying the checks' verdicts; the findings themselves are written last."""
        diagnosed = incident
        if record is not None:
            diagnosed = record(incident, clock.now()).incident or incident  # what the last write stores
        prepared.result()
        message = self._carrier(diagnosed, early, stored)
        return record, message if send(diagnosed, message, _carrier_key(early)) else None

    def _carrier(self, incident: Incident, early: bool, stored: Future[str | None]) -> Message:
        """The message the diagnosis goes out in: a P0's diagnosis update, else the Initial Notification
        (with the graph's link once the graph is stored)."""
        links = self.messenger.links(incident)
        if early:
            return diagnosis_update_message(incident, links)
        key = _within(stored, GRAPH_WAIT_SECONDS)
        return initial_message(incident, links, self.graphs.url_for(key) if self.graphs and key else None)

    def _draw(self, incident: Incident) -> Graph | None:
        if self.graphs is None or incident.graph_key:
            return None
        return self.graphs.draw(incident)

    def _store_graph(self, incident: Incident, drawn: Future[Graph | None]) -> str | None:
        graph = drawn.result()
        if self.graphs is None or graph is None or not self.graphs.store(incident, graph):
            return incident.graph_key
        return graph.key

    def _create_channel(self, incident: Incident, prepared: Future[None]) -> IncidentChannel | None:
        if self.channels is None:
            return None
        prepared.result()  # the bot token and the roster
        if not self.channels.wanted(incident):
            return None
        holder = self.roster.holder(Level.L1, clock.now()) if self.roster else None
        return self.channels.create(incident, [holder.slack] if holder and holder.slack else [])

    def _open_channel(
        self,
        channel: Future[IncidentChannel | None],
        incident: Incident,
        drawn: Future[Graph | None],
        announced: Future[Message | None] | None,
    ) -> None:
        """The channel's first copies, each as soon as it can go: a P0's Initial Notification (naming
        the invited L1 person), and the graph itself."""
        ref = channel.result()
        if ref is None or self.channels is None:
            return
        keeper = self.channels
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="channel-copies") as copies:
            if announced is not None:
                copies.submit(self._post_announcement, keeper, ref, incident, announced)
            graph = drawn.result()
            if graph is not None:
                copies.submit(keeper.upload_graph, ref, incident, graph.png, graph.alarm, graph.at)

    def _post_announcement(
        self, keeper: ChannelKeeper, ref: IncidentChannel, incident: Incident, announced: Future[Message | None]
    ) -> None:
        message = announced.result()
        if message is not None:
            keeper.post_to(ref, incident, message.model_copy(update={"mentions": ref.invited}))

    def _post_in_channel(
        self, channel: Future[IncidentChannel | None], incident: Incident, carrier: Message | None
    ) -> None:
        """The message with the diagnosis (for P1-P3 the channel's first, naming the invited L1 person)."""
        ref = channel.result()
        if ref is None or self.channels is None or carrier is None:
            return
        mentions = ref.invited if carrier.kind == "initial" else []
        self.channels.post_to(ref, incident, carrier.model_copy(update={"mentions": mentions}))

    def _follow_evidence(self, before: Incident, after: Incident, running: str | None) -> None:
        """The checks raised the severity after the clock started: the ladder moves to the new one."""
        if after.escalation_generation == before.escalation_generation:
            return
        started = self.escalator.reschedule(after, running, clock.now())
        apply_change(self.store, after.id, record_execution(started), known=after)  # just stored: no read


_Send = Callable[[Incident, Message, str], bool]


@dataclass(frozen=True)
class Underway:
    """The branches `begin` started before the opening write."""

    pool: ThreadPoolExecutor
    prepared: Future[None]
    checks: Future[ChangeFn | None]
    drawn: Future[Graph | None]

    def abandon(self) -> None:
        """The write did not open this incident (a duplicate, a conflict): let the branches run out."""
        self.pool.shutdown(wait=False, cancel_futures=True)


def _carrier_key(early: bool) -> str:
    return DIAGNOSIS_KEY if early else INITIAL_KEY


def _in_thread(call: Callable[[], Any], name: str) -> Future[None]:
    future: Future[None] = Future()

    def run() -> None:
        try:
            call()
            future.set_result(None)
        except BaseException as error:  # surfaced where the result is awaited
            future.set_exception(error)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future


def _within(future: Future[T], seconds: float) -> T | None:
    try:
        return future.result(timeout=seconds)
    except TimeoutError:
        return None


def _finish(
    diagnosed: ChangeFn | None,
    started: Incident,
    channel: IncidentChannel | None,
    graph_key: str | None,
    sent: list[str],
) -> ChangeFn:
    """The last write: the findings (and what they changed), what the branches produced, and the
    messages sent. A severity the evidence raised starts a new escalation generation."""

    def change(current: Incident, now: datetime) -> Decision:
        if current.first_response_done:
            return Decision()
        recorded = diagnosed(current, now) if diagnosed else Decision()
        incident = recorded.incident or current.model_copy(deep=True)
        if incident.severity.outranks(current.severity):
            incident.escalation_generation += 1
        incident.first_response_done = True
        incident.escalation_execution = started.escalation_execution
        incident.channel = current.channel or channel
        incident.graph_key = current.graph_key or graph_key
        incident.updated_at = now
        return Decision(incident=incident, timeline=recorded.timeline, sent=sent)

    return change
