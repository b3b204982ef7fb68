"""Fault injection for the embedded AWS: answer chosen calls with an AWS error (local tests only).

moto answers every call from botocore's `before-send` event, and botocore collects every
handler's response, so a second handler cannot stop moto from applying a request. This wraps
moto's stubber instead: an injected call never reaches the backend, and botocore sees a real
error response, so the clients' own retry policy is what gets exercised.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse, HTTPHeaders
from moto.core.botocore_stubber import BotocoreStubber


@dataclass
class Fault:
    service: str  # botocore's endpoint prefix as in the event name: dynamodb, states, sns, ...
    operation: str
    code: str
    times: int
    status: int = 400
    seen: list[int] = field(default_factory=list)

    def answer(self, url: str) -> AWSResponse | None:
        self.seen.append(1)
        if len(self.seen) > self.times:
            return None
        body = json.dumps({"__type": self.code, "message": f"injected {self.code}"}).encode()
        headers = HTTPHeaders()
        headers["x-amzn-ErrorType"] = self.code
        headers["Content-Type"] = "application/x-amz-json-1.0"
        return AWSResponse(url, self.status, headers, _Raw(body))


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body

    def read(self, *_: Any) -> bytes:
        return self._body


@contextmanager
def inject(*faults: Fault) -> Iterator[tuple[Fault, ...]]:
    original = BotocoreStubber.__call__

    def call(self: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> Any:
        for fault in faults:
            if event_name.endswith(f".{fault.service}.{fault.operation}") or (
                event_name == f"before-send.{fault.service}.{fault.operation}"
            ):
                response = fault.answer(request.url)
                if response is not None:
                    return response
        return original(self, event_name, request, **kwargs)

    BotocoreStubber.__call__ = call  # type: ignore[method-assign]
    try:
        yield faults
    finally:
        BotocoreStubber.__call__ = original  # type: ignore[method-assign]
