"""Model families by name: what `idealoop doctor` shows about the configured model."""

from __future__ import annotations

import pytest

from bot.llm.families import CHAT, LOCAL, REASONING, family_of


@pytest.mark.parametrize("model", ["gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-5.1",
                                   "o1", "o1-mini", "o3", "o3-mini", "o4-mini",
                                   "o3-2025-04-16", "openai/gpt-5-mini", " GPT-5-Mini "])
def test_reasoning_models(model: str) -> None:
    assert family_of(model) is REASONING
    assert not REASONING.sampling and REASONING.output_limit


@pytest.mark.parametrize("model", ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-3.5-turbo",
                                   "gpt-5-chat-latest", "chatgpt-4o-latest"])
def test_chat_models(model: str) -> None:
    assert family_of(model) is CHAT


@pytest.mark.parametrize("model", ["llama3.1:8b", "qwen2.5", "gpt-oss:20b", "o1x", "omni",
                                   "my-azure-deployment", "fake-model"])
def test_any_other_name_is_another_servers_model(model: str) -> None:
    family = family_of(model)
    assert family is LOCAL and str(family) == "local"
    assert family.output_limit is None and not family.json_schema
