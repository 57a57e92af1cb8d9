"""The emulated Web API's HTTP plumbing: a threaded loopback server, request decoding the
way Slack reads both JSON and form bodies, and JSON answers.

Only the standard library is used, so the emulator adds no runtime dependency.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

#: Params that Slack expects as JSON but form bodies carry as strings.
JSON_FIELDS = ("blocks", "attachments", "metadata")

Response = tuple[int, dict[str, str], bytes]
DROPPED = -1  # a "status" that closes the connection without any answer

#: What the server calls for each request: (path, headers, body) -> response.
Route = Callable[[str, dict[str, str], bytes], Response]


class HttpServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that hands every request to one route function."""

    daemon_threads = True
    request_queue_size = 128  # bursts of concurrent clients (benchmarks), not socketserver's 5
    route: Route


class _Handler(BaseHTTPRequestHandler):
    """Per-request handler: read the body, then delegate everything to the route."""

    server: HttpServer
    server_version = "EmulatedSlack/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request stderr logging; tests and the terminal UI need a quiet stream."""

    def do_POST(self) -> None:
        """All Slack Web API methods accept POST."""
        self._dispatch()

    def do_GET(self) -> None:
        """Slack also accepts GET with query params; some hand-rolled clients use it."""
        self._dispatch()

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {k: v for k, v in self.headers.items()}
        status, resp_headers, payload = self.server.route(self.path, headers, body)
        if status == DROPPED:  # as if Slack, or the way to it, went away mid-call
            self.close_connection = True
            return
        self.send_response(status)
        for key, value in resp_headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def serve(host: str, port: int, route: Route) -> HttpServer:
    """Bind (port 0: any free port) a server that answers every request with `route`."""
    httpd = HttpServer((host, port), _Handler)
    httpd.route = route
    return httpd


def token_of(headers: dict[str, str], params: dict[str, Any]) -> str | None:
    """The token a call carries: the Bearer header, else the ``token`` param."""
    for key, value in headers.items():
        if key.lower() == "authorization" and value.lower().startswith("bearer "):
            return value[7:].strip()
    token = params.get("token")
    return str(token) if token else None


def json_response(status: int, payload: dict[str, Any]) -> Response:
    body = json.dumps(payload).encode("utf-8")
    return status, {"Content-Type": "application/json; charset=utf-8"}, body


def maybe_json(body: bytes) -> dict[str, Any] | None:
    """Decode our own response body for ``Call.response`` (None for garbage bodies)."""
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def decode_params(
    headers: dict[str, str], body: bytes, query: str
) -> tuple[dict[str, Any], str | None]:
    """Merge query string and body params, decoding form-embedded JSON strings.

    slack_sdk sends JSON for chat.postMessage/update/postEphemeral but form encoding for
    most other methods, where structured values (``blocks``, ``metadata``) arrive as JSON
    strings and booleans as ``"1"``/``"0"``. Normalising here means handlers and recorded
    ``Call.params`` look the same whichever encoding the client chose. Returns
    ``(params, error)``; a JSON field that fails to decode is left as a string for the
    method handler to reject with Slack's error code.
    """
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    content_type = ""
    for key, value in headers.items():
        if key.lower() == "content-type":
            content_type = value.split(";")[0].strip().lower()
    if body:
        if content_type == "application/json":
            try:
                decoded = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                return params, "invalid_json"
            if not isinstance(decoded, dict):
                return params, "invalid_json"
            params.update(decoded)
        elif content_type in ("application/x-www-form-urlencoded", ""):
            try:
                params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                return params, "invalid_form_data"
        else:
            return params, "invalid_form_data"
    for name in JSON_FIELDS:
        raw = params.get(name)
        if isinstance(raw, str) and raw.strip():
            with contextlib.suppress(ValueError):
                params[name] = json.loads(raw)
    return params, None
