"""An in-process emulated Slack Web API, served over real HTTP on loopback.

Why this exists: the bot talks to Slack only through ``slack_sdk``/``slack_bolt``. Mocking
those libraries would test our assumptions about them rather than the bot, so instead we
run a small Slack lookalike that the *real* SDK talks to over a real socket. The same
server backs the local terminal emulator (a human "chats" with the bot) and the test-suite
(where it is "the fake Slack" with call recording and fault injection).

Only the standard library is used so the emulator adds no runtime dependencies.

:class:`SlackApiServer` serves a workspace (:class:`~bot.emulator.workspace.Workspace`)
as ``POST /api/<method>`` plus ``POST /response/<id>`` (Slack response URLs), records
every call and can inject failures (HTTP 429/5xx, ``ok: false`` errors, delays, non-JSON
bodies).
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.config import BOT_SCOPES
from bot.emulator.workspace import (
    MAX_PAGE_LIMIT,
    PERMALINK_HOST,
    Workspace,
    WorkspaceError,
    strip_colons,
)
from bot.slack_values import ts_to_us

__all__ = ["Call", "SlackApiServer"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Call:
    """One recorded HTTP call: ``params`` already decoded (JSON strings in forms parsed).

    ``at`` is ``time.monotonic()`` on arrival, so tests can measure retry spacing.
    ``failed`` marks calls answered by an injected fault (state untouched).
    """

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float
    failed: bool = False
    status: int = 200
    response: dict[str, Any] | None = field(default=None, compare=False)


@dataclass
class _Fault:
    """A pending injected failure (see :meth:`SlackApiServer.fail`)."""

    method: str
    times: int
    status: int
    retry_after: float | None
    error: str | None
    delay: float
    garbage: bool
    after_effect: bool = False  # the call takes effect, then the answer fails
    drop: bool = False  # the connection closes without an answer
    after: int = 0  # matching calls still to let through before this fault applies

    @property
    def handles_normally(self) -> bool:
        """A pure delay still handles the call (it just arrives late)."""
        return (self.error is None and not self.garbage and self.delay > 0
                and self.status == 0 and not self.drop)


#: Params that Slack expects as JSON but form bodies carry as strings.
_JSON_FIELDS = ("blocks", "attachments", "metadata")

#: The method name used in ``Call`` for posts to response URLs.
RESPONSE_URL_METHOD = "response_url"


def _token_of(headers: dict[str, str], params: dict[str, Any]) -> str | None:
    """The token a call carries: the Bearer header, else the ``token`` param."""
    for key, value in headers.items():
        if key.lower() == "authorization" and value.lower().startswith("bearer "):
            return value[7:].strip()
    token = params.get("token")
    return str(token) if token else None


class _OAuthApps:
    """Installs by OAuth: codes, issued tokens (by workspace), refresh tokens, revocation.
    Thread-safe; tokens are opaque strings shaped like Slack's."""

    def __init__(self) -> None:
        self.client: tuple[str, str] | None = None
        self.scopes: tuple[str, ...] = BOT_SCOPES  # what an install grants
        self.rotation = False
        self.lifetime = 12 * 3600.0  # seconds a rotating token lives
        self._lock = threading.Lock()
        self._codes: dict[str, tuple[str, str]] = {}  # code -> (team, installer)
        self._tokens: dict[str, tuple[str, float | None]] = {}  # token -> (team, expires)
        self._refresh: dict[str, str] = {}  # refresh token -> team
        self._revoked: set[str] = set()
        self._count = 0

    def new_code(self, team: str, user: str) -> str:
        with self._lock:
            self._count += 1
            code = f"code-{team}-{self._count}"
            self._codes[code] = (team, user)
            return code

    def team_of(self, token: str | None) -> str | None:
        with self._lock:
            issued = self._tokens.get(token or "")
            return issued[0] if issued else None

    def why_invalid(self, token: str | None) -> str | None:
        """Why a token issued here no longer works; None while it does (and for tokens
        not issued here)."""
        with self._lock:
            if token in self._revoked:
                return "token_revoked"
            issued = self._tokens.get(token or "")
            if issued is not None and issued[1] is not None and issued[1] <= time.time():
                return "token_expired"
            return None

    def revoke(self, team: str) -> None:
        with self._lock:
            self._revoked.update(token for token, (owner, _) in self._tokens.items()
                                 if owner == team)
            for refresh, owner in list(self._refresh.items()):
                if owner == team:
                    del self._refresh[refresh]

    def expire(self, team: str) -> None:
        with self._lock:
            for token, (owner, expires) in list(self._tokens.items()):
                if owner == team and expires is not None:
                    self._tokens[token] = (owner, time.time() - 1)

    def access(self, params: dict[str, Any], headers: dict[str, str],
               workspaces: dict[str, Workspace]) -> dict[str, Any]:
        """`oauth.v2.access`: the app's credentials as HTTP Basic auth (slack_sdk's way)
        or as form fields."""
        client_id, secret = params.get("client_id"), params.get("client_secret")
        basic = next((value[6:] for key, value in headers.items()
                      if key.lower() == "authorization" and value.lower().startswith("basic ")),
                     None)
        if basic is not None:
            client_id, _, secret = base64.b64decode(basic).decode().partition(":")
        if self.client is None or client_id != self.client[0]:
            raise WorkspaceError("invalid_client_id")
        if secret != self.client[1]:
            raise WorkspaceError("bad_client_secret")
        with self._lock:
            installer: str | None = None
            if params.get("grant_type") == "refresh_token":
                found_team = self._refresh.pop(str(params.get("refresh_token") or ""), None)
                if found_team is None:
                    raise WorkspaceError("invalid_refresh_token")
                team = found_team
            else:
                found = self._codes.pop(str(params.get("code") or ""), None)
                if found is None:
                    raise WorkspaceError("invalid_code")
                team, installer = found
            self._count += 1
            token = f"{'xoxe.xoxb-' if self.rotation else 'xoxb-'}{team}-{self._count}"
            self._tokens[token] = (team, time.time() + self.lifetime if self.rotation
                                   else None)
            workspace = workspaces[team]
            answer: dict[str, Any] = {
                "ok": True, "access_token": token, "token_type": "bot",
                "scope": ",".join(self.scopes),
                "bot_user_id": workspace.bot_user_id, "app_id": "A0IDEALOOP",
                "team": {"id": team, "name": workspace.team_name},
                "enterprise": None, "is_enterprise_install": False,
            }
            if installer is not None:
                answer["authed_user"] = {"id": installer}
            if self.rotation:
                refresh = f"xoxe-1-{team}-{self._count}"
                self._refresh[refresh] = team
                answer.update(refresh_token=refresh, expires_in=int(self.lifetime))
            return answer


