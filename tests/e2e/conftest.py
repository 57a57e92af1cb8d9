"""The transports the core scenarios run over: HTTP and Socket Mode (`testkit.app`)."""

from __future__ import annotations

import pytest

from testkit.app import TRANSPORTS, Transport


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> Transport:
    """`http` (signed requests to `serve`'s HTTP server) or `socket_mode` (envelopes over
    `serve`'s Socket Mode connection): a test that takes it runs over each."""
    return request.param  # type: ignore[no-any-return]
