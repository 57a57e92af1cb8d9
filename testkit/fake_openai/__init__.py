"""A fake OpenAI-compatible HTTP server for tests and benchmarks.

Why a real HTTP server instead of mocking the SDK: the bot talks to LLMs through the ``openai``
SDK (v3, built on ``httpx2``), and the interesting failures -- timeouts, 5xx, HTML error pages,
servers that reject ``response_format``, streams that die half-way -- only show up faithfully when
the SDK's own transport, retry and error-mapping code runs against real sockets. This server is
standard-library only, binds to ``127.0.0.1`` on an ephemeral port, and every behaviour is
scriptable and thread-safe so tests can drive the bot end-to-end without any network.

Usage::

    with FakeOpenAI() as fake:
        fake.reply("1. Fewer meetings")
        client = openai.OpenAI(api_key="test", base_url=fake.base_url, max_retries=0)
        ...
        fake.wait_for_requests(1)
        assert fake.requests[0]["body"]["model"] == "gpt-4o-mini"

Each recorded request is a dict ``{"method", "path", "headers", "body"}`` where ``headers`` has
lower-cased names and ``body`` is the parsed JSON body (``None`` for GET or an unparsable body);
once answered it also has ``"status"``, the HTTP status the fake answered with.

    fake.py       FakeOpenAI: start and stop it, script it, read the requests it got
    contract.py   what the real API refuses, per model family, each rule with where it was
                  seen; the models served
    script.py     the script the scripting methods write: replies, vectors and faults to come
    responder.py  which answer each request gets: faults first, then its route
    answers.py    what is said: scripted or default ideas and vectors, OpenAI's answer bodies
    streaming.py  a chat answer as Server-Sent Events, chunk by chunk
    faults.py     delays, error answers, garbage bodies and cut connections
    messages.py   reading a chat request: its messages' text and a rough token count
    errors.py     OpenAI's error body, so the SDK raises what the real service makes it raise
    server.py     the HTTP wiring: a threaded loopback server, framing, connections ended on stop
"""

from testkit.fake_openai.answers import EMBEDDING_DIMS, default_ideas, default_vector
from testkit.fake_openai.contract import DEFAULT_MODELS, LOCAL_MODELS, family
from testkit.fake_openai.fake import FakeOpenAI
from testkit.fake_openai.script import ReplyFn

__all__ = ["DEFAULT_MODELS", "EMBEDDING_DIMS", "LOCAL_MODELS", "FakeOpenAI", "ReplyFn",
           "default_ideas", "default_vector", "family"]
