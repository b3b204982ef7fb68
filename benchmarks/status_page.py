"""The status page's size and cost: bytes a visitor downloads, time to render and to publish.

Two pages: `quiet` (every service operational, nothing in 90 days) and `busy` (a bad quarter:
`--incidents` public incidents over 90 days, `--open` of them still open, `--updates` public
updates each, on 5 services). For each: index.html and status.json in bytes, and gzipped (what
CloudFront serves to a browser that accepts it). Render is build_page + render_html + render_json
in process (median of `--runs`, after one warm-up; the first, cold render is shown apart);
publish is the status page function's work on moto: the Query of the public history, the
render and the two PutObject calls.

    .venv/bin/python benchmarks/status_page.py [--incidents 40] [--open 2] [--updates 5] [--runs 50] [--json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from functions.incident import Incident, IncidentStatus
from functions.lifecycle import Decision
from functions.policy import RUNBOOK, Severity
from functions.services import ServiceConfig
from functions.status_page.page import build_page
from functions.status_page.public import PublicIncident, public_update, public_view
from functions.status_page.publisher import StatusPagePublisher
from functions.status_page.render import render_html, render_json

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SERVICES = tuple(
    ServiceConfig(
        name=f"service-{n}",
        load_balancer=f"alb-{n}",
        target_group=f"tg-{n}",
        cluster=f"cluster-{n}",
        ecs_service=f"svc-{n}",
        db_instance=f"db-{n}",
        log_group=f"/ecs/service-{n}",
        namespace=f"Service{n}",
    )
    for n in range(5)
)
SCENARIOS = ("service-down", "high-error-rate", "performance-degradation", "database", "partial-outage")
STEPS = (IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING)


def incidents(count: int, still_open: int, updates: int) -> list[Incident]:
    made = []
    for n in range(count):
        opened = NOW - timedelta(days=88) + timedelta(hours=n * 88 * 24 // max(count, 1))
        service = SERVICES[n % len(SERVICES)]
        item = Incident(
            id=f"{service.name}-{opened:%Y%m%dT%H%M%SZ}-{n:06x}",
            service=service.name,
            scenario=SCENARIOS[n % 5],
            severity=Severity.P0 if n % 2 else Severity.P1,
            title="t",
            impact="i",
            opened_at=opened,
            updated_at=opened,
            next_update_at=opened,
            public=True,
        )
        is_open = n >= count - still_open
        steps = updates if is_open else updates - 1
        for step in range(steps):
            item.status = STEPS[min(step, len(STEPS) - 1)]
            item.public_updates.append(public_update(item, item.status, opened + timedelta(minutes=20 * step)))
        if not is_open:
            item.status = IncidentStatus.RESOLVED
            item.resolved_at = opened + timedelta(minutes=20 * steps)
            item.public_updates.append(public_update(item, item.status, item.resolved_at))
        made.append(item)
    return made


def _sizes(views: list[PublicIncident]) -> dict[str, int]:
    page = build_page(views, SERVICES, NOW)
    html, document = render_html(page).encode(), render_json(page).encode()
    return {
        "html_bytes": len(html),
        "html_gzip_bytes": len(gzip.compress(html)),
        "json_bytes": len(document),
        "json_gzip_bytes": len(gzip.compress(document)),
        "open": len(page.open),
        "history": len(page.history),
    }


def _render_ms(views: list[PublicIncident], runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        page = build_page(views, SERVICES, NOW)
        render_html(page)
        render_json(page)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _publish_ms(made: list[Incident], runs: int) -> float:
    """On moto, in process: Query the history, render, PutObject twice."""
    from local.world import TABLE, local_world

    with local_world(services=SERVICES) as world:
        from functions import container

        store = container.store()
        for item in made:
            stored = store.commit(Decision(incident=item, created=True), now=item.updated_at)
            if stored is not None and not stored.is_open:  # a resolved incident frees its service's slot
                world.clients.dynamodb.delete_item(
                    TableName=TABLE, Key={"pk": {"S": f"SERVICE#{item.service}"}, "sk": {"S": "OPEN"}}
                )
        world.clients.s3.create_bucket(Bucket="status-page-bench")
        publisher = StatusPagePublisher(world.clients.s3, "status-page-bench", store.status_page_history, SERVICES)
        publisher.publish(NOW)
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            publisher.publish(NOW)
            samples.append((time.perf_counter() - started) * 1000)
        return statistics.median(samples)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=40)
    parser.add_argument("--open", type=int, default=2)
    parser.add_argument("--updates", type=int, default=5)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    quiet_views: list[PublicIncident] = []
    render_html(build_page(quiet_views, SERVICES, NOW))
    cold_ms = (time.perf_counter() - started) * 1000
    made = incidents(args.incidents, args.open, args.updates)
    busy_views = [view for item in made if (view := public_view(item)) is not None]
    result: dict[str, Any] = {
        "history_days": RUNBOOK.status_page_days,
        "quiet": {**_sizes(quiet_views), "render_ms": round(_render_ms(quiet_views, args.runs), 2)},
        "busy": {
            **_sizes(busy_views),
            "render_ms": round(_render_ms(busy_views, args.runs), 2),
            "updates_per_incident": args.updates,
        },
        "first_render_ms": round(cold_ms, 2),
        "publish_on_moto_ms": round(_publish_ms(made, max(5, args.runs // 10)), 1),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for name in ("quiet", "busy"):
            page = result[name]
            print(
                f"{name:5}: index.html {page['html_bytes']:,} B ({page['html_gzip_bytes']:,} gzipped), "
                f"status.json {page['json_bytes']:,} B ({page['json_gzip_bytes']:,} gzipped); "
                f"{page['open']} open, {page['history']} in history; render {page['render_ms']} ms"
            )
        print(
            f"first (cold) render {result['first_render_ms']} ms; "
            f"publish on moto (Query + render + 2 PutObject) {result['publish_on_moto_ms']} ms median"
        )
    return result


if __name__ == "__main__":
    main()