def _truthy(value: Any) -> bool:
    """Interpret Slack-style booleans: JSON true, form ``"1"``/``"true"``."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _encode_cursor(ts: str) -> str:
    """Opaque cursor like Slack's (base64 of ``next_ts:<ts>``); ts-based so it survives edits."""
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def _decode_cursor(cursor: str) -> int:
    """Return the microsecond position a cursor points at; raises ``invalid_cursor``."""
    try:
        raw = base64.b64decode(cursor.encode(), validate=True).decode()
        prefix, _, ts = raw.partition(":")
        if prefix != "next_ts":
            raise ValueError(raw)
        return ts_to_us(ts)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WorkspaceError("invalid_cursor", cursor) from exc


def _limit(params: dict[str, Any]) -> int:
    """Slack's ``limit``: default and maximum 1000; junk or non-positive means default."""
    try:
        value = int(params.get("limit") or MAX_PAGE_LIMIT)
    except (TypeError, ValueError):
        value = MAX_PAGE_LIMIT
    return MAX_PAGE_LIMIT if value <= 0 else min(value, MAX_PAGE_LIMIT)


def _time_window(params: dict[str, Any]) -> Callable[[str], bool]:
    """Build the ``oldest``/``latest``/``inclusive`` filter shared by history and replies."""
    inclusive = _truthy(params.get("inclusive", False))
    try:
        oldest = ts_to_us(params["oldest"]) if params.get("oldest") else None
        latest = ts_to_us(params["latest"]) if params.get("latest") else None
    except ValueError as exc:
        raise WorkspaceError("invalid_ts_oldest", str(exc)) from exc

    def keep(ts: str) -> bool:
        us = ts_to_us(ts)
        if oldest is not None and (us < oldest or (us == oldest and not inclusive)):
            return False
        return latest is None or us < latest or (us == latest and inclusive)

    return keep


