"""What the fake says when a request is answered: the scripted reply or the default ideas,
the default embedding of a text, and the bodies of OpenAI's answers that carry them.

Why defaults derived from the request: a test that scripts nothing still gets ideas tied
to its topic (recognisable in what the app posts), and texts that share words get
vectors that are close, so the app's "same idea" checks have something to measure.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import struct
import time
from typing import Any

from testkit.fake_openai.messages import last_user_text, wants_json
from testkit.fake_openai.script import ReplyFn

EMBEDDING_DIMS = 64

_IDEA_TEMPLATES: tuple[str, ...] = (
    "Run a two-week experiment on {t} and review the results together",
    "Ask three people what slows down {t} and fix the most common answer",
    "Borrow how another team handles {t} and adapt one practice",
    "Remove one step from {t} and see if anyone misses it",
    "Measure {t} for a week before changing anything",
    "Automate the most repetitive part of {t}",
    "Write a one-page guide to {t} and share it",
)


def _topic_from(text: str) -> str:
    """Pick a short topic phrase out of a (possibly long) prompt for the default ideas.

    Uses the first non-empty line, prefers what follows a colon ("Topic: X") or, when the
    line ends with one, the first line of the text fenced after it (idealoop's prompts:
    "… on this topic:" and the topic inside `<<<USER_TEXT` fences), and trims to a few
    words so default replies stay short and recognisably tied to the request.
    """
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    line = lines[0] if lines else ""
    if line.endswith(":"):
        fenced = [ln for ln in lines[1:] if not ln.startswith("<<") and not ln.endswith(">>")]
        line = fenced[0] if fenced else line
    if ":" in line and line.split(":", 1)[1].strip():
        line = line.split(":", 1)[1].strip()
    line = re.sub(r"\s+", " ", line).strip(" .?!\"'")
    words = line.split(" ")
    if len(words) > 8:
        line = " ".join(words[:8])
    return line or "the topic"


def default_ideas(body: dict[str, Any], count: int = 5) -> list[str]:
    """Default assistant ideas derived from the last user message (deterministic)."""
    topic = _topic_from(last_user_text(body))
    return [tpl.format(t=topic) for tpl in _IDEA_TEMPLATES[:count]]


def default_vector(text: str, dims: int = EMBEDDING_DIMS) -> list[float]:
    """A deterministic stand-in for an embedding: the text's lower-cased words hashed
    into `dims` buckets (a bag of words, not a meaning). Tests that need two texts to be
    close in meaning script their vectors with `FakeOpenAI.embeddings`."""
    vector = [0.0] * dims
    for word in re.findall(r"\w+", text.lower()):
        digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
        vector[int.from_bytes(digest, "little") % dims] += 1.0
    return vector


def chat_content(body: dict[str, Any], reply: str | ReplyFn | None, ignore: bool) -> str:
    """What the assistant says: the scripted reply (a callable is given a copy of the
    body), else the default ideas, as ``{"ideas": [...]}`` when JSON was asked for and
    not ignored, otherwise as a numbered list."""
    if callable(reply):
        return str(reply(copy.deepcopy(body)))  # the recorded request must stay intact
    if reply is not None:
        return reply
    ideas = default_ideas(body)
    if wants_json(body) and not ignore:
        return json.dumps({"ideas": ideas})
    return "\n".join(f"{i}. {idea}" for i, idea in enumerate(ideas, 1))


def chat_completion(completion_id: str, model: str, content: str,
                    usage: dict[str, int] | None) -> dict[str, Any]:
    """A whole (not streamed) chat completion, as OpenAI shapes it."""
    completion: dict[str, Any] = {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_fake",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
    }
    if usage is not None:
        completion["usage"] = usage
    return completion


def embeddings_list(inputs: list[str], vectors: dict[str, list[float]], *, model: str,
                    as_base64: bool) -> dict[str, Any]:
    """OpenAI's embeddings answer: one vector per input (the scripted one for that exact
    text, else `default_vector`), as floats or base64."""
    data: list[dict[str, Any]] = []
    for index, text in enumerate(inputs):
        vector = vectors.get(text) or default_vector(text)
        encoded: Any = (base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
                        if as_base64 else vector)
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    tokens = sum(len(text) // 4 for text in inputs)
    return {"object": "list", "data": data, "model": model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}


def models_list(models: tuple[str, ...]) -> dict[str, Any]:
    """OpenAI's ``GET /v1/models`` answer for these models."""
    now = int(time.time())
    data = [
        {"id": m, "object": "model", "created": now, "owned_by": "fake-openai"}
        for m in models
    ]
    return {"object": "list", "data": data}
