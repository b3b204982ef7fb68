"""`responder replay`: sample events through the real intake handler on the embedded AWS.

Time is virtual: it starts at the first event's own timestamp, jumps to each later event's
timestamp, and (with the escalation state machine) runs the ladder's waits without sleeping.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from functions import container
from functions.declared.declaration import Declaration
from functions.intake.parse import Command, Rejected, parse_event
from functions.intake.signal import Signal
from functions.maintenance.window import MaintenanceWindow
from functions.scenarios import classify
from functions.services import ServiceConfig
from local.config import responder_config
from local.errors import InputError
from local.humans import call_actions_api, click, signed_headers
from local.lambda_runtime import LocalLambdas, invoke_handler
from local.report import ReplayReport
from local.seed_health import stop_health_servers
from local.slack_api import LOCAL_BOT_USER, LocalChannel
from local.status_watch import StatusPageWatcher
from local.stepfunctions import ExecutionDriver, VirtualScheduler, install_escalation, virtual_waits
from local.virtual_clock import VirtualClock
from local.when import parse_duration
from local.world import API_SIGNING_SECRET, STATUS_PAGE_BUCKET, TABLE, LocalWorld, environment, local_world

DEFAULT_UNTIL = timedelta(hours=24)


class ApiRequest(BaseModel):
    """A signed request a person's tool sends to the actions API (`responder declare`), at a moment."""

    at: datetime
    path: str
    body: dict[str, Any]


class ReplayScript(BaseModel):
    """What the scripted humans do, in virtual time since the first event."""

    ack_at: timedelta | None = None
    resolve_at: timedelta | None = None
    until: timedelta = DEFAULT_UNTIL
    by: str = "on-call engineer"
    requests: list[ApiRequest] = []

    @classmethod
    def from_args(cls, ack_at: str | None, resolve_at: str | None, until: str | None, by: str) -> ReplayScript:
        return cls(
            ack_at=parse_duration(ack_at, "--ack-at") if ack_at else None,
            resolve_at=parse_duration(resolve_at, "--resolve-at") if resolve_at else None,
            until=parse_duration(until, "--until") if until else DEFAULT_UNTIL,
            by=by,
        )


Checked = list[tuple[Path, Any, list[Signal | Command]]]


def first_signals(events: list[tuple[Path, Any]]) -> Checked:
    """Read every file before anything runs: one bad file stops the replay with nothing written."""
    checked: Checked = []
    for path, event in events:
        records = parse_event(event)
        problems = [r.reason for r in records if isinstance(r, Rejected)]
        if problems:
            raise InputError(f"{path}: {problems[0]}")
        checked.append((path, event, [r for r in records if not isinstance(r, Rejected)]))
    return checked


def moment(record: Signal | Command) -> datetime:
    """When a record happened: an alarm's transition, a declaration, a window's declaration or end."""
    if isinstance(record, Signal):
        return record.occurred_at
    if isinstance(record, Declaration | MaintenanceWindow):
        return record.declared_at
    return record.ended_at


@dataclass(order=True)
class Happening:
    """Something that happens at a virtual moment: an event file arrives, or a person acts."""

    at: datetime
    order: int
    kind: str = field(compare=False)
    payload: Any = field(compare=False, default=None)
    label: str = field(compare=False, default="")


def plan(checked: Checked, script: ReplayScript, start: datetime) -> list[Happening]:
    happenings = [
        Happening(max((moment(r) for r in records), default=start), index, "event", event, str(path))
        for index, (path, event, records) in enumerate(checked)
    ]
    if script.ack_at is not None:
        happenings.append(Happening(start + script.ack_at, len(happenings), "ack", label=script.by))
    if script.resolve_at is not None:
        happenings.append(Happening(start + script.resolve_at, len(happenings), "resolve", label=script.by))
    for request in script.requests:
        happenings.append(Happening(request.at, len(happenings), "request", request, request.path))
    return sorted(happenings)


def replay(events: list[tuple[Path, Any]], script: ReplayScript, config: Path | None = None) -> ReplayReport:
    """`config`: the file `--config` named, else `$RESPONDER_CONFIG`, else ./responder.config.json."""
    checked = first_signals(events)
    moments = [moment(r) for _, _, records in checked for r in records] + [r.at for r in script.requests]
    start = min(moments, default=None)
    if start is None:
        raise InputError("no event to replay")
    responder_config(config)  # a config mistake is one line before anything is built
    template = _synthesized_template(config)
    report = ReplayReport(start=start)
    clock = VirtualClock(start)
    scheduler = VirtualScheduler(clock)
    with clock.installed(), local_world(config=config) as world, virtual_waits(scheduler):
        arn = install_escalation(world.clients, template, TABLE, world.topics, world.bridge)
        page = StatusPageWatcher(world.clients.dynamodb, world.clients.s3, TABLE, STATUS_PAGE_BUCKET)
        world.bridge.after_each.append(page)
        with environment({"ESCALATION_STATE_MACHINE_ARN": arn}):
            container.reset()
            driver = ExecutionDriver(world.clients.stepfunctions, arn, scheduler)
            try:
                _seed(world, checked, clock)
                with _own_environments(template, world).installed():
                    for happening in plan(checked, script, start):
                        driver.run_until(happening.at)
                        _happen(happening, world, report)
                        page()  # what the happening's own handler call wrote
                    driver.run_until(start + script.until)
                _collect(world, report)
                report.status_page = page.versions
            finally:
                driver.stop_all()
                stop_health_servers()
    return report


