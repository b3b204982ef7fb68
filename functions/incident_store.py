"""The incident store: DynamoDB behind a small interface.

One table, single-table layout:

| pk                  | sk                     | what                                              |
|---------------------|------------------------|---------------------------------------------------|
| INCIDENT#<id>       | META                   | the incident (JSON `doc`, `version` for CAS)      |
| INCIDENT#<id>       | TL#<iso time>#<n>      | one timeline entry (append-only)                  |
| INCIDENT#<id>       | MSG#<key>              | notification ledger: claimed/sent, exactly once   |
| SERVICE#<name>      | OPEN                   | the one open incident of the service              |
| SERVICE#<name>      | LAST_RESOLVED          | the last resolved incident (new ones link back)   |
| SERVICE#<name>      | MAINTENANCE            | its maintenance windows (JSON list, `version`)    |
| SERVICE#<name>      | CHANGE#<iso time>#<id> | info signals: deployments, RDS events (TTL)       |
| DELIVERY#<key>      | DELIVERY               | an alarm transition already applied (TTL)         |
| STATUS_PAGE         | INCIDENT#<opened>#<id> | the public view of a public incident (TTL once    |
|                     |                        | resolved); its stream rebuilds the status page    |

Every write is conditional; one decision is one transaction, so a delivery is applied
exactly once and concurrent deliveries cannot lose each other's updates.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError
from pydantic import BaseModel

from functions import clock
from functions.incident import Incident, TimelineEntry
from functions.intake.signal import Signal
from functions.lifecycle import Decision
from functions.maintenance.window import MaintenanceWindow
from functions.policy import RUNBOOK
from functions.status_page.public import PublicIncident, public_view

if TYPE_CHECKING:
    from pydantic import TypeAdapter

# The table's shape: infra/ builds the table from these names; nothing else spells them.
PARTITION_KEY = "pk"
SORT_KEY = "sk"
TTL_ATTRIBUTE = "expires_at"

DELIVERY_TTL = timedelta(days=14)
CHANGE_TTL = timedelta(days=30)
MESSAGE_RECLAIM_AFTER = timedelta(minutes=2)
STATUS_PAGE_PK = "STATUS_PAGE"  # the status page's stream filter (infra) and handler match on it
# A resolved incident stays on the page for the runbook's window; TTL deletion lags, the page filters.
STATUS_PAGE_TTL = timedelta(days=RUNBOOK.status_page_days + 5)


class DuplicateDelivery(Exception):
    """This transition was applied before: at-least-once delivery, nothing to do."""


class ConcurrentUpdate(Exception):
    """Someone else changed the incident first: re-read and decide again."""


def change_of(signal: Signal) -> Change:
    """The record an info signal (deployment, RDS or Health event) leaves on its service."""
    return Change(
        source=signal.source.value,
        name=signal.name,
        at=signal.occurred_at,
        text=signal.reason,
        deployment_id=signal.deployment_id,
    )


class ServiceState(BaseModel, defer_build=True):
    """What the intake needs to know about a service before deciding, read in one BatchGetItem."""

    open: Incident | None = None
    last_resolved: str | None = None
    windows: list[MaintenanceWindow] = []
    windows_version: int = 0
    delivered: bool = False  # the delivery asked about was applied before (a redelivery)


class Change(BaseModel, defer_build=True):
    """An ECS, RDS or Health event kept for the service (30 days): the recent changes."""

    source: str
    name: str
    at: datetime
    text: str
    deployment_id: str | None = None  # the ECS deployment it is about


class IncidentStore(Protocol):
    def open_incident(self, service: str) -> Incident | None: ...
    def service_state(self, service: str, delivery_key: str | None = None) -> ServiceState: ...
    def save_windows(self, service: str, windows: list[MaintenanceWindow], expected_version: int) -> None: ...
    def get(self, incident_id: str) -> Incident | None: ...
    def commit(
        self, decision: Decision, *, now: datetime, delivery_key: str | None = None, signal: Signal | None = None
    ) -> Incident | None: ...
    def timeline(self, incident_id: str) -> list[TimelineEntry]: ...
    def recent_changes(self, service: str, since: datetime) -> list[Change]: ...
    def claim_message(self, incident_id: str, key: str, now: datetime) -> bool: ...
    def seen(self, delivery_key: str) -> bool: ...
    def mark_message_sent(self, incident_id: str, key: str, now: datetime) -> None: ...


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int | float) -> dict[str, str]:
    return {"N": str(value)}


def _ttl(moment: datetime) -> dict[str, str]:
    return _n(int(moment.timestamp()))


class DynamoIncidentStore:
    def __init__(self, client: Any, table_name: str, *, private_services: Collection[str] = ()) -> None:
        self._db = client
        self._table = table_name
        self._private_services = frozenset(private_services)  # never on the status page (synthetic test)

    # --- reads -------------------------------------------------------------------------------

    def open_incident(self, service: str) -> Incident | None:
        return self.service_state(service).open

    def service_state(self, service: str, delivery_key: str | None = None) -> ServiceState:
        """The service's open incident, last resolved id and maintenance windows: its items in one read.

        With `delivery_key` the same read says whether that delivery was applied before, so a
        redelivery is answered without deciding anything or sending a transaction bound to fail.
        """
        pk = f"SERVICE#{service}"
        delivery = (f"DELIVERY#{delivery_key}", "DELIVERY") if delivery_key else None
        keys = [(pk, "OPEN"), (pk, "LAST_RESOLVED"), (pk, "MAINTENANCE")]
        items = self._items([*keys, delivery] if delivery else keys)
        pointer, resolved = items.get((pk, "OPEN")), items.get((pk, "LAST_RESOLVED"))
        windows = items.get((pk, "MAINTENANCE"))
        return ServiceState(
            open=self.get(pointer["incident_id"]["S"]) if pointer else None,
            last_resolved=resolved["incident_id"]["S"] if resolved else None,
            windows=_windows(windows["doc"]["S"]) if windows else [],
            windows_version=int(windows["version"]["N"]) if windows else 0,
            delivered=delivery in items if delivery else False,
        )

    def _items(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        """Consistent reads of a few (pk, sk) items in one BatchGetItem, by key; absent ones are missing."""
        request = [{"pk": _s(pk), "sk": _s(sk)} for pk, sk in keys]
        response = self._db.batch_get_item(RequestItems={self._table: {"Keys": request, "ConsistentRead": True}})
        if response.get("UnprocessedKeys"):  # throttled: the same reads one by one
            return {(pk, sk): found for pk, sk in keys if (found := self._get_item(pk, sk))}
        return {(item["pk"]["S"], item["sk"]["S"]): item for item in response["Responses"].get(self._table, [])}

    def save_windows(self, service: str, windows: list[MaintenanceWindow], expected_version: int) -> None:
        """Replace the service's windows if nobody changed them since `expected_version` was read."""
        doc = "[" + ",".join(window.model_dump_json() for window in windows) + "]"
        condition = "attribute_not_exists(pk)" if expected_version == 0 else "version = :expected"
        values = {":expected": _n(expected_version)} if expected_version else {}
        try:
            self._db.put_item(
                TableName=self._table,
                Item={
                    "pk": _s(f"SERVICE#{service}"),
                    "sk": _s("MAINTENANCE"),
                    "doc": _s(doc),
                    "version": _n(expected_version + 1),
                },
                ConditionExpression=condition,
                **({"ExpressionAttributeValues": values} if values else {}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise ConcurrentUpdate(f"maintenance windows of {service} changed meanwhile") from error
            raise

    def get(self, incident_id: str) -> Incident | None:
        item = self._get_item(f"INCIDENT#{incident_id}", "META")
        return Incident.model_validate_json(item["doc"]["S"]) if item else None

    def seen(self, delivery_key: str) -> bool:
        """Was this delivery (alarm transition, action nonce) applied before?"""
        return self._get_item(f"DELIVERY#{delivery_key}", "DELIVERY") is not None

    def timeline(self, incident_id: str) -> list[TimelineEntry]:
        items = self._query(f"INCIDENT#{incident_id}", "TL#")
        return [TimelineEntry.model_validate_json(item["doc"]["S"]) for item in items]

    def recent_changes(self, service: str, since: datetime) -> list[Change]:
        items = self._query(f"SERVICE#{service}", f"CHANGE#{since.isoformat()}", between="CHANGE#~")
        return [Change.model_validate_json(item["doc"]["S"]) for item in items]

    def status_page_history(self, since: datetime) -> list[PublicIncident]:
        """Public incidents open now or resolved since `since`, oldest first (one Query).

        The filter is on the resolve time, not the key's open time: an incident opened before
        `since` and still open (or resolved after it) belongs on the page.
        """
        items = self._query(
            STATUS_PAGE_PK,
            "INCIDENT#",
            FilterExpression="attribute_not_exists(resolved_at) OR resolved_at >= :since",
            ExpressionAttributeValues={":since": _s(since.isoformat())},
        )
        return [PublicIncident.model_validate_json(item["doc"]["S"]) for item in items]

    # --- the one write path --------------------------------------------------------------------

    def commit(
        self, decision: Decision, *, now: datetime, delivery_key: str | None = None, signal: Signal | None = None
    ) -> Incident | None:
        """Apply a decision atomically; returns the stored incident (version bumped).

        `delivery_key` makes the decision once-only: an alarm transition, or a one-time action link.
        """
        items: list[dict[str, Any]] = []
        if delivery_key:
            items.append(self._put_delivery(delivery_key, now))
        incident = decision.incident
        stored = incident.model_copy(update={"version": incident.version + 1}) if incident else None
        if incident and stored:
            items.append(self._put_incident(stored, expected=None if decision.created else incident.version))
            items.extend(self._timeline_puts(stored, decision.timeline))
            items.extend(self._pointer_writes(stored, decision))
            items.append(self._status_page_write(stored))
            items.extend(self._ledger_writes(stored.id, decision, now))
        if decision.record_change and signal is not None:
            items.append(self._put_change(signal, stored.service if stored else None))
        if items:
            self._transact(items, once_only=bool(delivery_key))
        return stored

    def _ledger_writes(self, incident_id: str, decision: Decision, now: datetime) -> list[dict[str, Any]]:
        """Claims of messages never claimed before (the decision that creates the reason to send them
        claims them) and marks of messages just sent: the items `claim_message`/`mark_message_sent` write."""
        pk = _s(f"INCIDENT#{incident_id}")
        at = _s(now.isoformat())
        claims = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {"pk": pk, "sk": _s(f"MSG#{key}"), "status": _s("claimed"), "claimed_at": at},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for key in decision.claims
        ]
        marks = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": {"pk": pk, "sk": _s(f"MSG#{key}")},
                    "UpdateExpression": "SET #st = :sent, sent_at = :at",
                    "ExpressionAttributeNames": {"#st": "status"},
                    "ExpressionAttributeValues": {":sent": _s("sent"), ":at": at},
                }
            }
            for key in decision.sent
        ]
        return claims + marks

    def claim_message(self, incident_id: str, key: str, now: datetime) -> bool:
        """Claim the right to send one notification; False if sent or claimed recently by another."""
        reclaim_before = (now - MESSAGE_RECLAIM_AFTER).isoformat()
        try:
            self._db.put_item(
                TableName=self._table,
                Item={
                    "pk": _s(f"INCIDENT#{incident_id}"),
                    "sk": _s(f"MSG#{key}"),
                    "status": _s("claimed"),
                    "claimed_at": _s(now.isoformat()),
                },
                ConditionExpression="attribute_not_exists(pk) OR (#st = :claimed AND claimed_at < :before)",
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues={":claimed": _s("claimed"), ":before": _s(reclaim_before)},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def mark_message_sent(self, incident_id: str, key: str, now: datetime) -> None:
        self._db.update_item(
            TableName=self._table,
            Key={"pk": _s(f"INCIDENT#{incident_id}"), "sk": _s(f"MSG#{key}")},
            UpdateExpression="SET #st = :sent, sent_at = :at",
            ExpressionAttributeNames={"#st": "status"},
            ExpressionAttributeValues={":sent": _s("sent"), ":at": _s(now.isoformat())},
        )

    # --- item builders ---------------------------------------------------------------------------

    def _put_delivery(self, key: str, now: datetime) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": {
                    "pk": _s(f"DELIVERY#{key}"),
                    "sk": _s("DELIVERY"),
                    "expires_at": _ttl(now + DELIVERY_TTL),
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def _put_incident(self, incident: Incident, expected: int | None) -> dict[str, Any]:
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": {
                "pk": _s(f"INCIDENT#{incident.id}"),
                "sk": _s("META"),
                "version": _n(incident.version),
                "status": _s(incident.status.value),
                "severity": _s(incident.severity.value),
                "service": _s(incident.service),
                "doc": _s(incident.model_dump_json()),
            },
        }
        if expected is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :expected"
            put["ExpressionAttributeValues"] = {":expected": _n(expected)}
        return {"Put": put}

    def _timeline_puts(self, incident: Incident, entries: list[TimelineEntry]) -> list[dict[str, Any]]:
        """Keyed by time, then the incident version that wrote it: unique, and in causal order."""
        return [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {
                        "pk": _s(f"INCIDENT#{incident.id}"),
                        "sk": _s(f"TL#{entry.at.isoformat()}#{incident.version:06d}#{index:02d}"),
                        "doc": _s(entry.model_dump_json()),
                    },
                }
            }
            for index, entry in enumerate(entries)
        ]

    def _pointer_writes(self, incident: Incident, decision: Decision) -> list[dict[str, Any]]:
        pk = _s(f"SERVICE#{incident.service}")
        if decision.standalone:
            return []
        if decision.created:
            return [
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": {"pk": pk, "sk": _s("OPEN"), "incident_id": _s(incident.id)},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            ]
        if decision.release_open_pointer:
            return [
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": {"pk": pk, "sk": _s("OPEN")},
                        "ConditionExpression": "incident_id = :id",
                        "ExpressionAttributeValues": {":id": _s(incident.id)},
                    }
                },
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": {"pk": pk, "sk": _s("LAST_RESOLVED"), "incident_id": _s(incident.id)},
                    }
                },
            ]
        return []

    def _status_page_write(self, incident: Incident) -> dict[str, Any]:
        """Its public view, or its removal once it is not public (a no-op when it never was).

        Written with every commit: an unchanged view is an unchanged item, and DynamoDB Streams
        records nothing for a write that changes nothing, so the page is rebuilt only on a change.
        """
        key = {"pk": _s(STATUS_PAGE_PK), "sk": _s(f"INCIDENT#{incident.opened_at.isoformat()}#{incident.id}")}
        view = public_view(incident, private_services=self._private_services)
        if view is None:
            return {"Delete": {"TableName": self._table, "Key": key}}
        item = {**key, "doc": _s(view.model_dump_json())}
        if view.resolved_at is not None:
            item["resolved_at"] = _s(view.resolved_at.isoformat())
            item["expires_at"] = _ttl(view.resolved_at + STATUS_PAGE_TTL)
        return {"Put": {"TableName": self._table, "Item": item}}

    def _put_change(self, signal: Signal, service: str | None) -> dict[str, Any]:
        change = change_of(signal)
        return {
            "Put": {
                "TableName": self._table,
                "Item": {
                    "pk": _s(f"SERVICE#{service or 'unassigned'}"),
                    "sk": _s(f"CHANGE#{signal.occurred_at.isoformat()}#{signal.dedup_key[-24:]}"),
                    "doc": _s(change.model_dump_json()),
                    "expires_at": _ttl(signal.occurred_at + CHANGE_TTL),
                },
            }
        }

    # --- plumbing -------------------------------------------------------------------------------------

    def _transact(self, items: list[dict[str, Any]], once_only: bool) -> None:
        try:
            self._db.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = [r.get("Code", "None") for r in error.response.get("CancellationReasons", [])]
            if once_only and reasons and reasons[0] == "ConditionalCheckFailed":
                raise DuplicateDelivery from error
            raise ConcurrentUpdate(",".join(reasons)) from error

    def _get_item(self, pk: str, sk: str) -> dict[str, Any] | None:
        response = self._db.get_item(TableName=self._table, Key={"pk": _s(pk), "sk": _s(sk)}, ConsistentRead=True)
        item: dict[str, Any] | None = response.get("Item")
        return item

    def _query(self, pk: str, prefix: str, between: str | None = None, **extra: Any) -> list[dict[str, Any]]:
        condition = "pk = :pk AND begins_with(sk, :prefix)"
        values = {":pk": _s(pk), ":prefix": _s(prefix), **extra.pop("ExpressionAttributeValues", {})}
        if between:
            condition = "pk = :pk AND sk BETWEEN :prefix AND :end"
            values[":end"] = _s(between)
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
            **extra,
        }
        while True:
            page = self._db.query(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _windows(doc: str) -> list[MaintenanceWindow]:
    return _window_list().validate_json(doc)


@cache
def _window_list() -> TypeAdapter[list[MaintenanceWindow]]:
    from pydantic import TypeAdapter  # pydantic.type_adapter: not before an incident's windows are read

    return TypeAdapter(list[MaintenanceWindow])


MAX_ATTEMPTS = 8

ChangeFn = Callable[[Incident, datetime], Decision]


def apply_change(
    store: IncidentStore,
    incident_id: str,
    change: ChangeFn,
    *,
    once_key: str = "",
    known: Incident | None = None,
) -> tuple[Incident, Decision, Incident | None]:
    """Read → decide → conditional write, retried on conflict.

    Returns (before, decision, after); `after` is None when the decision changed nothing.
    `once_key` makes the change single-use (an action link's nonce): reusing it raises
    DuplicateDelivery, and a no-op change does not consume it. `known` is a copy the caller
    just wrote: tried first without a read (the version check catches it if it is stale).
    """
    for attempt in range(MAX_ATTEMPTS):
        current = known if attempt == 0 and known is not None else store.get(incident_id)
        if current is None:
            raise LookupError(f"incident {incident_id} not found")
        now = clock.now()
        decision = change(current, now)
        if decision.incident is None:
            return current, decision, None
        try:
            stored = store.commit(decision, now=now, delivery_key=once_key or None)
        except ConcurrentUpdate:
            continue
        return current, decision, stored
    raise ConcurrentUpdate(f"gave up updating {incident_id} after {MAX_ATTEMPTS} conflicting writes")
