"""Message shortcuts, on any message the bot can read, without a mention:

- "Get feedback on this": a critique of the message, written in its thread (no
  broadcast to the channel, nobody mentioned: `blocks.draft` neutralises what the model
  writes). The person who asked is told privately where it is; Slack shows the reply to
  whoever follows the thread, as any reply, so `STARTED` does not promise otherwise.
- "Polish this": the message polished, shown only to the person who asked
  (`handlers.work.private_draft_chat`), with a [Post in thread] button that posts it
  there as the bot, saying who asked (a long one in as many replies as it was shown in,
  `split_for_slack`, each part once): once, whichever replica each click reaches (a
  claim in the database), and from then on reactions on the posted message count for
  the saved polish.
- "Brainstorm from this": a brainstorm in the message's thread, on the message's words.

Each is accepted work like a mention (durable, under the daily limits and the channel
allow-list, its prompt redacted where it leaves for the LLM), in the workspace it came
from. Slack answers a shortcut's payload with an error to the person when it gets no 200
within three seconds; it does not send it again by itself. A payload that arrives twice
all the same (a proxy, a replayed request) is one piece of work: it is keyed by its
`trigger_id`, which Slack mints once per use of a shortcut — using the shortcut again is
a new request, and gets a new answer. When the work cannot be stored, the person is told
through the payload's response URL and Slack gets a 503 (`handlers.errors`): they use
the shortcut again.

Slack sends the payload also for a message in a channel the bot is not in; the bot could
neither read the thread nor post in it. That is checked first (`conversations.replies`),
and the person is told how to invite the bot; nothing is stored or counted.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.errors import BadInput, Busy, DatabaseUnavailable, user_message
from bot.slack_values import is_slack_id, is_ts
from handlers.slack import shortcut_blocks
from handlers.slack.answers import soon, stored_or_told, tell
from handlers.slack.api_errors import SLACK_FAILURES, failure_name
from handlers.slack.lookups import UserNames, before_ack, posted_in_thread
from handlers.slack.mrkdwn import split_for_slack
from handlers.slack.payloads import dig, obj
from handlers.work.private_draft_chat import PRIVATE_DRAFT

log = logging.getLogger(__name__)
FEEDBACK_SHORTCUT = "idealoop_feedback_on_message"
POLISH_SHORTCUT = "idealoop_polish_message"
BRAINSTORM_SHORTCUT = "idealoop_brainstorm_from_message"
#: callback_id -> what it does; the manifest declares exactly these (tests/test_manifest.py)
SHORTCUTS = {FEEDBACK_SHORTCUT: "feedback", POLISH_SHORTCUT: "polish",
             BRAINSTORM_SHORTCUT: "brainstorm"}
CANNOT_READ = ("I can't read that conversation: I'm not in it. In a channel, invite me "
               "with `/invite @idealoop`, then use the shortcut again.")
NO_TEXT = "That message has no text for me to work on."
STARTED = {
    "feedback": "I'm writing feedback on that message in its thread. Nobody is "
                "mentioned; people following the thread see the reply.",
    "brainstorm": "I'm brainstorming from that message in its thread.",
}
POSTED_EVENT = "idealoop_polish_posted"  # metadata of a polished text posted in a thread
ALREADY_POSTED = "It is in the thread already."
BEING_POSTED = "It is being posted in the thread."
NO_LONGER_KEPT = "That polished text is no longer kept, so it cannot be posted."
READ_FAILURES = ("not_in_channel", "channel_not_found")


@dataclass(frozen=True)
class Used:
    """A message shortcut used on a message: which, by whom, on which message."""

    shortcut: str
    trigger_id: str
    user: str
    channel: str
    message_ts: str
    thread_ts: str  # the message's thread (its own ts when it has none)
    is_reply: bool
    text: str
    author: str | None = None  # who wrote the message (None: a bot's, or not said)


def used_on(body: dict[str, Any]) -> Used:
    """The shortcut in a `message_action` payload; BadInput when its ids are not
    Slack's or it has no response URL (every message shortcut carries one)."""
    message = obj(body.get("message"))
    user, channel = dig(body, "user", "id"), dig(body, "channel", "id")
    ts, thread_ts = message.get("ts") or body.get("message_ts"), message.get("thread_ts")
    trigger, url = body.get("trigger_id"), body.get("response_url")
    if not (is_slack_id(user) and is_slack_id(channel) and is_ts(ts)
            and (thread_ts is None or is_ts(thread_ts))
            and isinstance(trigger, str) and trigger
            and isinstance(url, str) and url.startswith("http")):
        raise BadInput("a message shortcut without a usable user, channel, message or "
                       "response URL")
    author = message.get("user")
    return Used(SHORTCUTS.get(str(body.get("callback_id")), ""), trigger, str(user),
                str(channel), str(ts), str(thread_ts or ts),
                bool(thread_ts) and thread_ts != ts, str(message.get("text") or ""),
                str(author) if is_slack_id(author) else None)