def _paginate(
    messages: list[dict[str, Any]], params: dict[str, Any], *, newest_first: bool
) -> dict[str, Any]:
    """Cut one page out of ``messages`` (already ordered) using Slack's cursor contract."""
    limit = _limit(params)
    cursor = params.get("cursor")
    start = 0
    if cursor:
        pos = _decode_cursor(str(cursor))
        start = len(messages)
        for i, msg in enumerate(messages):
            us = ts_to_us(msg["ts"])
            if (us <= pos) if newest_first else (us >= pos):
                start = i
                break
    page = messages[start:start + limit]
    rest = messages[start + limit:]
    next_cursor = _encode_cursor(rest[0]["ts"]) if rest else ""
    return {
        "messages": page,
        "has_more": bool(rest),
        "response_metadata": {"next_cursor": next_cursor},
    }


class _HttpServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its owning :class:`SlackApiServer`."""

    daemon_threads = True
    request_queue_size = 128  # bursts of concurrent clients (benchmarks), not socketserver's 5
    api: SlackApiServer


class _Handler(BaseHTTPRequestHandler):
    """Per-request handler: parse, then delegate everything to ``SlackApiServer``."""

    server: _HttpServer
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
        status, resp_headers, payload = self.server.api.handle_http(
            self.path, headers, body
        )
        if status == DROPPED:  # as if Slack, or the way to it, went away mid-call
            self.close_connection = True
            return
        self.send_response(status)
        for key, value in resp_headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


_Response = tuple[int, dict[str, str], bytes]
DROPPED = -1  # a "status" that closes the connection without any answer


class SlackApiServer:
    """Serve a :class:`Workspace` as the Slack Web API on loopback, with recording and faults.

    Pass ``server.url`` as ``slack_sdk.WebClient(base_url=...)`` (or to Bolt's ``App``
    client); every call is recorded in :attr:`calls` and :meth:`fail` injects failures that
    never touch state, so retry logic can be shown to post exactly once.
    """

    def __init__(
        self, state: Workspace | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.state = state if state is not None else Workspace()
        #: Every workspace served, by team id; `state` is the one tokens not issued here
        #: (``xoxb-test-token``, the shell's) speak for.
        self.workspaces: dict[str, Workspace] = {self.state.team_id: self.state}
        self._local = threading.local()  # the workspace of the call being handled
        self.oauth = _OAuthApps()
        #: The scopes a bot token has, sent back in ``X-OAuth-Scopes`` as Slack does on
        #: every Web API answer; `grant_scopes` gives fewer (an app installed before the
        #: manifest asked for more).
        self.granted_scopes: tuple[str, ...] = BOT_SCOPES
        self.host = host
        self.port = port
        self._calls: list[Call] = []
        self._faults: list[_Fault] = []
        self._cond = threading.Condition(threading.Lock())
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.replies": self._conversations_replies,
            "conversations.history": self._conversations_history,
            "conversations.info": self._conversations_info,
            "users.info": self._users_info,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "views.publish": self._views_publish,
            "chat.startStream": self._chat_start_stream,
            "chat.appendStream": self._chat_append_stream,
            "chat.stopStream": self._chat_stop_stream,
            "assistant.threads.setStatus": self._assistant_status,
            "assistant.threads.setTitle": self._assistant_title,
            "assistant.threads.setSuggestedPrompts": self._assistant_prompts,
            "views.open": self._views_open,
            "oauth.v2.access": self._oauth_v2_access,
            "apps.connections.open": self._apps_connections_open,
        }

    # ------------------------------------------------------------- lifecycle

    def start(self) -> SlackApiServer:
        """Bind and serve on a daemon thread; returns self so ``.start()`` can be chained.

        Binding happens here, not in ``__init__``, so an unstarted server holds no socket
        (pytest runs with warnings as errors; a leaked socket would fail the suite).
        """
        if self._httpd is not None:
            return self
        httpd = _HttpServer((self.host, self.port), _Handler)
        httpd.api = self
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"emulated-slack-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket; safe to call twice."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SlackApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT`` - the root for response URLs."""
        if self._httpd is None:
            raise RuntimeError("SlackApiServer is not started; call start() first")
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """Base API URL ending in ``/api/``, exactly what ``WebClient(base_url=...)`` wants."""
        return f"{self.base}/api/"

    def new_response_url(self, **context: Any) -> str:
        """Shortcut for ``state.new_response_url(self.base, **context)``."""
        return self.state.new_response_url(self.base, **context)

    # ------------------------------------------------------------- workspaces, OAuth

    @property
    def ws(self) -> Workspace:
        """The workspace the call being handled speaks for (by its token)."""
        return getattr(self._local, "ws", None) or self.state

    def add_workspace(self, team_id: str, name: str | None = None) -> Workspace:
        """Another workspace on the same server: its own channels, messages and users
        (the same ids as the first one's, on purpose: channel ids may repeat across
        workspaces as far as idealoop is concerned)."""
        with self._cond:
            if team_id not in self.workspaces:
                self.workspaces[team_id] = Workspace(team_id=team_id,
                                                     team_name=name or team_id)
            return self.workspaces[team_id]

    def enable_oauth(self, client_id: str, client_secret: str, *,
                     rotation: bool = False, lifetime: float = 12 * 3600) -> None:
        """Accept installs by OAuth for the app with these credentials; with
        ``rotation``, tokens expire after `lifetime` seconds (12 hours, as Slack's do)
        and come with refresh tokens."""
        self.oauth.client = (client_id, client_secret)
        self.oauth.rotation = rotation
        self.oauth.lifetime = lifetime

    def grant_scopes(self, *scopes: str) -> None:
        """Bot tokens have exactly these scopes from now on (`X-OAuth-Scopes`, and the
        `scope` of an OAuth install)."""
        self.granted_scopes = self.oauth.scopes = tuple(scopes)

    def authorize(self, team_id: str, *, user: str = "U0ALICE") -> str:
        """What Slack does when `user` clicks "Allow" on the install page for workspace
        `team_id`: a one-time code for ``oauth.v2.access`` (sent to the app's redirect
        URL with the state it gave)."""
        self.add_workspace(team_id)
        return self.oauth.new_code(team_id, user)

    def uninstall(self, team_id: str) -> None:
        """The app is removed from `team_id`: every token issued there stops working
        (`token_revoked`). The test then delivers `app_uninstalled`, as Slack does."""
        self.oauth.revoke(team_id)

    def expire_tokens(self, team_id: str) -> None:
        """Make the tokens of `team_id` expire now (rotation on): only a refresh helps."""
        self.oauth.expire(team_id)

    # ------------------------------------------------------------- recording

    @property
    def calls(self) -> list[Call]:
        """Snapshot of every recorded call (including injected failures), in arrival order."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str, *, include_failed: bool = False) -> list[Call]:
        """Recorded calls to ``method``; injected failures are excluded unless asked for."""
        with self._cond:
            return [c for c in self._calls
                    if c.method == method and (include_failed or not c.failed)]

    def clear_calls(self) -> None:
        """Forget recorded calls (e.g. after test setup traffic)."""
        with self._cond:
            self._calls.clear()

    def wait_for(
        self, method: str, count: int = 1, timeout: float = 5.0, *, include_failed: bool = False
    ) -> list[Call]:
        """Block until ``count`` non-failed calls to ``method`` are recorded; return them.

        For asynchronous code under test (Bolt handlers run on their own threads) this
        replaces sleeps. Calls are recorded before the HTTP response is written, so by the
        time this returns, the state change is visible too.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matched = [c for c in self._calls
                           if c.method == method and (include_failed or not c.failed)]
                if len(matched) >= count:
                    return matched
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = ", ".join(
                        f"{c.method}{'(failed)' if c.failed else ''}" for c in self._calls
                    ) or "none"
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} call(s) to "
                        f"{method!r}; got {len(matched)}. Calls seen: {seen}"
                    )
                self._cond.wait(remaining)

    def _record(self, call: Call) -> None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()

    # ------------------------------------------------------------- faults

    def fail(
        self,
        method: str,
        *,
        status: int | None = None,
        times: int = 1,
        retry_after: float | None = None,
        error: str | None = None,
        delay: float = 0.0,
        garbage: bool = False,
        after_effect: bool = False,
        drop: bool = False,
        after: int = 0,
    ) -> None:
        """Make the next ``times`` calls to ``method`` (``"*"`` = any) misbehave.

        Exactly one behaviour applies, first match wins:

        * ``drop=True`` - the connection closes with no answer at all (Slack unreachable
          mid-call: the client sees a connection error);
        * ``garbage=True`` - HTTP 200 with a non-JSON (HTML) body;
        * ``error="..."`` - HTTP 200 ``{"ok": false, "error": error}``;
        * ``status`` or ``retry_after`` - that HTTP status (default 500; 429 when only
          ``retry_after`` is given) with a ``Retry-After`` header if ``retry_after`` is set;
        * only ``delay`` - sleep, then handle the call normally (for client timeouts).

        ``delay`` also applies before the other behaviours. Failures change no state,
        unless ``after_effect=True``: then the call is carried out (the message is
        posted) and only its answer fails — what a client sees when Slack did the work
        but the answer was lost. With ``after=N`` the first N matching calls pass before
        the fault applies. Faults queue in order; the first pending one matching the
        method is consumed.
        """
        if times < 1:
            raise ValueError(f"times must be >= 1, got {times}")
        if status is None:
            if retry_after is not None:
                status = 429
            elif error is None and not garbage and not drop and delay > 0:
                status = 0  # pure delay
            else:
                status = 500
        with self._cond:
            self._faults.append(_Fault(method, times, status, retry_after, error, delay, garbage,
                                       after_effect, drop, after))

    def faults_left(self) -> int:
        """How many injected failures are still to happen (0 once each has met its call:
        with a `delay`, as soon as the delayed call arrives)."""
        with self._cond:
            return sum(fault.times for fault in self._faults)

    def clear_faults(self) -> None:
        """Drop all pending injected failures."""
        with self._cond:
            self._faults.clear()

    def _take_fault(self, method: str) -> _Fault | None:
        with self._cond:
            for fault in self._faults:
                if fault.method in (method, "*") and fault.times > 0:
                    if fault.after > 0:
                        fault.after -= 1
                        return None
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    @staticmethod
    def _fault_response(fault: _Fault) -> _Response:
        if fault.drop:
            return DROPPED, {}, b""
        if fault.garbage:
            body = b"<html><body><h1>502 Bad Gateway</h1>emulated garbage</body></html>"
            return 200, {"Content-Type": "text/html; charset=utf-8"}, body
        if fault.error is not None:
            return _json_response(200, {"ok": False, "error": fault.error})
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(math.ceil(fault.retry_after))
        error = "ratelimited" if fault.status == 429 else "internal_error"
        status, base_headers, body = _json_response(fault.status, {"ok": False, "error": error})
        return status, {**base_headers, **headers}, body

    # ------------------------------------------------------------- HTTP entry

    def handle_http(self, path: str, headers: dict[str, str], body: bytes) -> _Response:
        """Route one request. Public so it can be driven without a socket if ever needed."""
        arrived = time.monotonic()
        split = urlsplit(path)
        parts = split.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "api":
            method = parts[1]
        elif len(parts) == 2 and parts[0] == "response":
            method = RESPONSE_URL_METHOD
        else:
            return _json_response(404, {"ok": False, "error": "not_found"})

        params, decode_error = _decode_params(headers, body, split.query)
        fault = self._take_fault(method)
        if fault is not None:
            if fault.delay > 0:
                time.sleep(fault.delay)
            if not fault.handles_normally:
                if fault.after_effect and method != RESPONSE_URL_METHOD:
                    self._handle_api(method, params, headers, decode_error)
                response = self._fault_response(fault)
                self._record(Call(method, params, headers, arrived, failed=True,
                                  status=response[0], response=_maybe_json(response[2])))
                return response

        if method == RESPONSE_URL_METHOD:
            response = self._handle_response_url(parts[1], params, decode_error)
        else:
            response = self._handle_api(method, params, headers, decode_error)
        self._record(Call(method, params, headers, arrived, status=response[0],
                          response=_maybe_json(response[2])))
        return response

    def _handle_response_url(
        self, url_id: str, params: dict[str, Any], decode_error: str | None
    ) -> _Response:
        if decode_error:
            return _json_response(400, {"ok": False, "error": decode_error})
        try:
            owner = next((ws for ws in self.workspaces.values() if ws.has_response_url(url_id)),
                         self.state)
            owner.handle_response(url_id, params)
        except WorkspaceError as exc:
            status = 404 if exc.error == "invalid_response_url" else 400
            return _json_response(status, {"ok": False, "error": exc.error})
        return _json_response(200, {"ok": True})

    def _handle_api(
        self,
        method: str,
        params: dict[str, Any],
        headers: dict[str, str],
        decode_error: str | None,
    ) -> _Response:
        handler = self._methods.get(method)
        if handler is None:
            return _json_response(200, {"ok": False, "error": "unknown_method"})
        if decode_error:
            return _json_response(200, {"ok": False, "error": decode_error})
        self._local.headers = headers
        if method not in ("api.test", "oauth.v2.access", "apps.connections.open"):
            auth_error = self._check_token(headers, params)
            if auth_error:
                return _json_response(200, {"ok": False, "error": auth_error})
            token = _token_of(headers, params)
            invalid = self.oauth.why_invalid(token)
            if invalid is not None:
                return _json_response(200, {"ok": False, "error": invalid})
            team = self.oauth.team_of(token)
            self._local.ws = self.workspaces.get(team or "") or self.state
        try:
            result = handler(params)
        except WorkspaceError as exc:
            result = {"ok": False, "error": exc.error}
        except Exception:
            logger.exception("emulated Slack method %s crashed", method)
            return _json_response(500, {"ok": False, "error": "internal_error"})
        status, answer_headers, answer = _json_response(200, result)
        return status, {**answer_headers, **self._scopes_header(headers, params)}, answer

    def _scopes_header(self, headers: dict[str, str], params: dict[str, Any]) -> dict[str, str]:
        """``X-OAuth-Scopes``: the scopes of the token the call carried, on every answer
        to a call with a token (Slack's way of saying what a token may do)."""
        token = _token_of(headers, params) or ""
        if token.startswith("xapp-"):
            return {"X-OAuth-Scopes": "connections:write"}
        if token.startswith(("xoxb-", "xoxe.xoxb-")):
            return {"X-OAuth-Scopes": ",".join(self.granted_scopes)}
        return {}

    @staticmethod
    def _check_token(headers: dict[str, str], params: dict[str, Any]) -> str | None:
        """Bearer header or ``token`` param; absent -> not_authed, non-``xox`` -> invalid_auth."""
        token = _token_of(headers, params)
        if not token:
            return "not_authed"
        if not str(token).startswith("xox"):
            return "invalid_auth"
        return None

    # ------------------------------------------------------------- methods

    def _api_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "args": {k: v for k, v in params.items() if k != "token"}}

    def _oauth_v2_access(self, params: dict[str, Any]) -> dict[str, Any]:
        """The token exchange: a code from `authorize`, or (rotation) a refresh token."""
        return self.oauth.access(params, self._local.headers, self.workspaces)

    def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        """A Socket Mode WebSocket URL, for an app-level token (``xapp-``) only: Slack
        answers a bot or user token with ``not_allowed_token_type``."""
        token = _token_of(self._local.headers, params)
        if not token:
            return {"ok": False, "error": "not_authed"}
        if token.startswith("xox"):
            return {"ok": False, "error": "not_allowed_token_type"}
        if not token.startswith("xapp-"):
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True,
                "url": f"ws://{self.host}:{self.port}/link/?ticket={uuid.uuid4().hex}"}

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        st = self.ws
        return {
            "ok": True,
            "url": f"{PERMALINK_HOST}/",
            "team": st.team_name,
            "user": st.bot_name,
            "team_id": st.team_id,
            "user_id": st.bot_user_id,
            "bot_id": st.bot_id,
            "is_enterprise_install": False,
        }

    @staticmethod
    def _require(params: dict[str, Any], *names: str) -> None:
        missing = [n for n in names if not params.get(n)]
        if missing:
            raise WorkspaceError("invalid_arguments", f"missing {', '.join(missing)}")

    @staticmethod
    def _list_param(params: dict[str, Any], name: str, error: str) -> list[Any] | None:
        """Fetch a JSON-array param; a string here means form JSON that failed to decode."""
        value = params.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            raise WorkspaceError(f"{error}_format" if name == "blocks" else error, name)
        if not isinstance(value, list):
            raise WorkspaceError(error, name)
        return value

    def _content(self, params: dict[str, Any]) -> tuple[str | None, list[Any] | None,
                                                         list[Any] | None]:
        text = params.get("text")
        if text is None:
            text = params.get("markdown_text")
        blocks = self._list_param(params, "blocks", "invalid_blocks")
        attachments = self._list_param(params, "attachments", "invalid_attachments")
        return (None if text is None else str(text)), blocks, attachments

    def _metadata(self, params: dict[str, Any]) -> dict[str, Any] | None:
        metadata = params.get("metadata")
        if metadata is None or metadata == "":
            return None
        if not isinstance(metadata, dict):
            raise WorkspaceError("invalid_metadata_format", "metadata")
        return metadata

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("channel"):
            raise WorkspaceError("channel_not_found")
        text, blocks, attachments = self._content(params)
        if not text and not blocks and not attachments:
            raise WorkspaceError("no_text")
        channel = self.ws.ensure_channel(str(params["channel"]))
        msg = self.ws.post_message(
            channel,
            text or "",
            thread_ts=str(params["thread_ts"]) if params.get("thread_ts") else None,
            blocks=blocks,
            attachments=attachments,
            metadata=self._metadata(params),
            as_bot=True,
            reply_broadcast=_truthy(params.get("reply_broadcast", False)),
        )
        return {"ok": True, "channel": channel, "ts": msg["ts"], "message": msg}

    def _bot_message(self, params: dict[str, Any], ts_param: str, error: str) -> str:
        """Validate channel+ts name a bot message; returns channel id."""
        self._require(params, "channel", ts_param)
        channel = self.ws.ensure_channel(str(params["channel"]))
        msg = self.ws.get_message(channel, str(params[ts_param]))
        if msg is None:
            raise WorkspaceError("message_not_found")
        if msg.get("bot_id") != self.ws.bot_id:
            raise WorkspaceError(error)
        return channel

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._bot_message(params, "ts", "cant_update_message")
        text, blocks, attachments = self._content(params)
        if text is None and blocks is None and attachments is None:
            raise WorkspaceError("no_text")
        msg = self.ws.update_message(
            channel, str(params["ts"]), text, blocks,
            metadata=self._metadata(params), attachments=attachments,
        )
        return {"ok": True, "channel": channel, "ts": msg["ts"], "text": msg["text"],
                "message": msg}

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._bot_message(params, "ts", "cant_delete_message")
        self.ws.delete_message(channel, str(params["ts"]))
        return {"ok": True, "channel": channel, "ts": str(params["ts"])}

    @staticmethod
    def _view(params: dict[str, Any], kind: str) -> dict[str, Any]:
        """The `view` param, checked as Slack checks it: its type, at most 100 blocks,
        and a modal's title of at most 24 characters."""
        view = params.get("view")
        if not isinstance(view, dict) or view.get("type") != kind:
            raise WorkspaceError("invalid_arguments", "view")
        blocks = view.get("blocks")
        if not isinstance(blocks, list) or len(blocks) > 100:
            raise WorkspaceError("invalid_blocks", "view")
        title = (view.get("title") or {}).get("text", "")
        if kind == "modal" and not 0 < len(title) <= 24:
            raise WorkspaceError("invalid_arguments", "view.title")
        return view

    def _chat_start_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        """A message the bot writes as it goes: a reply, to a named person in a channel."""
        channel, thread_ts = str(params.get("channel") or ""), params.get("thread_ts")
        if not channel:
            raise WorkspaceError("channel_not_found")
        if self.ws.streaming_refused:
            raise WorkspaceError("feature_not_enabled")
        if not thread_ts:
            raise WorkspaceError("invalid_arguments", "thread_ts")
        if not channel.startswith("D"):
            for field in ("recipient_user_id", "recipient_team_id"):
                if not params.get(field):
                    raise WorkspaceError(f"missing_{field}")
        posted = self.ws.post_message(channel, str(params.get("markdown_text") or ""),
                                         thread_ts=str(thread_ts), as_bot=True)
        self.ws.mark_streaming(channel, posted["ts"])
        return {"ok": True, "channel": channel, "ts": posted["ts"]}

    def _chat_append_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
        self.ws.stream(channel, ts, str(params.get("markdown_text") or ""))
        return {"ok": True, "channel": channel, "ts": ts}

    def _chat_stop_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
        blocks = self._list_param(params, "blocks", "invalid_blocks")
        message = self.ws.stream(channel, ts, str(params.get("markdown_text") or ""),
                                    stop=True, blocks=blocks, metadata=self._metadata(params))
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _assistant_thread(self, params: dict[str, Any]) -> tuple[str, str]:
        channel = str(params.get("channel_id") or "")
        thread_ts = str(params.get("thread_ts") or "")
        if not channel.startswith("D"):  # the assistant pane is a direct message
            raise WorkspaceError("channel_not_found" if not channel else "invalid_channel")
        return channel, thread_ts

    def _assistant_status(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, thread_ts = self._assistant_thread(params)
        self.ws.set_assistant(channel, thread_ts, status=str(params.get("status") or ""))
        return {"ok": True}

    def _assistant_title(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, thread_ts = self._assistant_thread(params)
        title = str(params.get("title") or "")
        if not title:
            raise WorkspaceError("invalid_arguments", "title")
        self.ws.set_assistant(channel, thread_ts, title=title)
        return {"ok": True}

    def _assistant_prompts(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, thread_ts = self._assistant_thread(params)
        prompts = params.get("prompts")
        if not isinstance(prompts, list) or not 1 <= len(prompts) <= 4 or not all(
                isinstance(p, dict) and p.get("title") and p.get("message") for p in prompts):
            raise WorkspaceError("invalid_arguments", "prompts")
        self.ws.set_assistant(channel, thread_ts, prompts=prompts,
                                 prompts_title=params.get("title"))
        return {"ok": True}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user_id") or "")
        if user not in self.ws.users:
            raise WorkspaceError("user_not_found")
        return {"ok": True, "view": self.ws.publish_home(user, self._view(params, "home"))}

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger = str(params.get("trigger_id") or "")
        if not trigger:
            raise WorkspaceError("invalid_arguments", "trigger_id")
        if "expired" in trigger:  # Slack's triggers last three seconds
            raise WorkspaceError("expired_trigger_id")
        return {"ok": True, "view": self.ws.open_modal(trigger, self._view(params, "modal"))}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("channel"):
            raise WorkspaceError("channel_not_found")
        if not params.get("user"):
            raise WorkspaceError("user_not_found")
        text, blocks, attachments = self._content(params)
        if not text and not blocks and not attachments:
            raise WorkspaceError("no_text")
        user = str(params["user"])
        if user not in self.ws.users:
            raise WorkspaceError("user_not_found")
        ts = self.ws.post_ephemeral(
            str(params["channel"]), user, text or "", blocks,
            str(params["thread_ts"]) if params.get("thread_ts") else None,
        )
        return {"ok": True, "message_ts": ts}

    def _chat_get_permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel", "message_ts")
        channel = self.ws.ensure_channel(str(params["channel"]))
        link = self.ws.permalink(channel, str(params["message_ts"]))
        return {"ok": True, "channel": channel, "permalink": link}

    def _conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel", "ts")
        channel = self.ws.ensure_channel(str(params["channel"]))
        ts = str(params["ts"])
        root_ts = self.ws.thread_root_ts(channel, ts)
        if root_ts is None or self.ws.get_message(channel, root_ts) is None:
            raise WorkspaceError("thread_not_found")
        keep = _time_window(params)
        thread = self.ws.thread(channel, root_ts)
        # Slack always leads with the parent; the window only filters replies.
        messages = _with_metadata(thread[:1] + [m for m in thread[1:] if keep(m["ts"])],
                                  params)
        return {"ok": True, **_paginate(messages, params, newest_first=False)}

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel")
        channel = self.ws.ensure_channel(str(params["channel"]))
        keep = _time_window(params)
        messages = _with_metadata(
            [m for m in reversed(self.ws.history(channel)) if keep(m["ts"])], params)
        return {"ok": True, **_paginate(messages, params, newest_first=True)}

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel")
        return {"ok": True, "channel": self.ws.channel_info(str(params["channel"]))}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("user"):
            raise WorkspaceError("user_not_found")
        return {"ok": True, "user": self.ws.user_info(str(params["user"]))}

    def _reaction_args(self, params: dict[str, Any]) -> tuple[str, str, str]:
        self._require(params, "channel", "timestamp")
        name = strip_colons(str(params.get("name") or ""))
        if not name:
            raise WorkspaceError("invalid_name")
        return self.ws.ensure_channel(str(params["channel"])), str(params["timestamp"]), name

    def _reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts, name = self._reaction_args(params)
        if not self.ws.add_reaction(channel, ts, self.ws.bot_user_id, name):
            raise WorkspaceError("already_reacted")
        return {"ok": True}

    def _reactions_remove(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts, name = self._reaction_args(params)
        if not self.ws.remove_reaction(channel, ts, self.ws.bot_user_id, name):
            raise WorkspaceError("no_reaction")
        return {"ok": True}


# ===================================================================== helpers


def _with_metadata(messages: list[dict[str, Any]],
                   params: dict[str, Any]) -> list[dict[str, Any]]:
    """Slack returns messages' metadata only when asked (`include_all_metadata`)."""
    if _truthy(params.get("include_all_metadata")):
        return messages
    return [{key: value for key, value in m.items() if key != "metadata"} for m in messages]


def _json_response(status: int, payload: dict[str, Any]) -> _Response:
    body = json.dumps(payload).encode("utf-8")
    return status, {"Content-Type": "application/json; charset=utf-8"}, body


def _maybe_json(body: bytes) -> dict[str, Any] | None:
    """Decode our own response body for ``Call.response`` (None for garbage bodies)."""
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _decode_params(
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
    for name in _JSON_FIELDS:
        raw = params.get(name)
        if isinstance(raw, str) and raw.strip():
            with contextlib.suppress(ValueError):
                params[name] = json.loads(raw)
    return params, None

