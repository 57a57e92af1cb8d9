"""Which family a model name belongs to, and what that family is known to accept.

For people and for `idealoop doctor`, not for deciding which parameters to send: idealoop
sends the same request to every model and lets the server say what it refuses
(`OpenAIModel.adapted` lists what it left out). A name can mislead (a gateway's alias,
an Azure deployment); the server's answer cannot. The one choice made by family is the
size of the output ceiling (`output_limit`).

    family_of("gpt-5-mini").name  == "reasoning"   # gpt-5*, o1*, o3*, o4*
    family_of("gpt-4o-mini").name == "chat"        # other OpenAI chat models
    family_of("llama3.1:8b").name == "local"       # anything else: another server's model
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ModelFamily:
    """A family of models and what its members accept on Chat Completions."""

    name: str  # "reasoning" | "chat" | "local"
    sampling: bool  # takes temperature, top_p and penalties other than their defaults
    json_schema: bool  # honours a strict json_schema response_format
    reports_usage: bool  # reports the tokens it used (in streams: with stream_options)
    # The max_completion_tokens idealoop sends: a ceiling against runaway answers, far
    # above what a brainstorm or draft needs (reasoning models count their reasoning in
    # it). None: nothing sent — another server's context may be too small for any ceiling.
    output_limit: int | None
    about: str  # one line for people

    def __str__(self) -> str:
        return self.name


REASONING = ModelFamily(
    "reasoning", sampling=False, json_schema=True, reports_usage=True, output_limit=32_000,
    about="an OpenAI reasoning model: only the default temperature (1), no top_p or "
          "penalties, max_completion_tokens instead of max_tokens")
CHAT = ModelFamily(
    "chat", sampling=True, json_schema=True, reports_usage=True, output_limit=8_192,
    about="an OpenAI chat model: sampling parameters, JSON schemas and usage")
LOCAL = ModelFamily(
    "local", sampling=True, json_schema=False, reports_usage=False, output_limit=None,
    about="a model of another OpenAI-compatible server (Ollama, vLLM, llama.cpp, …): "
          "JSON schemas and token usage may be missing; idealoop falls back to plain text "
          "and estimates tokens")

# OpenAI's reasoning models: the gpt-5 family and the o-series, but not gpt-5-chat-*.
_REASONING = re.compile(r"^(gpt-5|o1|o3|o4)(?!.*-chat)([.-]|$)")
# OpenAI's chat models (gpt-oss is an open-weights model that other servers run).
_CHAT = re.compile(r"^(gpt-(?!oss)|chatgpt-)")


def family_of(model: str) -> ModelFamily:
    """The family `model` belongs to by its name. A gateway's provider prefix
    ("openai/gpt-5-mini") is looked through."""
    name = model.strip().lower().rsplit("/", 1)[-1]
    if _REASONING.match(name):
        return REASONING
    if _CHAT.match(name):
        return CHAT
    return LOCAL
