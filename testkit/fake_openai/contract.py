"""What the real API refuses, model family by model family, and the models the fake serves.

The fake refuses what OpenAI's Chat Completions API refuses, so that a test passes only
when the app's request would pass there too. Each rule names where it was seen; the
wording and the error's fields (message, type, param, code) are OpenAI's. A local server
(``FakeOpenAI(local=True)``) refuses only a request without a model or with one it does
not have.
"""

from __future__ import annotations

import json
import re
from typing import Any

from testkit.fake_openai.errors import error_body
from testkit.fake_openai.messages import usage

DEFAULT_MODELS: tuple[str, ...] = (
    "gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-5-chat-latest", "gpt-4",  # chat models
    "gpt-5", "gpt-5-mini", "gpt-5-nano", "o1", "o3", "o3-mini", "o4-mini",  # reasoning models
    "fake-model", "fake-local-model",  # names the tests use, served as chat models
    "text-embedding-3-small", "text-embedding-3-large", "nomic-embed-text",
    "fake-embed",  # embeddings models
)
"""What the fake serves as OpenAI; any other model name is answered 404 model_not_found."""
LOCAL_MODELS: tuple[str, ...] = ("llama3.2", "fake-local-model", "nomic-embed-text")
"""What the fake serves as a local server (``FakeOpenAI(local=True)``)."""

_REASONING = re.compile(r"^(gpt-5|o1|o3|o4)(?!.*-chat)")
"""The gpt-5 family and the o-series are reasoning models (gpt-5-chat-latest is not)."""

# The defaults reasoning models accept; any other value is refused.
_SAMPLING_DEFAULTS: dict[str, float] = {
    "temperature": 1, "top_p": 1, "presence_penalty": 0, "frequency_penalty": 0,
}


# (most completion tokens, context window) of the OpenAI models the fake serves, as
# OpenAI's model pages give them; the fake's other names have no limits.
_LIMITS: dict[str, tuple[int, int]] = {
    "gpt-4o-mini": (16_384, 128_000), "gpt-4o": (16_384, 128_000),
    "gpt-4.1-mini": (32_768, 1_047_576), "gpt-5-chat-latest": (16_384, 128_000),
    "gpt-4": (8_192, 8_192),
    "gpt-5": (128_000, 400_000), "gpt-5-mini": (128_000, 400_000),
    "gpt-5-nano": (128_000, 400_000), "o1": (100_000, 200_000), "o3": (100_000, 200_000),
    "o3-mini": (100_000, 200_000), "o4-mini": (100_000, 200_000),
}


def family(model: str, *, local: bool = False) -> str:
    """How the fake treats `model`: "reasoning", "chat", or "local" (a local server's).
    The fake's own rule, written apart from the app's (`bot.llm.families`) on purpose."""
    if local:
        return "local"
    return "reasoning" if _REASONING.match(model) else "chat"


def _refusal(message: str, param: str | None, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "param": param,
                      "code": code}}


def _unknown_model(model: str, *, local: bool) -> dict[str, Any]:
    if local:
        # Ollama's own wording and type (its OpenAI layer), as tests/e2e/test_operator_steps.py
        # quotes it: 'model "x" not found, try pulling it first', type api_error.
        return {"error": {"message": f'model "{model}" not found, try pulling it first',
                          "type": "api_error", "param": None, "code": None}}
    # OpenAI: 404 "The model `…` does not exist or you do not have access to it.",
    # code model_not_found (seen in openai/openai-agents-python#458).
    return _refusal(f"The model `{model}` does not exist or you do not have access to it.",
                    None, "model_not_found")


def _reasoning_refusal(body: dict[str, Any]) -> dict[str, Any] | None:
    """What a reasoning model refuses (gpt-5*, o1*, o3*, o4*)."""
    value = body.get("temperature")
    if value is not None and value != _SAMPLING_DEFAULTS["temperature"]:
        # 400 unsupported_value, param temperature: "Unsupported value: 'temperature' does
        # not support 0 with this model. Only the default (1) value is supported."
        # (gpt-5-mini: QwenLM/qwen-code#921; the full error: gabrii/Cursor-Azure-GPT-5#33)
        return _refusal(f"Unsupported value: 'temperature' does not support "
                        f"{json.dumps(value)} with this model. Only the default (1) value "
                        "is supported.", "temperature", "unsupported_value")
    for name in ("top_p", "presence_penalty", "frequency_penalty"):
        value = body.get(name)
        if value is not None and value != _SAMPLING_DEFAULTS[name]:
            # 400 unsupported_parameter: "Unsupported parameter: 'top_p' is not supported
            # with this model." (o1: aandrew-me/tgpt#333; o4-mini: lobehub/lobehub#7747;
            # presence_penalty on gpt-5-mini: nextai-translator/nextai-translator#1781).
            # Whether the default value itself passes is not documented; the fake lets it.
            return _refusal(f"Unsupported parameter: '{name}' is not supported with this "
                            "model.", name, "unsupported_parameter")
    if "max_tokens" in body:
        # 400 unsupported_parameter, param max_tokens (gpt-5: griptape-ai/ComfyUI-Griptape
        # #312; o1/o3-mini: teilomillet/gollm#33): they take max_completion_tokens.
        return _refusal("Unsupported parameter: 'max_tokens' is not supported with this "
                        "model. Use 'max_completion_tokens' instead.", "max_tokens",
                        "unsupported_parameter")
    return None


