"""The OAuth `state` of an install, signed instead of stored, so that the install page is
not a row-writer for anyone on the internet.

Bolt's flow asks its state store for a state when someone opens `/slack/install`, sets it
in a cookie, and checks both when Slack sends the installer back to
`/slack/oauth_redirect` (the cookie ties the redirect to the browser that started it).
slack_sdk's SQL store writes a row per state and deletes only the ones that are used:
every unauthenticated page load was a row, forever.

`SignedStateStore` writes nothing when it issues a state: the state is a random nonce,
its expiry and an HMAC of both under a key derived from the client secret, so every
replica can check it. A state is accepted once: when a validly signed, unexpired state
comes back, its nonce is recorded until it expires (`storage.oauth_states`), and a second
use is refused. Those rows are bounded: expired ones are deleted on each use (and, at
most once every `SWEEP_SECONDS`, when a state is issued, which also clears rows left by
slack_sdk's store before this one), and at most `USED_STATES_KEPT` are kept.

The edge: a flood of install-page loads costs no storage and cannot lock anyone out.
A flood of redirects with valid states (each needs a page load and its cookie) writes at
most `USED_STATES_KEPT` rows; past that, the oldest used nonce is forgotten and could be
replayed before it expires — with its own browser's cookie only, and Slack's `code`
works once, so it installs nothing new.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from logging import Logger

from slack_sdk.oauth.state_store import OAuthStateStore

from storage.errors import DatabaseUnavailable
from storage.oauth_states import OAuthStates

log = logging.getLogger(__name__)
USED_STATES_KEPT = 1000
SWEEP_SECONDS = 60
MAX_STATE_CHARS = 200  # the column's width; a longer "state" is not one of ours


class SignedStateStore(OAuthStateStore):
    def __init__(self, secret: str, used: OAuthStates, *, expiration_seconds: int,
                 clock: Callable[[], float] = time.time, cap: int = USED_STATES_KEPT) -> None:
        self._key = hmac.new(secret.encode(), b"idealoop oauth state", hashlib.sha256).digest()
        self.used = used
        self.expiration_seconds = expiration_seconds
        self.clock = clock
        self.cap = cap
        self._swept_at = float("-inf")

    @property
    def logger(self) -> Logger:
        return log

    def issue(self, *args: object, **kwargs: object) -> str:
        self._sweep()
        nonce = secrets.token_urlsafe(16)
        expires = int(self.clock()) + self.expiration_seconds
        return f"{nonce}.{expires}.{self._sign(nonce, expires)}"

    def consume(self, state: str) -> bool:
        if not isinstance(state, str) or len(state) > MAX_STATE_CHARS:
            return self._refused("not a state idealoop issued")
        nonce, _, rest = state.partition(".")
        expires_text, _, signature = rest.partition(".")
        if not expires_text.isdigit() or not hmac.compare_digest(
                signature, self._sign(nonce, int(expires_text))):
            return self._refused("not a state idealoop issued")
        expires = int(expires_text)
        if expires <= self.clock():
            return self._refused("an expired state")
        if not self.used.use_once(nonce, datetime.fromtimestamp(expires, UTC), cap=self.cap):
            return self._refused("a state used before")
        return True

    def _sweep(self) -> None:
        """Delete expired rows, at most once every `SWEEP_SECONDS` in this process; a
        database that is away does not stop an install from starting."""
        now = self.clock()
        if now - self._swept_at < SWEEP_SECONDS:
            return
        self._swept_at = now
        try:
            gone = self.used.delete_expired()
        except DatabaseUnavailable as exc:
            log.warning("could not delete expired OAuth states: %s", exc)
            return
        if gone:
            log.info("deleted %d expired OAuth states", gone)

    def _sign(self, nonce: str, expires: int) -> str:
        digest = hmac.new(self._key, f"{nonce}.{expires}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    @staticmethod
    def _refused(why: str) -> bool:
        log.info("an OAuth redirect came back with %s", why)
        return False
