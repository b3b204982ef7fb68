"""What the incident channel costs on the alarm path: Slack Web API calls and wall time per operation.

Against the local Slack Web API (local/slack_api.py) on loopback, so the times are the client's
own overhead plus loopback HTTP, not Slack's latency; the call counts are what a real workspace
would see (each call is a round trip, ~100-300 ms to slack.com, and counts against its tier).

    open (new)            create, setPurpose, setTopic, invite
    open (retry, done)    the same incident opened again after a finished open
    open (retry, crash)   after a crash right after create: the channel is taken back
    open (name taken)     the name held by someone else's channel, in a workspace of N channels
    post / upload / archive

    .venv/bin/python benchmarks/incident_channel.py [--channels 1000] [--runs 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from functions.channel.incident_channel import IncidentChannels, channel_purpose, channel_topic
from functions.channel.slack_api import SlackWebApi
from functions.incident import Incident, incident_channel_name, incident_id
from functions.policy import Severity
from local.slack_api import LOCAL_BOT_TOKEN, LocalSlackApi

OPENED = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
PEOPLE = ["U0ALICE01", "U0BOB0002", "U0CAROL03"]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40_000  # about the size of a CloudWatch widget image


def _incident() -> Incident:
    return Incident(
        id=incident_id("flask-sre-challenge", OPENED, "bench"),
        service="flask-sre-challenge",
        scenario="service_down",
        severity=Severity.P0,
        title="Service down: no healthy targets",
        impact="-",
        opened_at=OPENED,
        updated_at=OPENED,
        next_update_at=OPENED,
    )


def _measure(
    setup: Callable[[LocalSlackApi, IncidentChannels], Any],
    act: Callable[[IncidentChannels, Any], Any],
    runs: int,
    filler: int = 0,
) -> dict[str, float]:
    calls, times = [], []
    for _ in range(runs):
        with LocalSlackApi() as slack:
            for n in range(filler):
                slack.add_channel(f"general-{n}")
            channels = IncidentChannels(SlackWebApi(lambda: LOCAL_BOT_TOKEN, slack.url))
            state = setup(slack, channels)
            before = len(slack.calls)
            started = time.perf_counter()
            act(channels, state)
            times.append((time.perf_counter() - started) * 1000)
            calls.append(len(slack.calls) - before)
    return {"calls": statistics.median(calls), "median_ms": round(statistics.median(times), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=1000, help="channels already in the workspace")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    incident = _incident()
    name = incident_channel_name(incident.service, incident.opened_at)

    def open_it(channels: IncidentChannels, _: Any = None) -> Any:
        return channels.open(incident.id, name, channel_topic(incident), channel_purpose(incident), PEOPLE)

    def opened(slack: LocalSlackApi, channels: IncidentChannels) -> str:
        ref = open_it(channels)
        assert ref is not None
        return ref.id

    def crashed(slack: LocalSlackApi, channels: IncidentChannels) -> None:
        SlackWebApi(lambda: LOCAL_BOT_TOKEN, slack.url).conversations_create(name)

    def taken(slack: LocalSlackApi, channels: IncidentChannels) -> None:
        slack.add_channel(name, purpose="someone else's")

    def nothing(slack: LocalSlackApi, channels: IncidentChannels) -> None:
        return None

    results = {
        "open (new)": _measure(nothing, open_it, args.runs),
        "open (retry, done)": _measure(opened, open_it, args.runs, args.channels),
        "open (retry, crash)": _measure(crashed, open_it, args.runs, args.channels),
        "open (name taken)": _measure(taken, open_it, args.runs, args.channels),
        "post": _measure(opened, lambda c, channel: c.post(channel, "**Status**: Investigating"), args.runs),
        "upload 40 kB PNG": _measure(opened, lambda c, channel: c.upload_png(channel, PNG, "g.png", "g"), args.runs),
        "archive": _measure(opened, lambda c, channel: c.archive(channel), args.runs),
    }
    if args.json:
        print(json.dumps({"workspace_channels": args.channels, "runs": args.runs, "results": results}))
        return 0
    print(f"incident channel on loopback, workspace of {args.channels} channels, median of {args.runs} runs")
    for label, figures in results.items():
        print(f"  {label:<22} {figures['calls']:>4g} Web API calls  {figures['median_ms']:>7.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