def _synthesized_template(config: Path | None) -> dict[str, Any]:
    """The config's stack template (cached by infra.synth): the state machine and handlers come from it."""
    from infra.synth import synthesize_template

    return synthesize_template({"config": str(config.resolve())} if config else None)


def _own_environments(template: dict[str, Any], world: LocalWorld) -> LocalLambdas:
    """Each function with its template's environment and its own container, as Lambda runs it."""
    local_names = {name: os.environ[name] for name in [*world.env, "ESCALATION_STATE_MACHINE_ARN"]}
    return LocalLambdas(template, local_names)  # the seeded SERVICES and the state machine's ARN included


def _happen(happening: Happening, world: LocalWorld, report: ReplayReport) -> None:
    if happening.kind == "event":
        result = _invoke_intake(happening.payload, happening.label)
        report.results.extend(result.get("results", []))
        return
    if happening.kind == "request":
        report.actions.append(_send_request(happening.payload, world, report))
        return
    status, message = click(world.delivered(), happening.kind, happening.label)
    report.actions.append(
        {
            "at_s": report.at_s(happening.at),
            "action": happening.kind,
            "by": happening.label,
            "status": status,
            "response": message,
        }
    )


def _seed(world: LocalWorld, checked: Checked, clock: VirtualClock) -> None:
    """Every configured service's own resources, healthy, but the one the first alarm names: that one is
    broken the way the alarm says. An alarm no service owns (unassigned) leaves every service healthy.

    The seeded health endpoints' URLs (loopback servers) become the services' `health_url`.
    """
    from local.seed import seed_services

    scenario, broken = _first_scenario(checked, world.services)
    seeded = seed_services(world.clients, world.services, clock.now(), broken=broken, scenario=scenario)
    os.environ["SERVICES"] = json.dumps([service.model_dump(mode="json") for service in seeded])
    container.reset()


def _send_request(request: ApiRequest, world: LocalWorld, report: ReplayReport) -> dict[str, Any]:
    """Signed with the local stack's API key, through the real actions handler (which hands it to the intake)."""
    body = json.dumps(request.body)
    secret = world.clients.secretsmanager.get_secret_value(SecretId=API_SIGNING_SECRET)["SecretString"]
    url = world.env["ACTION_BASE_URL"] + request.path
    response = call_actions_api("POST", url, body, signed_headers(secret, body, request.at))
    answer = json.loads(response.get("body") or "{}") if response["statusCode"] < 300 else {}
    if answer.get("incident_id"):
        report.results.append({"result": "declared", "incident_id": answer["incident_id"]})
    return {
        "at_s": report.at_s(request.at),
        "action": request.path,
        "by": request.body.get("by"),
        "status": response["statusCode"],
        "response": str(response.get("body", "")).strip(),
    }


def _first_scenario(checked: Checked, services: tuple[ServiceConfig, ...]) -> tuple[str | None, str | None]:
    """The scenario the world is broken for and the service it breaks: the first alarm's or declaration's."""
    for _, _, records in checked:
        for record in records:
            if isinstance(record, Declaration):
                return record.kind, record.service
            if isinstance(record, Signal):
                found = classify(record, services)
                return found.scenario, found.service
    return None, None


def _invoke_intake(event: Any, label: str) -> dict[str, Any]:
    from infra.names import INTAKE_HANDLER

    result: dict[str, Any] = invoke_handler(INTAKE_HANDLER, event, "alarm-intake")
    return result


def _collect(world: LocalWorld, report: ReplayReport) -> None:
    store = container.responder().store
    ids = list(dict.fromkeys(r["incident_id"] for r in report.results if r.get("incident_id")))
    report.incidents = [i for i in (store.get(incident_id) for incident_id in ids) if i is not None]
    report.timelines = {incident_id: store.timeline(incident_id) for incident_id in ids}
    report.notifications = world.delivered()
    report.postmortems = {i.id: world.postmortem(i.postmortem_key) for i in report.incidents if i.postmortem_key}
    report.channels = [_channel_json(world, channel, report) for channel in world.slack_api.channels.values()]


def _channel_json(world: LocalWorld, channel: LocalChannel, report: ReplayReport) -> dict[str, Any]:
    creates = world.slack_api.calls_to("conversations.create")
    return {
        "name": "#" + channel.name,
        "created": sum(1 for call in creates if call.error is None and call.params.get("name") == channel.name),
        "created_at_s": report.at_s(datetime.fromtimestamp(channel.created, UTC)),
        "topic": channel.topic,
        "members": [member for member in channel.members if member != LOCAL_BOT_USER],
        "messages": len(channel.messages),
        "files": [file.filename for file in channel.files],
        "archived": channel.is_archived,
    }
