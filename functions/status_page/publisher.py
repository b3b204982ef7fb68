"""Regenerate the status page: read the public history, render, put `index.html` and `status.json`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from functions.policy import RUNBOOK, Runbook
from functions.services import ServiceConfig
from functions.status_page.page import ServiceState, build_page
from functions.status_page.public import PublicIncident
from functions.status_page.render import HTML_CONTENT_TYPE, JSON_CONTENT_TYPE, render_html, render_json

PAGE_KEY = "index.html"
JSON_KEY = "status.json"
# Short: visitors see a change within a minute; CloudFront's cache policy honours it (infra).
CACHE_CONTROL = "public, max-age=60"

History = Callable[[datetime], list[PublicIncident]]  # the store's public history since a moment


class Published(BaseModel, defer_build=True):
    generated_at: datetime
    state: ServiceState
    services: dict[str, ServiceState]
    open_incidents: int
    history_incidents: int
    html_bytes: int
    json_bytes: int


class StatusPagePublisher:
    def __init__(
        self,
        s3: Any,
        bucket: str,
        history: History,
        services: Sequence[ServiceConfig],
        runbook: Runbook = RUNBOOK,
    ) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._history = history
        self._services = services
        self._runbook = runbook

    def publish(self, now: datetime) -> Published:
        """The page as of `now`: the JSON first, so the page never links to an older document."""
        since = now - timedelta(days=self._runbook.status_page_days)
        page = build_page(self._history(since), self._services, now, self._runbook)
        document = render_json(page).encode("utf-8")
        html = render_html(page).encode("utf-8")
        self._put(JSON_KEY, document, JSON_CONTENT_TYPE)
        self._put(PAGE_KEY, html, HTML_CONTENT_TYPE)
        return Published(
            generated_at=now,
            state=page.overall,
            services={service.name: service.state for service in page.services},
            open_incidents=len(page.open),
            history_incidents=len(page.history),
            html_bytes=len(html),
            json_bytes=len(document),
        )

    def _put(self, key: str, body: bytes, content_type: str) -> None:
        self._s3.put_object(
            Bucket=self._bucket, Key=key, Body=body, ContentType=content_type, CacheControl=CACHE_CONTROL
        )