def register(app: App, deps: Deps) -> None:
    def shortcut(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond,
                 context: BoltContext) -> None:
        on_shortcut(ack, used_on(body), client, respond, deps.for_team(context.team_id),
                    bot_user=context.bot_user_id, response_url=str(body["response_url"]))

    def post_in_thread(ack: Ack, body: dict[str, Any], action: dict[str, Any],
                       client: WebClient, respond: Respond, context: BoltContext) -> None:
        on_post_in_thread(ack, body, action, client, respond,
                          deps.for_team(context.team_id))

    for callback_id in SHORTCUTS:
        app.shortcut(callback_id)(shortcut)
    app.action(shortcut_blocks.POST_IN_THREAD_ACTION)(post_in_thread)


def on_shortcut(ack: Ack, used: Used, client: WebClient, respond: Respond, deps: Deps, *,
                bot_user: str | None, response_url: str) -> None:
    """Store the shortcut's work, then ack (the ack is the promise it will be done)."""
    if not used.text.strip():
        ack()
        soon(deps, tell, respond, NO_TEXT)
        return
    if not _readable(client, used):
        ack()
        soon(deps, tell, respond, CANNOT_READ)
        return
    kind, request = _work(used, deps, bot_user)
    request["response_url"] = response_url  # the run tells the person through it
    stored, item = stored_or_told(deps, ack, respond, lambda: deps.work.accept(
        kind, team=deps.team, delivery_key=f"shortcut:{used.trigger_id}",
        channel=used.channel, user=used.user, thread_ts=used.thread_ts, request=request),
        again="Use the shortcut again in a minute.")
    if not stored:  # a daily limit, a channel idealoop does not work in, a topic
        return
    ack()
    if item is None:  # the same payload delivered twice: its work is under way already
        return
    deps.worker.run_soon(item)
    started = STARTED.get(used.shortcut)
    if started:
        soon(deps, tell, respond, started)


def _work(used: Used, deps: Deps, bot_user: str | None) -> tuple[str, dict[str, Any]]:
    """The kind of work a shortcut is, and what its run needs."""
    bot = bot_user if is_slack_id(bot_user) else None
    if used.shortcut == "feedback":
        return "draft", {"text": "feedback", "ts": None, "review_ts": used.message_ts,
                         "bot": bot, "shortcut": "feedback"}
    if used.shortcut == "polish":
        return PRIVATE_DRAFT, {"text": "polish", "ts": None, "review_ts": used.message_ts,
                               "bot": bot, "shortcut": "polish",
                               "private_thread_ts": used.thread_ts if used.is_reply else None}
    if used.shortcut == "brainstorm":
        return "brainstorm", {"topic": topic_of(used.text, deps.settings.topic_max_chars),
                              "from_message": used.message_ts, "shortcut": "brainstorm",
                              "author": used.author}  # the topic is their words
    raise BadInput("a message shortcut idealoop does not have")


def topic_of(text: str, max_chars: int) -> str:
    """A brainstorm's topic from a message: its words on one line, clipped with "…"."""
    words = " ".join(text.split())
    return words if len(words) <= max_chars else words[: max_chars - 1].rstrip() + "…"


def _readable(client: WebClient, used: Used) -> bool:
    """False when Slack says the bot cannot read the message's conversation (it is not
    in the channel); anything else (Slack slow, away or pacing us) is left to the run,
    which retries, and tells the person through the response URL if it cannot post."""
    try:  # one short try, no waiting out a rate limit (Slack's 3 s for the ack)
        before_ack(client).conversations_replies(channel=used.channel, ts=used.thread_ts, limit=1)
    except SlackApiError as exc:
        if str(exc.response.get("error")) in READ_FAILURES:
            log.info("a shortcut in %s, which the bot cannot read: %s", used.channel,
                     exc.response.get("error"))
            return False
        log.warning("could not look at a shortcut's message: %s", failure_name(exc))
    except SLACK_FAILURES as exc:
        log.warning("could not look at a shortcut's message: %s", failure_name(exc))
    return True


