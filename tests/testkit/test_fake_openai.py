"""Tests for the fake OpenAI server, driven by the real ``openai`` SDK.

Why through the real client: the fake is only useful if the SDK parses its answers exactly as it
would parse OpenAI's, and maps its failures to the same exception types the bot has to handle.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import openai
import pytest

from testkit.fake_openai import FakeOpenAI, default_vector

MESSAGES: list[dict[str, str]] = [
    {"role": "system", "content": "You are a brainstorming partner."},
    {"role": "user", "content": "Topic: shorter standups"},
]
IDEAS_SCHEMA: dict[str, Any] = {
    "type": "json_schema",
    "json_schema": {
        "name": "ideas",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {"ideas": {"type": "array", "items": {"type": "string"}}},
            "required": ["ideas"],
            "additionalProperties": False,
        },
    },
}


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def client(fake: FakeOpenAI) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(api_key="test", base_url=fake.base_url, max_retries=0) as c:
        yield c


def _chat(client: openai.OpenAI, **kwargs: Any) -> Any:
    kwargs.setdefault("messages", MESSAGES)
    return client.chat.completions.create(model="gpt-4o-mini", **kwargs)


def test_base_url_shape(fake: FakeOpenAI) -> None:
    assert fake.base_url == f"http://127.0.0.1:{fake.port}/v1"


def test_base_url_requires_start() -> None:
    with pytest.raises(RuntimeError):
        _ = FakeOpenAI().base_url


def test_plain_reply_is_numbered_list_from_topic(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    completion = _chat(client)
    content = completion.choices[0].message.content
    lines = content.splitlines()
    assert len(lines) == 5
    assert all(line.startswith(f"{i}. ") for i, line in enumerate(lines, 1))
    assert "shorter standups" in content
    assert completion.model == "gpt-4o-mini"
    assert completion.choices[0].finish_reason == "stop"
    prompt_chars = sum(len(m["content"]) for m in MESSAGES)
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == prompt_chars // 4
    assert completion.usage.completion_tokens == len(content) // 4
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )


def test_json_schema_gets_ideas_object(client: openai.OpenAI) -> None:
    completion = _chat(client, response_format=IDEAS_SCHEMA)
    data = json.loads(completion.choices[0].message.content)
    assert list(data) == ["ideas"]
    assert len(data["ideas"]) == 5
    assert all("shorter standups" in idea for idea in data["ideas"])


def test_scripted_reply_string_and_callable(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.reply("just this")
    assert _chat(client).choices[0].message.content == "just this"

    fake.reply(lambda body: f"{len(body['messages'])} messages for {body['model']}")
    assert _chat(client).choices[0].message.content == "2 messages for gpt-4o-mini"

    fake.reply(None)
    assert _chat(client).choices[0].message.content.startswith("1. ")


def test_reply_callable_error_becomes_500(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    def boom(body: dict[str, Any]) -> str:
        raise ValueError("scripted bug")

    fake.reply(boom)
    with pytest.raises(openai.InternalServerError, match="scripted bug"):
        _chat(client)


def test_streaming_with_usage(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.reply("alpha beta gamma")
    pieces: list[str] = []
    usage = None
    finish = None
    with _chat(client, stream=True, stream_options={"include_usage": True}) as stream:
        for chunk in stream:
            assert chunk.object == "chat.completion.chunk"
            if chunk.usage is not None:
                usage = chunk.usage
                assert chunk.choices == []
            for choice in chunk.choices:
                pieces.append(choice.delta.content or "")
                finish = choice.finish_reason or finish
    assert "".join(pieces) == "alpha beta gamma"
    assert finish == "stop"
    assert usage is not None
    assert usage.completion_tokens == len("alpha beta gamma") // 4


def test_streaming_without_usage(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.reply("one two")
    with _chat(client, stream=True) as stream:
        chunks = list(stream)
    assert all(chunk.usage is None for chunk in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "one two"


def test_stream_chunk_delay_is_applied(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.reply("a b c").chunk_delay(0.05)
    start = time.monotonic()
    with _chat(client, stream=True) as stream:
        list(stream)
    # role chunk + 3 content chunks + finish chunk + [DONE] => 5 gaps
    assert time.monotonic() - start >= 0.2


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (400, openai.BadRequestError),
        (401, openai.AuthenticationError),
        (429, openai.RateLimitError),
        (500, openai.InternalServerError),
        (503, openai.InternalServerError),
    ],
)
def test_fail_maps_to_sdk_errors(
    fake: FakeOpenAI, client: openai.OpenAI, status: int, error_type: type[Exception]
) -> None:
    fake.fail(status=status, times=2)
    for _ in range(2):
        with pytest.raises(error_type) as excinfo:
            _chat(client)
        assert isinstance(excinfo.value, openai.APIStatusError)
        assert excinfo.value.status_code == status
        assert isinstance(excinfo.value.body, dict)
        assert "Fake failure" in excinfo.value.body["message"]
    assert _chat(client).choices[0].message.content  # third request succeeds


def test_fail_custom_body_and_streaming(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.fail(status=500, body={"error": {"message": "model overloaded", "type": "server_error"}})
    with pytest.raises(openai.InternalServerError, match="model overloaded"):
        _chat(client, stream=True)


def test_fail_with_retry_after_lets_sdk_retry(fake: FakeOpenAI) -> None:
    fake.fail(status=503, times=2, retry_after=0.01).reply("finally")
    with openai.OpenAI(api_key="test", base_url=fake.base_url, max_retries=2) as c:
        assert _chat(c).choices[0].message.content == "finally"
    retry_counts = [r["headers"]["x-stainless-retry-count"] for r in fake.requests]
    assert retry_counts == ["0", "1", "2"]


def test_garbage_json_content_type_raises_decode_error(
    fake: FakeOpenAI, client: openai.OpenAI
) -> None:
    fake.garbage()
    # Not an OpenAIError: the SDK lets json's ValueError escape.
    with pytest.raises(json.JSONDecodeError):
        _chat(client)
    assert _chat(client).choices[0].message.content


def test_garbage_html_is_returned_as_text(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.garbage(content_type="text/html")
    result = _chat(client)
    assert isinstance(result, str)
    assert "Bad Gateway" in result


def test_garbage_stream_raises_decode_error(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.garbage()
    with (
        pytest.raises(json.JSONDecodeError),
        _chat(client, stream=True) as stream,
    ):
        list(stream)


def test_reject_response_format(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.reject_response_format()
    with pytest.raises(openai.BadRequestError) as excinfo:
        _chat(client, response_format=IDEAS_SCHEMA)
    assert excinfo.value.status_code == 400
    assert excinfo.value.body == {
        "message": "response_format is not supported",
        "type": "invalid_request_error",
    }
    assert "response_format is not supported" in str(excinfo.value)
    # Without a response_format the same server answers normally.
    assert _chat(client).choices[0].message.content.startswith("1. ")


def test_ignore_response_format(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.ignore_response_format()
    content = _chat(client, response_format=IDEAS_SCHEMA).choices[0].message.content
    assert content.startswith("1. ")
    with pytest.raises(json.JSONDecodeError):
        json.loads(content)


def test_break_stream_raises_connection_error(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.reply("a b c d e f g").break_stream_after(3)
    received: list[str] = []
    with (
        pytest.raises(openai.APIConnectionError) as excinfo,
        _chat(client, stream=True) as stream,
    ):
        for chunk in stream:
            received.append(chunk.choices[0].delta.content or "")
    assert not isinstance(excinfo.value, openai.APITimeoutError)
    assert "".join(received) == "a b "
    # Only the next stream is broken.
    with _chat(client, stream=True) as stream:
        assert "".join(c.choices[0].delta.content or "" for c in stream) == "a b c d e f g"


def test_delay_with_client_timeout_raises_timeout(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.delay(2.0)
    start = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        _chat(client, timeout=0.2)
    assert time.monotonic() - start < 1.5


def test_delay_applies_before_first_stream_chunk(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.delay(2.0)
    with pytest.raises(openai.APITimeoutError):
        _chat(client, stream=True, timeout=0.2)


def test_chunk_delay_longer_than_read_timeout(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.chunk_delay(1.0)
    with (
        pytest.raises(openai.APITimeoutError),
        _chat(client, stream=True, timeout=0.2) as stream,
    ):
        list(stream)


def test_connection_refused_is_connection_error(fake: FakeOpenAI) -> None:
    base_url = fake.base_url
    fake.stop()
    with (
        openai.OpenAI(api_key="test", base_url=base_url, max_retries=0) as c,
        pytest.raises(openai.APIConnectionError),
    ):
        _chat(c)


def test_models_list(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    ids = [model.id for model in client.models.list()]
    assert ids == list(fake.models)
    assert fake.requests[-1]["method"] == "GET"
    assert fake.requests[-1]["path"] == "/v1/models"
    assert fake.requests[-1]["body"] is None


def test_only_the_models_served_answer(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.models = ("gpt-4o-mini", "fake-embed")
    assert client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]).choices
    assert client.embeddings.create(model="fake-embed", input="a cat").data
    with pytest.raises(openai.NotFoundError) as exc:
        client.chat.completions.create(model="gpt-5-mini",
                                       messages=[{"role": "user", "content": "hi"}])
    assert exc.value.code == "model_not_found" and "gpt-5-mini" in exc.value.message
    with pytest.raises(openai.NotFoundError) as exc:
        client.embeddings.create(model="nomic-embed-text", input="a cat")
    assert exc.value.code == "model_not_found"


def test_unknown_route_is_404(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError):
        client.completions.create(model="x", prompt="hello")


def test_embeddings_as_floats_or_base64_and_scripted(fake: FakeOpenAI,
                                                     client: openai.OpenAI) -> None:
    floats = client.embeddings.create(model="fake-embed", input=["a cat", "a dog"],
                                      encoding_format="float")
    assert [row.embedding for row in floats.data] == [default_vector("a cat"),
                                                      default_vector("a dog")]
    assert floats.model == "fake-embed" and floats.data[1].index == 1
    fake.embeddings({"a cat": [0.5, 0.25]})
    packed = client.embeddings.create(model="fake-embed", input="a cat")  # SDK asks base64
    assert fake.requests[-1]["body"]["encoding_format"] == "base64"
    assert list(packed.data[0].embedding) == [0.5, 0.25]
    fake.embeddings(offered=False)
    with pytest.raises(openai.NotFoundError):
        client.embeddings.create(model="fake-embed", input="a cat")
    with pytest.raises(openai.BadRequestError):
        fake.embeddings()
        client.embeddings.create(model="fake-embed", input=[])


def test_requests_are_recorded(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    _chat(client, response_format=IDEAS_SCHEMA, temperature=0.3)
    (record,) = fake.wait_for_requests(1)
    assert record["method"] == "POST"
    assert record["path"] == "/v1/chat/completions"
    assert record["headers"]["authorization"] == "Bearer test"
    assert record["body"]["messages"] == MESSAGES
    assert record["body"]["temperature"] == 0.3
    assert record["body"]["response_format"] == IDEAS_SCHEMA
    assert record["status"] == 200


def test_wait_for_requests_times_out(fake: FakeOpenAI) -> None:
    with pytest.raises(TimeoutError):
        fake.wait_for_requests(1, timeout=0.05)


def test_wait_for_requests_from_other_thread(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    worker = threading.Thread(target=_chat, args=(client,))
    worker.start()
    try:
        assert len(fake.wait_for_requests(1, timeout=5)) == 1
    finally:
        worker.join()


def test_concurrent_requests_and_counted_failures(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.fail(status=500, times=3).delay(0.05)

    def call(_: int) -> str:
        try:
            return _chat(client).choices[0].message.content
        except openai.InternalServerError:
            return "failed"

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(call, range(16)))
    assert results.count("failed") == 3
    assert len(fake.requests) == 16


def test_reset_clears_script_and_requests(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.reply("x").fail(times=5)
    fake.reset()
    assert fake.requests == []
    assert _chat(client).choices[0].message.content.startswith("1. ")


def test_stop_is_quick_even_with_pending_delay() -> None:
    server = FakeOpenAI().start()
    server.delay(30)
    with (
        openai.OpenAI(api_key="test", base_url=server.base_url, max_retries=0) as c,
        pytest.raises(openai.APITimeoutError),
    ):
        _chat(c, timeout=0.1)
    start = time.monotonic()
    server.stop()
    server.stop()  # idempotent
    assert time.monotonic() - start < 2


# ------------------------------------------------ what the real API refuses, family by family


def _refused(call: Any, status: int = 400) -> dict[str, Any]:
    """The error body of a call the fake must refuse with `status`."""
    with pytest.raises(openai.APIStatusError) as excinfo:
        call()
    assert excinfo.value.status_code == status
    assert isinstance(excinfo.value.body, dict)
    return excinfo.value.body


def test_an_unknown_model_is_404_model_not_found(fake: FakeOpenAI,
                                                 client: openai.OpenAI) -> None:
    body = _refused(lambda: client.chat.completions.create(model="gpt-9-imaginary",
                                                           messages=MESSAGES), 404)
    assert fake.requests[-1]["status"] == 404  # the log says what each request got
    assert body == {"message": "The model `gpt-9-imaginary` does not exist or you do not "
                               "have access to it.",
                    "type": "invalid_request_error", "param": None, "code": "model_not_found"}


@pytest.mark.parametrize("model", ["gpt-5", "gpt-5-mini", "gpt-5-nano", "o1", "o3", "o4-mini"])
def test_a_reasoning_model_refuses_a_temperature_other_than_its_default(
        client: openai.OpenAI, model: str) -> None:
    body = _refused(lambda: client.chat.completions.create(model=model, messages=MESSAGES,
                                                           temperature=0.9))
    assert body == {"message": "Unsupported value: 'temperature' does not support 0.9 with "
                               "this model. Only the default (1) value is supported.",
                    "type": "invalid_request_error", "param": "temperature",
                    "code": "unsupported_value"}
    # its default passes, and so does no temperature at all
    assert client.chat.completions.create(model=model, messages=MESSAGES, temperature=1)
    assert client.chat.completions.create(model=model, messages=MESSAGES)


@pytest.mark.parametrize(("param", "value"), [("top_p", 0.5), ("presence_penalty", 0.3),
                                              ("frequency_penalty", -0.2)])
def test_a_reasoning_model_refuses_other_sampling_parameters(
        client: openai.OpenAI, param: str, value: float) -> None:
    body = _refused(lambda: client.chat.completions.create(
        model="gpt-5-mini", messages=MESSAGES, **{param: value}))
    assert body == {"message": f"Unsupported parameter: '{param}' is not supported with this "
                               "model.",
                    "type": "invalid_request_error", "param": param,
                    "code": "unsupported_parameter"}


def test_a_reasoning_model_refuses_max_tokens_and_takes_max_completion_tokens(
        client: openai.OpenAI) -> None:
    body = _refused(lambda: client.chat.completions.create(model="o4-mini", messages=MESSAGES,
                                                           max_tokens=500))
    assert body == {"message": "Unsupported parameter: 'max_tokens' is not supported with "
                               "this model. Use 'max_completion_tokens' instead.",
                    "type": "invalid_request_error", "param": "max_tokens",
                    "code": "unsupported_parameter"}
    assert client.chat.completions.create(model="o4-mini", messages=MESSAGES,
                                          max_completion_tokens=500)


def test_a_chat_model_takes_sampling_parameters_and_either_limit(client: openai.OpenAI) -> None:
    for model in ("gpt-4o-mini", "gpt-5-chat-latest"):
        assert client.chat.completions.create(
            model=model, messages=MESSAGES, temperature=0.9, top_p=0.5, presence_penalty=0.3,
            frequency_penalty=0.1, max_tokens=100)
        assert client.chat.completions.create(model=model, messages=MESSAGES,
                                              max_completion_tokens=100)


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": "ideas", "strict": True,
                                                   "schema": schema}}


def test_a_strict_schema_needs_additional_properties_false_on_every_object(
        client: openai.OpenAI) -> None:
    loose = {"type": "object", "properties": {"ideas": {"type": "array",
                                                         "items": {"type": "string"}}},
             "required": ["ideas"]}
    body = _refused(lambda: _chat(client, response_format=_strict(loose)))
    assert body == {"message": "Invalid schema for response_format 'ideas': In context=(), "
                               "'additionalProperties' is required to be supplied and to be "
                               "false.",
                    "type": "invalid_request_error", "param": "response_format",
                    "code": "invalid_json_schema"}
    nested = {"type": "object", "additionalProperties": False, "required": ["idea"],
              "properties": {"idea": {"type": "object", "properties": {}}}}
    body = _refused(lambda: _chat(client, response_format=_strict(nested)))
    assert "In context=('properties', 'idea'), 'additionalProperties'" in body["message"]
    # the same schema without strict is taken as it is
    relaxed = {"type": "json_schema", "json_schema": {"name": "ideas", "schema": loose}}
    assert _chat(client, response_format=relaxed)


def test_a_strict_schema_needs_every_property_required(client: openai.OpenAI) -> None:
    schema = {"type": "object", "additionalProperties": False, "required": ["ideas"],
              "properties": {"ideas": {"type": "array", "items": {
                  "type": "object", "additionalProperties": False, "required": ["text"],
                  "properties": {"text": {"type": "string"}, "why": {"type": "string"}}}}}}
    body = _refused(lambda: _chat(client, response_format=_strict(schema)))
    assert body == {"message": "Invalid schema for response_format 'ideas': In context="
                               "('properties', 'ideas', 'items'), 'required' is required to "
                               "be supplied and to be an array including every key in "
                               "properties. Missing 'why'.",
                    "type": "invalid_request_error", "param": "response_format",
                    "code": "invalid_json_schema"}
    assert _chat(client, response_format=IDEAS_SCHEMA)  # idealoop's own is strict enough


def test_stream_options_without_stream_is_refused(client: openai.OpenAI) -> None:
    body = _refused(lambda: _chat(client, stream_options={"include_usage": True}))
    assert body == {"message": "The 'stream_options' parameter is only allowed when 'stream' "
                               "is enabled.",
                    "type": "invalid_request_error", "param": "stream_options", "code": None}


@pytest.fixture
def local() -> Iterator[openai.OpenAI]:
    with (FakeOpenAI(local=True) as server,
          openai.OpenAI(api_key="test", base_url=server.base_url, max_retries=0) as c):
        yield c


def test_a_local_server_ignores_a_json_schema(local: openai.OpenAI) -> None:
    content = local.chat.completions.create(model="llama3.2", messages=MESSAGES,
                                            response_format=IDEAS_SCHEMA,
                                            temperature=0.9).choices[0].message.content
    assert content.startswith("1. ")  # free text, not the JSON the schema asked for


def test_a_local_server_reports_no_usage(local: openai.OpenAI) -> None:
    assert local.chat.completions.create(model="llama3.2", messages=MESSAGES).usage is None
    with local.chat.completions.create(model="llama3.2", messages=MESSAGES, stream=True,
                                       stream_options={"include_usage": True}) as stream:
        chunks = list(stream)
    assert chunks and all(chunk.usage is None for chunk in chunks)


def test_a_local_server_answers_an_unknown_model_as_ollama_does(local: openai.OpenAI) -> None:
    body = _refused(lambda: local.chat.completions.create(model="gpt-5-mini",
                                                          messages=MESSAGES), 404)
    assert body["message"] == 'model "gpt-5-mini" not found, try pulling it first'


def test_an_output_limit_above_what_the_model_writes_is_refused(client: openai.OpenAI) -> None:
    body = _refused(lambda: _chat(client, max_completion_tokens=20_000))
    assert body == {"message": "max_completion_tokens is too large: 20000. This model "
                               "supports at most 16384 completion tokens, whereas you "
                               "provided 20000.",
                    "type": "invalid_request_error", "param": "max_completion_tokens",
                    "code": None}
    assert _chat(client, max_completion_tokens=16_384)


def test_an_output_limit_that_does_not_fit_the_context_is_refused(client: openai.OpenAI) -> None:
    prompt = sum(len(m["content"]) for m in MESSAGES) // 4
    body = _refused(lambda: client.chat.completions.create(
        model="gpt-4", messages=MESSAGES, max_completion_tokens=8_192))
    assert body == {"message": "This model's maximum context length is 8192 tokens. However, "
                               f"you requested {8_192 + prompt} tokens ({prompt} in the "
                               "messages, 8192 in the completion). Please reduce the length "
                               "of the messages or completion.",
                    "type": "invalid_request_error", "param": "messages",
                    "code": "context_length_exceeded"}
    assert client.chat.completions.create(model="gpt-4", messages=MESSAGES,
                                          max_completion_tokens=8_192 - prompt)
