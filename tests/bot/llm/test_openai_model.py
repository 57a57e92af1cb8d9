"""What `OpenAIModel` leaves out when a server refuses it, and what it remembers: real
HTTP to the fake OpenAI server, the SDK's own error mapping."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import openai
import pytest

from bot.errors import LLMUnavailable
from bot.llm.model import DraftRequest, IdeaRequest
from bot.llm.openai_model import OpenAIEmbedder, OpenAIModel
from testkit.fake_openai import FakeOpenAI

REQUEST = IdeaRequest(topic="shorter standups", count=3)


@pytest.fixture
def client(llm: FakeOpenAI) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(api_key="test", base_url=llm.base_url, max_retries=0) as c:
        yield c


def asked(llm: FakeOpenAI, name: str) -> list[tuple[object, int]]:
    return [(r["body"].get(name), r["status"]) for r in llm.requests]


def test_nothing_is_adapted_where_nothing_is_refused(llm: FakeOpenAI,
                                                     client: openai.OpenAI) -> None:
    model = OpenAIModel(client, "gpt-4o-mini", temperature=0.2, output_limit=100)
    assert len(model.ideas(REQUEST).ideas) == 3
    assert asked(llm, "temperature") == [(0.2, 200)]
    assert asked(llm, "max_completion_tokens") == [(100, 200)]
    assert model.adapted == {}


def test_a_named_refusal_is_left_out_and_remembered(llm: FakeOpenAI, client: openai.OpenAI,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    model = OpenAIModel(client, "o4-mini", temperature=0.2)
    with caplog.at_level(logging.INFO, logger="bot.llm.openai_model"):
        model.ideas(REQUEST)
    [line] = caplog.messages
    assert line == ("LLM 'o4-mini' refused temperature (unsupported_value): asking again "
                    "without it, and from now on")  # no prompt, no server message
    list(model.ideas_stream(REQUEST).ideas)
    assert asked(llm, "temperature") == [(0.2, 400), (None, 200), (None, 200)]
    assert model.adapted == {"temperature": "unsupported_value"}
    with pytest.raises(TypeError):
        model.adapted["top_p"] = "x"  # type: ignore[index]  # a read-only view


def test_a_refused_parameter_quoted_with_its_code_counts_as_named(
        llm: FakeOpenAI, client: openai.OpenAI) -> None:
    # o3-mini once named "model" as the param of a refused temperature
    llm.fail(400, body={"error": {
        "message": "Unsupported parameter: 'temperature' is not supported with this model.",
        "type": "invalid_request_error", "param": "model", "code": "unsupported_parameter"}})
    model = OpenAIModel(client, "gpt-4o-mini", temperature=0.2)
    model.ideas(REQUEST)
    assert asked(llm, "temperature") == [(0.2, 400), (None, 200)]
    assert model.adapted == {"temperature": "unsupported_parameter"}


def test_a_refusal_naming_nothing_falls_back_each_time_without_remembering(
        llm: FakeOpenAI, client: openai.OpenAI) -> None:
    llm.reject_response_format()  # "response_format is not supported", no param
    model = OpenAIModel(client, "gpt-4o-mini")
    for _ in range(2):
        assert len(model.ideas(REQUEST).ideas) == 3
    assert [("response_format" in r["body"], r["status"]) for r in llm.requests] == [
        (True, 400), (False, 200), (True, 400), (False, 200)]
    assert model.adapted == {}


def test_a_refusal_naming_what_the_request_needs_is_not_adapted(
        llm: FakeOpenAI, client: openai.OpenAI) -> None:
    llm.fail(400, body={"error": {"message": "too long", "type": "invalid_request_error",
                                  "param": "messages", "code": "context_length_exceeded"}})
    model = OpenAIModel(client, "gpt-4o-mini", temperature=0.2)
    with pytest.raises(LLMUnavailable):
        model.ideas(REQUEST)
    assert len(llm.requests) == 1 and model.adapted == {}


@pytest.mark.parametrize(("model", "code"), [("gpt-4o-mini", "refused"),
                                             ("gpt-4", "context_length_exceeded")])
def test_an_output_limit_the_model_cannot_take_is_given_up(
        llm: FakeOpenAI, client: openai.OpenAI, model: str, code: str) -> None:
    # gpt-4o-mini writes at most 16,384 tokens; gpt-4's whole context is 8,192
    ceiling = {"gpt-4o-mini": 20_000, "gpt-4": 8_192}[model]
    chat = OpenAIModel(client, model, output_limit=ceiling)
    assert len(chat.ideas(REQUEST).ideas) == 3
    assert asked(llm, "max_completion_tokens") == [(ceiling, 400), (None, 200)]
    assert chat.adapted == {"max_completion_tokens": code}


def test_with_redact_every_request_leaves_redacted_and_the_caller_keeps_its_text(
        llm: FakeOpenAI, client: openai.OpenAI) -> None:
    """`IDEALOOP_REDACT`: chat and embeddings requests are redacted as they leave, and
    nothing else is: the request objects the app keeps are unchanged."""
    secret = "josé@exämple.de, 030/12345678"
    request = IdeaRequest(topic=f"refunds for {secret}", count=3, guidance=f"cc {secret}",
                          approved=[f"Call {secret}"], seed=f"Mail {secret}")
    OpenAIModel(client, "gpt-4o-mini", redact=True).ideas(request)
    llm.reply("A draft.")
    draft = DraftRequest(instruction=f"reply to {secret}", thread_text=f"from {secret}",
                         mode="polish", work=f"sign off {secret}")
    assert "".join(OpenAIModel(client, "gpt-4o-mini", redact=True).draft_stream(draft))
    OpenAIEmbedder(client, "fake-embed", redact=True).embed([f"Call {secret}"])
    sent = json.dumps([r["body"] for r in llm.requests], ensure_ascii=False)
    assert len(llm.requests) == 3
    assert "josé" not in sent and "12345678" not in sent
    assert sent.count("[email], [phone]") == 8  # 4 in the ideas, 3 in polish, 1 embedded
    assert request.topic == f"refunds for {secret}"  # what the app keeps is as typed
