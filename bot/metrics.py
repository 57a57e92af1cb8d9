"""What an operator watches: every Prometheus series idealoop exposes, in one place.

The metric objects live here and nowhere else, so the series are listed in one file and a
module that counts something imports a name from here, never `prometheus_client` itself
(handlers/ never do: they call bot/ services, which count). Slack-free: labels are
plain strings the callers pass.

Labels stay low in cardinality: a surface, an outcome, a model, a Slack method, a kind of
work. Never a team, channel or user id, and never a value a request chose: every label
taken from outside goes through `bounded` (a fixed list, or a short identifier, else
"other"), so a client cannot grow the series without limit.

One process or many: with `PROMETHEUS_MULTIPROC_DIR` set (before this module is imported:
`idealoop serve` sets it from its settings, `.env` included, first thing),
prometheus_client writes each process's values to files in that directory, and a scrape
of any process sums them (`render`), so the web process and worker processes show as one
app. Without it, the values live in this process's memory. Gauges worth having per app
(the work queue) are computed at scrape time by a `Collector` the caller passes to
`render`, not stored per process.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from collections.abc import Callable, Collection, Iterable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)
MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
OTHER = "other"
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}")

#: Every series is registered here (not in prometheus_client's global registry): a
#: scrape shows idealoop's series and nothing a library registered.
REGISTRY = CollectorRegistry(auto_describe=True)
_MULTIPROC_DIR_AT_IMPORT = os.environ.get(MULTIPROC_VARIABLE) or None

# Slack's 3 s ack window, with detail where acks normally are (tens of milliseconds).
_ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
_COMMIT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0)
_BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500)
_LLM_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)
_RETRY_AFTER_BUCKETS = (1, 2, 5, 10, 30, 60, 120, 300)

ACKS = Counter(
    "idealoop_acks", "Requests from Slack answered, by surface and HTTP status class.",
    ["surface", "outcome"], registry=REGISTRY)
ACK_SECONDS = Histogram(
    "idealoop_ack_seconds", "Time from a request read in full to its answer, by surface.",
    ["surface"], buckets=_ACK_BUCKETS, registry=REGISTRY)

FAST_PATH = Counter(
    "idealoop_fast_path_requests",
    "Requests from Slack answered by a fast path instead of Bolt's middleware chain "
    "(reactions: `handlers.reactions`), by surface.",
    ["surface"], registry=REGISTRY)

SIGNAL_BATCH = Histogram(
    "idealoop_signal_batch_signals", "Reaction signals committed together in one batch.",
    buckets=_BATCH_BUCKETS, registry=REGISTRY)
SIGNAL_COMMIT_SECONDS = Histogram(
    "idealoop_signal_commit_seconds", "Time to write and commit one batch of signals.",
    buckets=_COMMIT_BUCKETS, registry=REGISTRY)

WORK_TAKEOVERS = Counter(
    "idealoop_work_takeovers",
    "Pending work whose lease had run out (or was given back), taken by a sweep.",
    ["kind"], registry=REGISTRY)

LLM_SECONDS = Histogram(
    "idealoop_llm_request_seconds",
    "Time a model took to answer (a streamed answer: until it starts), by model and call.",
    ["model", "call"], buckets=_LLM_BUCKETS, registry=REGISTRY)
LLM_ERRORS = Counter(
    "idealoop_llm_errors", "Model requests that failed, by model, call and error type.",
    ["model", "call", "error"], registry=REGISTRY)
LLM_TOKENS = Counter(
    "idealoop_llm_tokens", "Tokens spent (as reported, else estimated), by model and kind.",
    ["model", "kind"], registry=REGISTRY)

SLACK_CALLS = Counter(
    "idealoop_slack_api_requests",
    "Slack Web API requests (each try of a call), by method and outcome "
    "(ok, error, ratelimited, http_5xx, http_4xx, connection).",
    ["method", "outcome"], registry=REGISTRY)
SLACK_RETRY_AFTER = Histogram(
    "idealoop_slack_retry_after_seconds", "Retry-After that Slack sent with a 429, by method.",
    ["method"], buckets=_RETRY_AFTER_BUCKETS, registry=REGISTRY)

DIGESTS = Counter(
    "idealoop_digests", "Digest runs by outcome (posted, found, empty, failed, refused).",
    ["outcome"], registry=REGISTRY)
DIGESTS_PAUSED = Counter(
    "idealoop_digests_paused", "Digest schedules paused, by why (refused, uninstalled).",
    ["reason"], registry=REGISTRY)


def bounded(value: object, allowed: Collection[str] = ()) -> str:
    """`value` as a label: one of `allowed` when given, else a short identifier (a Slack
    method, an exception's name, a model); anything else is "other"."""
    text = str(value)
    if allowed:
        return text if text in allowed else OTHER
    return text if _IDENTIFIER.fullmatch(text) else OTHER


def status_class(status: int) -> str:
    """An HTTP status as its class, "2xx" … "5xx": the outcome label of an ack."""
    return f"{status // 100}xx" if 100 <= status <= 599 else OTHER


def ack(surface: str, status: int, seconds: float) -> None:
    """One request from Slack answered (`surface` is already bounded by the caller)."""
    count, latency = _ack_series(surface, status_class(status))
    count.inc()
    latency.observe(seconds)


def fast_path(surface: str) -> None:
    """One request answered by a fast path (`surface` is already bounded by the caller)."""
    _fast_series(surface).inc()


@functools.cache
def _fast_series(surface: str) -> Counter:
    return FAST_PATH.labels(surface)


@functools.cache
def _ack_series(surface: str, outcome: str) -> tuple[Counter, Histogram]:
    """The two children an ack moves, looked up once: on every request, `labels()`
    took a lock and built its key each time (the labels are few, so is this cache)."""
    return ACKS.labels(surface, outcome), ACK_SECONDS.labels(surface)


def llm_answered(model: str, call: str, seconds: float) -> None:
    LLM_SECONDS.labels(bounded(model), call).observe(seconds)


def llm_failed(model: str, call: str, error: BaseException) -> None:
    LLM_ERRORS.labels(bounded(model), call, bounded(type(error).__name__)).inc()


def llm_tokens(model: str, prompt: int | None, completion: int | None) -> None:
    model = bounded(model)
    if prompt:
        LLM_TOKENS.labels(model, "prompt").inc(prompt)
    if completion:
        LLM_TOKENS.labels(model, "completion").inc(completion)


def slack_request(method: str, outcome: str, retry_after: float | None = None) -> None:
    """One try of a Slack Web API call; a 429's Retry-After (seconds) when it sent one."""
    method = bounded(method)
    SLACK_CALLS.labels(method, outcome).inc()
    if retry_after is not None:
        SLACK_RETRY_AFTER.labels(method).observe(retry_after)


def multiprocess_dir() -> str | None:
    """The directory shared by the processes of one app, or None (one process): as it
    was when this module was imported, which is when prometheus_client chose where the
    values live (set later, the scrape would read files this process never wrote)."""
    return _MULTIPROC_DIR_AT_IMPORT


def process_gone(pid: int) -> None:
    """A process of this app ended (a worker process, `bot.runtime.workers`): its live
    values are removed from the shared directory (`mark_process_dead`); what it counted
    stays in the sums. Nothing with one process."""
    path = multiprocess_dir()
    if path is None:
        return
    try:
        mark_process_dead(pid, path)  # type: ignore[no-untyped-call]
    except OSError as exc:
        log.warning("metrics: could not clear process %d's files (%s)", pid,
                    type(exc).__name__)


class _Forward(Collector):
    """Another registry's metrics, collected into the one a scrape renders."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self.registry.collect()


class QueueGauges(Collector):
    """The work queue's depth and the age of its oldest piece, read from the database
    when scraped (`read` returns both): one value for the whole app, whichever process
    is asked. A database that is away leaves them out of that scrape."""

    def __init__(self, read: Callable[[], tuple[int, float]]) -> None:
        self.read = read

    def collect(self) -> Iterator[Metric]:
        try:
            depth, oldest = self.read()
        except Exception as exc:  # the scrape still shows every other series
            log.warning("metrics: could not read the work queue (%s)", type(exc).__name__)
            return
        yield GaugeMetricFamily("idealoop_work_queue_depth",
                                "Accepted work not finished yet (queued or running).", depth)
        yield GaugeMetricFamily("idealoop_work_oldest_age_seconds",
                                "Age of the oldest accepted work not finished yet.", oldest)


def render(extra: Iterable[Collector] = (), *, path: str | None = None) -> bytes:
    """The text a scrape gets: this app's series (summed over every process writing to
    `path`, by default `PROMETHEUS_MULTIPROC_DIR`), then those of `extra`, computed now."""
    scrape = CollectorRegistry(auto_describe=False)
    path = path or multiprocess_dir()
    if path is not None:
        MultiProcessCollector(scrape, path=path)  # type: ignore[no-untyped-call]
    else:
        scrape.register(_Forward(REGISTRY))
    for collector in extra:
        scrape.register(collector)
    return bytes(generate_latest(scrape))
