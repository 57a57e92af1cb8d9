"""The one place that picks the model and the embedder the settings ask for.

Apart from `bot.llm.model` (the interfaces) so that the implementations can import the
interfaces without the interfaces importing them back. The OpenAI SDK is imported only
when the settings ask for it, so the offline emulator and the command line start
without paying for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.llm.model import Embedder, TextModel


def make_model(settings: Settings, *, http_client: Any = None) -> TextModel:
    """The model the settings ask for. `http_client` is a seam for tests and proxies."""
    if settings.llm_mode == "offline":
        from bot.llm.offline_model import OfflineModel

        return OfflineModel()
    from bot.llm.openai_model import openai_model

    return openai_model(settings, http_client=http_client)


def make_embedder(settings: Settings, *, http_client: Any = None) -> Embedder | None:
    """The embeddings model the settings name, on the configured LLM server; None when
    there is none (the offline generator, or `IDEALOOP_EMBEDDING_MODEL` unset)."""
    if settings.llm_mode == "offline" or not settings.embedding_model:
        return None
    from bot.llm.openai_model import openai_embedder

    return openai_embedder(settings, http_client=http_client)
