"""The named failures of idealoop, each turned into one friendly message at the edge.

    IdealoopError
    ├── ConfigError        a setting is missing or malformed (one line, names the variable)
    ├── BadInput           what a person typed cannot be used (message says how to fix it)
    ├── Busy               too much work in flight; try again shortly
    ├── NotSaved           the database cannot save right now; nothing was changed
    ├── NotYet             what the request refers to is not recorded yet; deliver it later
    ├── ChatError          Slack could not carry out a call
    │   ├── ChatUnavailable  Slack (or the way to it) is failing now; a later try may work
    │   └── ChatRefused      Slack refused for good (not in the channel, message gone, …)
    └── LLMError
        ├── LLMUnavailable the LLM server is down, unreachable, slow or refused us
        └── LLMBadOutput   the LLM answered, but nothing usable could be read from it

Every subclass carries `user_message`: short, plain, safe to show in Slack (no
secrets, no stack traces). Handlers show it; logs get the details.
"""

from __future__ import annotations

from storage.errors import DatabaseUnavailable as DatabaseUnavailable  # for handlers/


class IdealoopError(Exception):
    """Base of every error idealoop raises on purpose."""

    user_message = "Something went wrong on idealoop's side. Please try again."

    def __init__(self, detail: str = "", *, user_message: str | None = None) -> None:
        super().__init__(detail or self.user_message)
        if user_message is not None:
            self.user_message = user_message


class ConfigError(IdealoopError):
    """A setting is missing or malformed; `str(err)` is one line naming the variable."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, user_message=detail)


class BadInput(IdealoopError):
    """Input a person gave cannot be used; the message tells them what to do instead."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message, user_message=user_message)


class Busy(IdealoopError):
    user_message = "idealoop is busy with other requests right now. Please try again in a minute."


class NotSaved(IdealoopError):
    user_message = ("The database is not answering right now, so nothing was saved or "
                    "changed. Please try again in a minute.")


class NotYet(IdealoopError):
    """What a request refers to is not recorded yet (its work is still running): Slack is
    answered with an error, to deliver it again a little later."""


class ChatError(IdealoopError):
    """Slack could not carry out a call; `user_message` says why in a person's words (the
    surface that made the call writes it)."""

    user_message = "I can't reach Slack right now. Please try again in a few minutes."


class ChatUnavailable(ChatError):
    """Slack, or the way to it, is failing now (unreachable, 5xx, rate limited)."""


class ChatRefused(ChatError):
    """Slack refused the call for good: trying it again cannot work. `gone` when what the
    call was about (the message, the channel) no longer exists: nobody is waiting there.
    `about` says what the refusal holds for: "channel" (the bot cannot post there: not
    in it, archived, gone), "app" (the token or its scopes: every channel alike, until an
    operator acts) or "message" (this message only: too long, malformed)."""

    def __init__(self, detail: str = "", *, user_message: str | None = None,
                 gone: bool = False, about: str = "message") -> None:
        super().__init__(detail, user_message=user_message)
        self.gone = gone
        self.about = about


class LLMError(IdealoopError):
    user_message = "The AI could not answer this time. Please try again."


class LLMUnavailable(LLMError):
    user_message = (
        "The AI service is not answering right now (down, slow or refusing requests). "
        "Nothing was saved; please try again in a few minutes."
    )


class LLMBadOutput(LLMError):
    user_message = (
        "The AI answered, but not with anything usable. Nothing was saved; "
        "please try again or rephrase."
    )


def user_message(exc: BaseException) -> str:
    """What to tell the person about `exc`: its own message if idealoop raised it on
    purpose, a generic one (never the exception's text) otherwise."""
    if isinstance(exc, DatabaseUnavailable):
        return NotSaved.user_message
    return exc.user_message if isinstance(exc, IdealoopError) else IdealoopError.user_message