def _limit_refusal(body: dict[str, Any], model: str) -> dict[str, Any] | None:
    """An output limit above what the model can write, or one that with the prompt does
    not fit its context window."""
    if model not in _LIMITS:
        return None
    most, context = _LIMITS[model]
    name = next((n for n in ("max_completion_tokens", "max_tokens") if n in body), None)
    asked = body.get(name) if name else None
    if not isinstance(asked, int):
        return None
    if asked > most:
        # "max_tokens is too large: 8192. This model supports at most 4096 completion
        # tokens, whereas you provided 8192." param max_tokens, code null
        # (ChatGPTNextWeb/NextChat#3195; diffbot/code-gpt-docs#284).
        return _refusal(f"{name} is too large: {asked}. This model supports at most {most} "
                        f"completion tokens, whereas you provided {asked}.", name, None)
    prompt = usage(body, "")["prompt_tokens"]
    if prompt + asked > context:
        # "This model's maximum context length is 8192 tokens. However, you requested 8256
        # tokens (64 in the messages, 8192 in the completion). Please reduce the length of
        # the messages or completion." param messages, code context_length_exceeded
        # (gpt-4: ChatGPTNextWeb/NextChat#3195).
        return _refusal(f"This model's maximum context length is {context} tokens. However, "
                        f"you requested {prompt + asked} tokens ({prompt} in the messages, "
                        f"{asked} in the completion). Please reduce the length of the "
                        "messages or completion.", "messages", "context_length_exceeded")
    return None


def _strict_schema_refusal(fmt: Any) -> dict[str, Any] | None:
    """A strict `json_schema` needs, on every object, `additionalProperties: false` and
    every property in `required`. OpenAI's words, param response_format:
    "Invalid schema for response_format 'x': In context=(), 'additionalProperties' is
    required to be supplied and to be false." (agentscope-ai/agentscope-java#2548,
    moeru-ai/xsai#145) and "… In context=(), 'required' is required to be supplied and to
    be an array including every key in properties. Missing 'message'."
    (bingoYB/ham_home#16); nested objects name their path, e.g. context=('properties',
    'etymology'). The code is invalid_json_schema (Part-DB/Part-DB-server#1540)."""
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        return None
    spec = fmt.get("json_schema")
    if not isinstance(spec, dict) or not spec.get("strict"):
        return None
    name = spec.get("name", "")

    def refuse(path: tuple[str, ...], rule: str) -> dict[str, Any]:
        return _refusal(f"Invalid schema for response_format '{name}': In context={path!r}, "
                        f"{rule}", "response_format", "invalid_json_schema")

    def check(node: Any, path: tuple[str, ...]) -> dict[str, Any] | None:
        if not isinstance(node, dict):
            return None
        properties = node.get("properties")
        if node.get("type") == "object" or isinstance(properties, dict):
            if node.get("additionalProperties") is not False:
                return refuse(path, "'additionalProperties' is required to be supplied and "
                                    "to be false.")
            required = node.get("required")
            for key in properties or {}:
                if not isinstance(required, list) or key not in required:
                    return refuse(path, "'required' is required to be supplied and to be an "
                                        "array including every key in properties. Missing "
                                        f"'{key}'.")
            for key, child in (properties or {}).items():
                if found := check(child, (*path, "properties", key)):
                    return found
        if found := check(node.get("items"), (*path, "items")):
            return found
        return None

    return check(spec.get("schema"), ())


def request_refusal(body: dict[str, Any], models: tuple[str, ...], *,
                    local: bool) -> tuple[int, dict[str, Any]] | None:
    """The status and error the real service would answer this chat request with, if any."""
    model = body.get("model")
    if not isinstance(model, str) or not model:
        return 400, _refusal("you must provide a model parameter", None, None)
    if model not in models:
        return 404, _unknown_model(model, local=local)
    if local:
        # Ollama-style servers take what they do not know without complaint: sampling
        # parameters of any value, max_tokens, a stray stream_options (ignored), and a
        # json_schema response_format (ignored, see FakeOpenAI(local=True)).
        return None
    if "stream_options" in body and not body.get("stream"):
        # "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        # param stream_options, code null (BerriAI/litellm#5803).
        return 400, _refusal("The 'stream_options' parameter is only allowed when 'stream' "
                             "is enabled.", "stream_options", None)
    if family(model) == "reasoning" and (refused := _reasoning_refusal(body)):
        return 400, refused
    if refused := _limit_refusal(body, model):
        return 400, refused
    if refused := _strict_schema_refusal(body.get("response_format")):
        return 400, refused
    return None


def embeddings_refusal(body: Any, models: tuple[str, ...]) -> dict[str, Any] | None:
    """404 ``model_not_found`` (OpenAI's words) for an embeddings model the fake does not
    serve (chat requests are checked by `request_refusal`)."""
    model = body.get("model") if isinstance(body, dict) else None
    if model in models:
        return None
    return error_body(404, f"The model `{model}` does not exist or you do not have access "
                           "to it.")
