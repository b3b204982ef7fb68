"""The status page as a visitor would have seen it during a replay.

After every Lambda run the table's stream goes to the real status-page handler (as the deployed
event source mapping does, `local/streams.py`), which writes the page to the local bucket; each
version of its `status.json` that differs from the last is kept with the virtual time it appeared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from threading import Lock
from typing import Any

from functions import clock
from local.streams import StreamPump


@dataclass(frozen=True)
class PageVersion:
    at: datetime
    state: str  # the page's overall state
    services: dict[str, str]  # service → operational / degraded / outage
    incidents: list[dict[str, str]]  # title, service, status, in the page's order


class StatusPageWatcher:
    def __init__(self, dynamodb: Any, s3: Any, table: str, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._lock = Lock()  # the escalation runs in the interpreter's threads, the intake in the main one
        self._pump = StreamPump(dynamodb, table, self._deliver)
        self._published = False
        self.versions: list[PageVersion] = []

    def __call__(self) -> None:
        with self._lock:
            self._published = False
            self._pump.pump()
            if self._published:
                self._keep(self._read())

    def _deliver(self, event: dict[str, Any], context: Any) -> Any:
        from infra.names import STATUS_PAGE_HANDLER
        from local.lambda_runtime import invoke_handler

        result = invoke_handler(STATUS_PAGE_HANDLER, event, "status-page")
        self._published = self._published or bool(result.get("published"))
        return result

    def _read(self) -> PageVersion:
        body = self._s3.get_object(Bucket=self._bucket, Key="status.json")["Body"].read()
        document = json.loads(body)
        return PageVersion(
            at=clock.now(),
            state=document["state"],
            services={service["name"]: service["state"] for service in document["services"]},
            incidents=[
                {"title": i["title"], "service": i["service"], "status": i["status"]} for i in document["incidents"]
            ],
        )

    def _keep(self, version: PageVersion) -> None:
        last = self.versions[-1] if self.versions else None
        if last is None or (last.state, last.services, last.incidents) != (
            version.state,
            version.services,
            version.incidents,
        ):
            self.versions.append(version)