def on_post_in_thread(ack: Ack, body: dict[str, Any], action: dict[str, Any],
                      client: WebClient, respond: Respond, deps: Deps) -> None:
    """[Post in thread] under a privately shown polished text: posted once in the thread,
    as the bot, saying who asked. The saved draft moves to the posted message, so that
    reactions and feedback clicks on it count for it."""
    user = dig(body, "user", "id")
    channel = dig(body, "channel", "id") or dig(body, "container", "channel_id")
    keys = shortcut_blocks.parse_post_value(action.get("value"))
    ack()
    if keys is None or not (is_slack_id(user) and is_slack_id(channel)):
        soon(deps, tell, respond, "This button no longer works; use the shortcut again.")
        return
    try:  # never here and now (`soon`'s fallback): posting takes several Slack calls, and
        # Slack waits for this listener to return (`process_before_response`)
        deps.jobs.submit(_post_polished, client, respond, deps, str(user), str(channel),
                         *keys)
    except Busy as exc:  # nothing claimed yet: a later click posts it
        tell(respond, user_message(exc))


def _post_polished(client: WebClient, respond: Respond, deps: Deps, user: str, channel: str,
                   draft_ts: str, thread_ts: str) -> None:
    """Posted by the one click, in whichever process, that claims it in the database;
    another click meanwhile (a double click, handled by another replica) posts nothing."""
    try:
        saved = deps.drafter.shown_privately(channel, draft_ts)
        if saved is None:
            tell(respond, NO_LONGER_KEPT)
            return
        if saved.posted_ts is not None:
            tell(respond, ALREADY_POSTED)
            return
        if not deps.drafter.claim_post(channel, draft_ts):
            again = deps.drafter.shown_privately(channel, draft_ts)
            tell(respond, ALREADY_POSTED if again is not None and again.posted_ts
                  else BEING_POSTED)
            return
    except DatabaseUnavailable as exc:
        tell(respond, user_message(exc) + " Click again in a minute.")
        return
    parts = split_for_slack(saved.draft.text)
    try:
        # parts posted by a click whose process stopped before it recorded them
        posted = {int(payload.get("part") or 1): ts
                  for payload, ts in posted_in_thread(client, channel, thread_ts,
                                                      POSTED_EVENT)
                  if payload.get("draft_ts") == draft_ts}
        if len(posted) >= len(parts):
            _record_posted(deps, channel, draft_ts, posted[1])
            tell(respond, ALREADY_POSTED)
            return
        asker = UserNames(client)(user)
        for number, part in enumerate(parts, start=1):  # each part once, in order
            if number in posted:
                continue
            text, shown = shortcut_blocks.posted_polish(
                part, deps.model.model, offline=deps.model.offline, asker=asker,
                part=(number, len(parts)))
            answer = client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text=text, blocks=shown,
                metadata={"event_type": POSTED_EVENT,
                          "event_payload": {"draft_ts": draft_ts, "part": number}})
            posted[number] = str(answer.get("ts") or "")
    except SLACK_FAILURES as exc:
        log.warning("could not post a polished text: %s", failure_name(exc))
        with contextlib.suppress(DatabaseUnavailable):  # else its claim runs out
            deps.drafter.release_post(channel, draft_ts)
        tell(respond, "I could not post it in the thread just now; click again in a "
                       "minute.")
        return
    _record_posted(deps, channel, draft_ts, posted[1])  # the first part is the item
    tell(respond, "Posted in the thread.")


def _record_posted(deps: Deps, channel: str, draft_ts: str, posted_ts: str) -> None:
    """From now on the draft is the posted message: reactions and feedback clicks on it
    count for it; its claim ends. The database away: it stays the private one (they are
    not counted), and a click once its claim ran out, finding it in the thread, records
    it."""
    if not posted_ts:
        return
    try:
        deps.drafter.posted(channel, draft_ts, posted_ts)
    except DatabaseUnavailable as exc:
        log.warning("could not record where a polished text was posted: %s", exc)

