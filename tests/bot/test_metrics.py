"""The series an operator scrapes (`bot.metrics`): bounded labels, the queue read at
scrape time, and one app's processes summed through `PROMETHEUS_MULTIPROC_DIR`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot import metrics
from bot.app import build_deps, close_deps
from bot.config import Settings
from bot.runtime.slack_http import ack_surface
from bot.runtime.slack_retries import CountingHandler
from testkit.databases import migrate
from testkit.metrics import samples, value

ROOT = Path(__file__).resolve().parents[2]


def test_labels_taken_from_outside_are_bounded() -> None:
    assert metrics.bounded("chat.postMessage") == "chat.postMessage"
    assert metrics.bounded("APITimeoutError") == "APITimeoutError"
    for hostile in ("", "x" * 65, "a b", 'a"}', "T0123\nidealoop_acks_total 9", "é"):
        assert metrics.bounded(hostile) == metrics.OTHER
    assert metrics.bounded("posted", {"posted", "empty"}) == "posted"
    assert metrics.bounded("chat.postMessage", {"posted"}) == metrics.OTHER
    assert [metrics.status_class(s) for s in (200, 404, 503, 42)] == [
        "2xx", "4xx", "5xx", metrics.OTHER]


def test_a_request_is_counted_under_its_surface_never_its_ids() -> None:
    assert ack_surface({"command": "/brainstorm", "team_id": "T1", "text": "x"}) == "command"
    event = {"type": "event_callback", "team_id": "T1", "event": {"type": "reaction_added"}}
    assert ack_surface(event) == "event:reaction_added"
    assert ack_surface({**event, "event": {"type": "made_up_event_T0123"}}) == "event:other"
    assert ack_surface({**event, "event": "not a dict"}) == "event:other"
    assert ack_surface({"type": "block_actions", "actions": []}) == "block_actions"
    assert ack_surface({"type": "view_submission"}) == "view_submission"
    assert ack_surface({"type": "U0ALICE"}) == "other"


def test_acks_and_their_latency_show_in_a_scrape() -> None:
    before = metrics.render().decode()
    metrics.ack("command", 200, 0.03)
    metrics.ack("command", 503, 1.5)
    after = metrics.render().decode()
    for outcome in ("2xx", "5xx"):
        assert value(after, "idealoop_acks_total", surface="command", outcome=outcome) == \
            value(before, "idealoop_acks_total", surface="command", outcome=outcome) + 1
    slow = value(after, "idealoop_ack_seconds_bucket", surface="command", le="1.0")
    total = value(after, "idealoop_ack_seconds_count", surface="command")
    assert total - slow == value(before, "idealoop_ack_seconds_count", surface="command") \
        - value(before, "idealoop_ack_seconds_bucket", surface="command", le="1.0") + 1


def test_llm_and_slack_series_count_by_model_and_method() -> None:
    before = metrics.render().decode()
    metrics.llm_answered("gpt-4o-mini", "chat", 1.2)
    metrics.llm_failed("gpt-4o-mini", "chat", TimeoutError())
    metrics.llm_tokens("gpt-4o-mini", 100, 20)
    after = metrics.render().decode()

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("idealoop_llm_request_seconds_count", model="gpt-4o-mini", call="chat") == 1
    assert moved("idealoop_llm_errors_total", model="gpt-4o-mini", error="TimeoutError") == 1
    assert moved("idealoop_llm_tokens_total", model="gpt-4o-mini", kind="prompt") == 100
    assert moved("idealoop_llm_tokens_total", model="gpt-4o-mini", kind="completion") == 20


def _try(status: int, body: dict | None = None, headers: dict | None = None) -> None:
    request = HttpRequest(method="POST", url="https://slack.test/api/chat.update",
                          headers={}, body_params={}, data=None)
    response = HttpResponse(status_code=status, headers=headers or {}, body=body or {})
    assert not CountingHandler().can_retry(state=RetryState(), request=request,
                                           response=response)


def test_every_try_of_a_slack_call_is_counted_with_a_429s_retry_after() -> None:
    before = metrics.render().decode()
    _try(200, {"ok": True})
    _try(200, {"ok": False, "error": "channel_not_found"})
    _try(429, headers={"Retry-After": "7"})
    _try(503)
    after = metrics.render().decode()
    for outcome in ("ok", "error", "ratelimited", "http_5xx"):
        assert value(after, "idealoop_slack_api_requests_total", method="chat.update",
                     outcome=outcome) == value(before, "idealoop_slack_api_requests_total",
                                               method="chat.update", outcome=outcome) + 1
    assert value(after, "idealoop_slack_retry_after_seconds_sum", method="chat.update") == \
        value(before, "idealoop_slack_retry_after_seconds_sum", method="chat.update") + 7


def test_the_queue_is_read_at_scrape_time_and_an_outage_leaves_it_out() -> None:
    text = metrics.render([metrics.QueueGauges(lambda: (3, 61.5))]).decode()
    assert value(text, "idealoop_work_queue_depth") == 3
    assert value(text, "idealoop_work_oldest_age_seconds") == 61.5

    def away() -> tuple[int, float]:
        raise ConnectionError("database away")

    text = metrics.render([metrics.QueueGauges(away)]).decode()
    assert "idealoop_work_queue_depth" not in text
    assert "idealoop_acks_total" in text


def test_the_work_queue_backlog_comes_from_the_database(tmp_path: Path) -> None:
    deps = build_deps(Settings(database_url=migrate(f"sqlite:///{tmp_path}/backlog.db")))
    try:
        assert deps.work.backlog() == (0, 0.0)
        for key in ("a", "b"):
            deps.work.accept("brainstorm", team="T0TEST", delivery_key=key,
                             channel="C0GENERAL", user="U0ALICE", request={"topic": "x"})
        depth, age = deps.work.backlog()
        assert depth == 2 and 0.0 <= age < 60
        text = deps.metrics().decode()
        assert value(text, "idealoop_work_queue_depth") == 2
    finally:
        close_deps(deps)


# Two processes of one app (a web process and a worker), each counting into the shared
# directory; a scrape in any process sums them.
_COUNT = """
from bot import metrics
metrics.ack("event:reaction_added", 200, 0.02)
metrics.WORK_TAKEOVERS.labels("brainstorm").inc()
"""


def test_processes_sharing_a_multiprocess_dir_are_summed(tmp_path: Path) -> None:
    shared = tmp_path / "metrics"
    shared.mkdir()
    env = {**os.environ, metrics.MULTIPROC_VARIABLE: str(shared),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", _COUNT], env=env, check=True, timeout=60)
    assert len(list(shared.glob("*.db"))) >= 2  # one file per process and kind of metric

    render = ("import sys; from bot import metrics; "
              "sys.stdout.write(metrics.render().decode())")
    text = subprocess.run([sys.executable, "-c", render], env=env, check=True, timeout=60,
                          capture_output=True, text=True).stdout
    assert value(text, "idealoop_acks_total", surface="event:reaction_added",
                 outcome="2xx") == 2
    assert value(text, "idealoop_ack_seconds_count", surface="event:reaction_added") == 2
    assert value(text, "idealoop_work_takeovers_total", kind="brainstorm") == 2
    assert samples(metrics.render(path=str(shared)).decode()) == samples(text)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_only_get_and_head_scrape(method: str) -> None:
    from bot.runtime.server import make_wsgi_app
    from bot.runtime.slack_http import SlackRequestGate

    statuses: list[str] = []
    route = make_wsgi_app(None, lambda: (True, {}), SlackRequestGate(None),  # type: ignore[arg-type]
                          lambda: b"idealoop_acks_total 1\n")
    body = route({"PATH_INFO": "/metrics", "REQUEST_METHOD": method},
                 lambda status, headers: statuses.append(status))
    assert statuses == ["405 Method Not Allowed"] and b"idealoop" not in b"".join(body)
