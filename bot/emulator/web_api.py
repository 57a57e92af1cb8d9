"""An in-process emulated Slack Web API, served over real HTTP on loopback.

Why this exists: the bot talks to Slack only through ``slack_sdk``/``slack_bolt``. Mocking
those libraries would test our assumptions about them rather than the bot, so instead we
run a small Slack lookalike that the *real* SDK talks to over a real socket. The same
server backs the local terminal emulator (a human "chats" with the bot) and the test-suite
(where it is "the fake Slack" with call recording and fault injection).

:class:`SlackApiServer` serves workspaces (:class:`~bot.emulator.workspace.Workspace`)
as ``POST /api/<method>`` plus ``POST /response/<id>`` (Slack response URLs). Its parts:

- ``transport``: the loopback HTTP server and request decoding;
- ``call_log``: every call recorded, and injected failures (HTTP 429/5xx, ``ok: false``
  errors, delays, non-JSON bodies, dropped connections, failures after Slack acted);
- ``oauth_apps``: installs, tokens, rotation, revocation;
- ``block_kit``: Block Kit and message limits (`invalid_blocks`, `msg_too_long`);
- ``rate_limits``: each method's published rate tier (HTTP 429, ``Retry-After``);
- ``methods/``: one module per family of Web API methods, gathered in one dispatch table.

Socket Mode's WebSocket side is a separate server the tests start
(``testkit.socket_mode.SocketModeServer``) and attach here as :attr:`socket_mode`, so
that ``apps.connections.open`` hands out its URLs.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlsplit

from bot.config import BOT_SCOPES
from bot.emulator.block_limits import BlockKitError, check_message
from bot.emulator.call_log import HOLD_LIMIT, Call, CallLog
from bot.emulator.methods import METHODS, UNAUTHENTICATED, CallContext
from bot.emulator.oauth_apps import OAuthApps
from bot.emulator.rate_limits import RateLimits
from bot.emulator.transport import (
    HttpServer,
    Response,
    decode_params,
    json_response,
    maybe_json,
    serve,
    token_of,
)
from bot.emulator.workspace import Workspace, WorkspaceError

__all__ = ["Call", "SlackApiServer"]

logger = logging.getLogger(__name__)

#: The method name used in ``Call`` for posts to response URLs.
RESPONSE_URL_METHOD = "response_url"
#: Methods checked for their scope, as Slack answers `missing_scope` without it; the
#: others are not (yet) checked. https://docs.slack.dev/reference/methods/conversations.list
SCOPE_NEEDED: dict[str, tuple[str, ...]] = {
    "conversations.list": ("channels:read",),
    # https://docs.slack.dev/reference/methods/canvases.edit (and .create's pages)
    "conversations.canvases.create": ("canvases:write",),
    "canvases.edit": ("canvases:write",),
    # https://docs.slack.dev/reference/methods/conversations.info: channels:read (a private
    # channel's needs groups:read instead; the emulator checks the public one's)
    "conversations.info": ("channels:read",),
}


class SocketModeEndpoint(Protocol):
    """Where Socket Mode connections go: hands out a WebSocket URL good for one
    connection of app `app_id` (``apps.connections.open``'s answer)."""

    def open_url(self, app_id: str) -> str: ...


class SlackApiServer(CallLog):
    """Serve a :class:`Workspace` as the Slack Web API on loopback, with recording and faults.

    Pass ``server.url`` as ``slack_sdk.WebClient(base_url=...)`` (or to Bolt's ``App``
    client); every call is recorded in :attr:`calls` and :meth:`fail` injects failures that
    never touch state, so retry logic can be shown to post exactly once.
    """

    def __init__(
        self, state: Workspace | None = None, host: str = "127.0.0.1", port: int = 0, *,
        rate_limits: bool = True, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        #: Slack's rate tiers, on unless switched off (benchmarks measure the app, not
        #: Slack's pace); `clock` is what their buckets count time by.
        self.rate_limits = RateLimits(enabled=rate_limits, clock=clock)
        self.state = state if state is not None else Workspace()
        #: Every workspace served, by team id; `state` is the one tokens not issued here
        #: (``xoxb-test-token``, the shell's) speak for.
        self.workspaces: dict[str, Workspace] = {self.state.team_id: self.state}
        self.oauth = OAuthApps()
        #: The scopes a bot token has, sent back in ``X-OAuth-Scopes`` as Slack does on
        #: every Web API answer; `grant_scopes` gives fewer (an app installed before the
        #: manifest asked for more).
        self.granted_scopes: tuple[str, ...] = BOT_SCOPES
        self.host = host
        self.port = port
        self._httpd: HttpServer | None = None
        self._thread: threading.Thread | None = None
        #: The WebSocket server ``apps.connections.open`` sends apps to; without one,
        #: its URLs lead here, and this server refuses the handshake (404).
        self.socket_mode: SocketModeEndpoint | None = None

    # ------------------------------------------------------------- lifecycle

    def start(self) -> SlackApiServer:
        """Bind and serve on a daemon thread; returns self so ``.start()`` can be chained.

        Binding happens here, not in ``__init__``, so an unstarted server holds no socket
        (pytest runs with warnings as errors; a leaked socket would fail the suite).
        """
        if self._httpd is not None:
            return self
        httpd = serve(self.host, self.port, self.handle_http)
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

    def open_socket_url(self, app_id: str) -> str:
        """A URL for one Socket Mode connection (what ``apps.connections.open`` answers)."""
        if self.socket_mode is not None:
            return self.socket_mode.open_url(app_id)
        return (f"ws://{self.host}:{self.port}/link/?ticket={uuid.uuid4().hex}"
                f"&app_id={app_id}")

    def new_response_url(self, **context: Any) -> str:
        """Shortcut for ``state.new_response_url(self.base, **context)``."""
        return self.state.new_response_url(self.base, **context)

    # ------------------------------------------------------------- workspaces, OAuth

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

    # ------------------------------------------------------------- HTTP entry

    def handle_http(self, path: str, headers: dict[str, str], body: bytes) -> Response:
        """Route one request. Public so it can be driven without a socket if ever needed."""
        arrived = time.monotonic()
        split = urlsplit(path)
        parts = split.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "api":
            method = parts[1]
        elif len(parts) == 2 and parts[0] == "response":
            method = RESPONSE_URL_METHOD
        else:
            return json_response(404, {"ok": False, "error": "not_found"})

        params, decode_error = decode_params(headers, body, split.query)
        fault = self.take_fault(method)
        if fault is not None:
            if fault.delay > 0:
                time.sleep(fault.delay)
            if fault.held is not None:
                fault.held.wait(HOLD_LIMIT)
            if not fault.handles_normally:
                if fault.after_effect and method != RESPONSE_URL_METHOD:
                    self._handle_api(method, params, headers, decode_error)
                response = self.fault_response(fault)
                self.record(Call(method, params, headers, arrived, failed=True,
                                  status=response[0], response=maybe_json(response[2])))
                return response

        if method == RESPONSE_URL_METHOD:
            response = self._handle_response_url(parts[1], params, decode_error)
        else:
            response = self._handle_api(method, params, headers, decode_error)
        throttled = response[0] == 429  # Slack did nothing with it
        self.record(Call(method, params, headers, arrived, failed=throttled,
                          throttled=throttled, status=response[0],
                          response=maybe_json(response[2])))
        return response

    def _handle_response_url(
        self, url_id: str, params: dict[str, Any], decode_error: str | None
    ) -> Response:
        if decode_error:
            return json_response(400, {"ok": False, "error": decode_error})
        try:
            owner = next((ws for ws in self.workspaces.values() if ws.has_response_url(url_id)),
                         self.state)
            check_message(None if params.get("text") is None else str(params["text"]),
                          params.get("blocks") if isinstance(params.get("blocks"), list)
                          else None)
            owner.handle_response(url_id, params)
        except WorkspaceError as exc:
            status = 404 if exc.error == "invalid_response_url" else 400
            return json_response(status, {"ok": False, "error": exc.error})
        return json_response(200, {"ok": True})

    def _handle_api(
        self,
        method: str,
        params: dict[str, Any],
        headers: dict[str, str],
        decode_error: str | None,
    ) -> Response:
        handler = METHODS.get(method)
        if handler is None:
            return json_response(200, {"ok": False, "error": "unknown_method"})
        if decode_error:
            return json_response(200, {"ok": False, "error": decode_error})
        ws = self.state
        if method not in UNAUTHENTICATED:
            auth_error = self._check_token(headers, params)
            if auth_error:
                return json_response(200, {"ok": False, "error": auth_error})
            token = token_of(headers, params)
            invalid = self.oauth.why_invalid(token)
            if invalid is not None:
                return json_response(200, {"ok": False, "error": invalid})
            missing = [scope for scope in SCOPE_NEEDED.get(method, ())
                       if scope not in self.granted_scopes]
            if missing:  # as Slack answers a token without the method's scope
                return json_response(200, {"ok": False, "error": "missing_scope",
                                           "needed": ",".join(missing),
                                           "provided": ",".join(self.granted_scopes)})
            team = self.oauth.team_of(token)
            ws = self.workspaces.get(team or "") or self.state
            wait = self.rate_limits.take(ws.team_id, method, params)
            if wait is not None:
                status, base, body = json_response(429, {"ok": False, "error": "ratelimited"})
                return status, {**base, "Retry-After": str(wait)}, body
        try:
            result = handler(CallContext(ws, headers, self.oauth, self.workspaces,
                                         self.open_socket_url), params)
        except BlockKitError as exc:  # Slack says why, as it does
            result = {"ok": False, "error": exc.error,
                      "response_metadata": {"messages": exc.messages}}
        except WorkspaceError as exc:
            result = {"ok": False, "error": exc.error}
            detail = str(exc).partition(": ")[2]
            if exc.error == "invalid_arguments" and detail:  # Slack says which argument
                result["response_metadata"] = {"messages": [f"[ERROR] {detail}"]}
        except Exception:
            logger.exception("emulated Slack method %s crashed", method)
            return json_response(500, {"ok": False, "error": "internal_error"})
        status, answer_headers, answer = json_response(200, result)
        return status, {**answer_headers, **self._scopes_header(headers, params)}, answer

    def _scopes_header(self, headers: dict[str, str], params: dict[str, Any]) -> dict[str, str]:
        """``X-OAuth-Scopes``: the scopes of the token the call carried, on every answer
        to a call with a token (Slack's way of saying what a token may do)."""
        token = token_of(headers, params) or ""
        if token.startswith("xapp-"):
            return {"X-OAuth-Scopes": "connections:write"}
        if token.startswith(("xoxb-", "xoxe.xoxb-")):
            return {"X-OAuth-Scopes": ",".join(self.granted_scopes)}
        return {}

    @staticmethod
    def _check_token(headers: dict[str, str], params: dict[str, Any]) -> str | None:
        """Bearer header or ``token`` param; absent -> not_authed, non-``xox`` -> invalid_auth."""
        token = token_of(headers, params)
        if not token:
            return "not_authed"
        if not str(token).startswith("xox"):
            return "invalid_auth"
        return None
