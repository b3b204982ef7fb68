"""A tiny health endpoint for local worlds: 127.0.0.1, a free port, one fixed answer."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_servers: list[ThreadingHTTPServer] = []
_lock = threading.Lock()


def serve_health(status: int, body: str, content_type: str = "application/json") -> str:
    """Start a server answering every GET with `status` and `body`; return its /health URL."""
    payload = body.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read their own output
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), name="seed-health", daemon=True).start()
    with _lock:
        _servers.append(server)
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}/health"


def stop_health_servers() -> None:
    """Stop every server `serve_health` started (test teardown, end of a local run)."""
    with _lock:
        servers, _servers[:] = list(_servers), []
    for server in servers:
        server.shutdown()
        server.server_close()
