"""Serve the status page bucket on loopback the way CloudFront serves it to visitors (local only).

moto holds the bucket but has no CloudFront. This serves GET/HEAD from the bucket's objects with
their own Content-Type and Cache-Control, `/` as the default root object, 403 for a missing key
(S3 behind OAC without ListBucket answers AccessDenied), and the response headers policy's
security headers, so a browser test sees what a visitor's browser would.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from functions.status_page.publisher import PAGE_KEY


def security_headers(template: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The headers the stack's CloudFront response headers policy sets, read from the synthesized
    template (infra.synth caches it), so the local site serves what the deployed one does."""
    if template is None:
        from infra.synth import synthesize_template

        template = synthesize_template()
    (policy,) = [resource["Properties"]["ResponseHeadersPolicyConfig"] for resource in template["Resources"].values()
                 if resource["Type"] == "AWS::CloudFront::ResponseHeadersPolicy"]  # fmt: skip
    security = policy["SecurityHeadersConfig"]
    hsts = security["StrictTransportSecurity"]
    return {
        "Content-Security-Policy": security["ContentSecurityPolicy"]["ContentSecurityPolicy"],
        "Strict-Transport-Security": f"max-age={hsts['AccessControlMaxAgeSec']}"
        + ("; includeSubDomains" if hsts.get("IncludeSubdomains") else "")
        + ("; preload" if hsts.get("Preload") else ""),
        **({"X-Content-Type-Options": "nosniff"} if "ContentTypeOptions" in security else {}),
        "X-Frame-Options": security["FrameOptions"]["FrameOption"],
        "Referrer-Policy": security["ReferrerPolicy"]["ReferrerPolicy"],
    }


@contextmanager
def serve_bucket(s3: Any, bucket: str, headers: Mapping[str, str] | None = None) -> Iterator[str]:
    """Yields the site's base URL (`http://127.0.0.1:<port>/`); objects are read at each request."""
    extra = dict(security_headers() if headers is None else headers)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._respond(body=True)

        def do_HEAD(self) -> None:
            self._respond(body=False)

        def _respond(self, body: bool) -> None:
            key = urlsplit(self.path).path.lstrip("/") or PAGE_KEY
            try:
                found = s3.get_object(Bucket=bucket, Key=key)
            except ClientError:
                self._send(403, b"AccessDenied\n", {"Content-Type": "text/plain"}, body)
                return
            content = found["Body"].read()
            own = {"Content-Type": found.get("ContentType", "binary/octet-stream")}
            if found.get("CacheControl"):
                own["Cache-Control"] = found["CacheControl"]
            self._send(200, content, own, body)

        def _send(self, status: int, content: bytes, own: dict[str, str], body: bool) -> None:
            self.send_response(status)
            for name, value in {**own, **extra, "Content-Length": str(len(content))}.items():
                self.send_header(name, value)
            self.end_headers()
            if body:
                self.wfile.write(content)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}/"
    finally:
        server.shutdown()
        server.server_close()
