"""Block Kit builders: plain values in, Slack message payloads out. No I/O.

Every AI-written message carries a context line saying so and naming the model.
Text that came from the LLM or from a person is passed through `neutralise` here,
at the last step before Slack, so nothing posted can ping anyone.

Whatever the model writes, what is built here stays within Slack's limits
(`bot.emulator.block_limits` lists them with their sources): an idea longer than one section
(3,000 characters) is split across sections of its message, and past `IDEA_SECTIONS` it
is clipped with "…" and a note saying how much is not shown (the whole idea stays
stored: "Draft this" and export use all of it); lists (digests, top, Home) clip each
idea visibly and keep their block counts under 50 (100 for Home).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextActionsBlock,
    DatePickerElement,
    DividerBlock,
    FeedbackButtonObject,
    FeedbackButtonsElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.decisions import (
    DONE,
    DROPPED,
    DUE,
    NOTE,
    NOTE_MAX,
    OWNER,
    TEXT,
    TEXT_MAX,
    Proposal,
    StoredDecision,
)
from bot.home import ChannelCard
from bot.ideas import BrainstormInputs, Guidance, Steering
from bot.ranking import RankedItem
from bot.rejections import BY_MEANING
from handlers.slack.mrkdwn import SECTION_LIMIT, neutralise, show_links, split_for_slack

Blocks = list[dict[str, Any]]
MAX_DIGEST_ITEMS = 20  # 2 + 20 blocks, well under Slack's 50
IDEA_SECTIONS = 3  # an idea's message shows at most this many sections of its text
FALLBACK_CHARS = 2000  # an idea's notification text (`text`), clipped with "…"
TOPIC_IN_LISTS = 200  # a topic named beside an idea in a digest or the top list
HOME_CARDS = 23  # 4 blocks a channel: with the header, decisions and notes, under 100


# Action ids of the buttons on idealoop's messages (`handlers.actions` listens for them).
FEEDBACK_ACTION = "idealoop_feedback"  # 👍 / 👎 on every idea and draft: values below
DRAFT_THIS_ACTION = "idealoop_draft_this"  # on an idea: value is its position
MORE_LIKE_THIS_ACTION = "idealoop_more_like_this"  # on an idea: value is its position
WHY_ACTION = "idealoop_why"  # on a settled brainstorm header
DECIDE_ACTION = "idealoop_decide"  # "Decide…" on an idea or a draft: opens DECIDE_MODAL
DECIDE_MODAL = "idealoop_decide_modal"  # private_metadata: JSON {"c": channel, "m": ts}
# A reminder's buttons (in the owner's DM): value is the decision's id.
REMINDER_DONE, REMINDER_DROPPED = "idealoop_decision_done", "idealoop_decision_dropped"
REMINDER_SNOOZE = "idealoop_decision_snooze"
FORGET_ACTION = "idealoop_forget_me"  # `/brainstorm forget me`: values below
FORGET, KEEP = "forget", "keep"
CHOOSE_COMMAND_ACTION = "idealoop_choose_command"  # a private "command or topic?" question
CHOOSE_TOPIC_ACTION = "idealoop_choose_topic"  # values: JSON, see `choice`
BUTTON_TEXT_LIMIT = 75  # https://docs.slack.dev/reference/block-kit/block-elements/button-element
BUTTON_VALUE_LIMIT = 2000  # same page: `value`, at most 2,000 characters
UP, DOWN = "up", "down"


def feedback_buttons() -> dict[str, Any]:
    """Slack's feedback buttons: a click is a signal like a 👍 / 👎 reaction."""
    return ContextActionsBlock(elements=[FeedbackButtonsElement(
        action_id=FEEDBACK_ACTION,
        positive_button=FeedbackButtonObject(text="👍", value=UP,
                                             accessibility_label="Approve this"),
        negative_button=FeedbackButtonObject(text="👎", value=DOWN,
                                             accessibility_label="Reject this"),
    )]).to_dict()


def next_steps(position: int) -> dict[str, Any]:
    """One-click next steps on an idea."""
    return ActionsBlock(elements=[
        ButtonElement(text=":memo: Draft this", action_id=DRAFT_THIS_ACTION,
                      value=str(position)),
        ButtonElement(text=":sparkles: More like this", action_id=MORE_LIKE_THIS_ACTION,
                      value=str(position)),
        _decide_button(str(position)),
    ]).to_dict()


def _decide_button(value: str) -> ButtonElement:
    """"Decide…": a modal to record a decision made on this idea or draft."""
    return ButtonElement(text=":white_check_mark: Decide…", action_id=DECIDE_ACTION,
                         value=value)


def forget_ask(ask: str) -> Blocks:
    """`/brainstorm forget me`: what will go, and the two buttons that decide."""
    return [_section(ask), ActionsBlock(elements=[
        ButtonElement(text="Forget me", action_id=FORGET_ACTION, value=FORGET, style="danger"),
        ButtonElement(text="Cancel", action_id=f"{FORGET_ACTION}_cancel", value=KEEP),
    ]).to_dict()]


def choice(question: str, *, user: str, run: str, topic: str, key: str,
           run_label: str = "") -> Blocks:
    """A private question, "this command or this topic?", with a button for each. Each
    value carries the person who asked (only they may answer) and a key (a second click
    starts nothing new); a button whose value would pass Slack's limit is left out (the
    question says how to type it instead)."""
    buttons = []
    for action_id, label, picked, style in (
            (CHOOSE_COMMAND_ACTION, run_label or f"Run /brainstorm {run}", {"run": run}, None),
            (CHOOSE_TOPIC_ACTION, f"Brainstorm \u201c{topic}\u201d", {"topic": topic},
             "primary")):
        value = json.dumps({"u": user, "k": key, **picked}, ensure_ascii=False)
        if len(value) > BUTTON_VALUE_LIMIT:
            continue
        button = ButtonElement(text=_clip(label, BUTTON_TEXT_LIMIT), action_id=action_id,
                               value=value, style=style)
        buttons.append(button)
    shown = [_section(neutralise(question))]
    return [*shown, ActionsBlock(elements=buttons).to_dict()] if buttons else shown


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, SECTION_LIMIT)}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn",
                                             "text": _clip(text, SECTION_LIMIT)}]}


def ai_label(model: str, *, offline: bool = False) -> str:
    source = "offline generator, no LLM" if offline else "LLM"
    return f":robot_face: AI-written by `{neutralise(model)}` ({source})"


def header(topic: str, requester: str, *, status: str, explains: bool = False,
           more_like: int | None = None) -> tuple[str, Blocks]:
    """The brainstorm's header message: topic, who asked (for more like which idea), a
    status line and, once the ideas are in (`explains`), a button that shows what
    steered them."""
    title = f":bulb: *Brainstorm:* {neutralise(topic)}"
    asked = (f"More like idea {more_like}, asked by <@{requester}>" if more_like
             else f"Asked by <@{requester}>")
    text = f"Brainstorm: {neutralise(topic)} (asked by <@{requester}>) {status}"
    shown = [_section(f"{title}\n{asked}"), _context(status)]
    if explains:
        shown.append(ActionsBlock(elements=[ButtonElement(
            text=":mag: Why these ideas?", action_id=WHY_ACTION, value="why")]).to_dict())
    return text, shown


def thinking_status(model: str) -> str:
    return f":hourglass_flowing_sand: Thinking… (`{neutralise(model)}`)"


def done_status(count: int, model: str, *, offline: bool, steering: Steering,
                note: str | None = None) -> str:
    return (
        f":thread: {count} ideas in the thread · react :+1: to approve, :-1: to reject · "
        + ai_label(model, offline=offline) + "\n" + steered_by(steering)
        + (f"\n:information_source: {neutralise(note)}" if note else "")
    )


def steered_by(steering: Steering) -> str:
    """What steered a brainstorm, in the header: people see their judgement at work."""
    guided = " and this channel's guidance" if steering.guided else ""
    if not (steering.approved or steering.rejected or steering.dropped):
        if steering.guided:
            return (":compass: Steered by this channel's guidance; your reactions steer "
                    "the next.")
        return ":compass: Nothing steered this one yet: your reactions steer the next."
    decided = f" ({steering.decided} decided)" if steering.decided else ""
    said = (f":compass: Steered by {_count(steering.approved, 'approved idea')}{decided} "
            f"and {_count(steering.rejected, 'rejected idea')} from this channel{guided}")
    if steering.dropped:
        said += (f"; {_count(steering.dropped, 'proposal')} dropped as the same as a "
                 "rejected idea")
    return said + "."


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def failed_status(message: str) -> str:
    return f":warning: {message}"


def stopped_by(user: str) -> str:
    """Who pressed stop on an agent session, as a work's note and in its message (our own
    words: the mention is meant to show the person)."""
    return f"Stopped by <@{user}>."


def stopped_status(note: str, posted: int | None) -> str:
    """A brainstorm's header once a person stopped it (`note`: `stopped_by`), with how
    many ideas were posted when that is known."""
    count = f" {posted} idea{'s' if posted != 1 else ''} posted." if posted is not None else ""
    return f":black_square_for_stop: {note}{count}"


def idea(position: int, text: str, model: str, *, offline: bool) -> tuple[str, Blocks]:
    """One idea as its own message, so a reaction on it is a signal on exactly this idea.

    A long idea is split across sections (each within Slack's 3,000 characters); past
    `IDEA_SECTIONS` the rest is not shown, and the message says so."""
    number = f"*{position}.* "
    parts = split_for_slack(text, SECTION_LIMIT - len(number) - len(" …")) or [""]
    shown = [neutralise(part) for part in parts[:IDEA_SECTIONS]]
    hidden = len(" ".join(parts[IDEA_SECTIONS:]))
    if hidden:
        shown[-1] += " …"
    shown[0] = number + shown[0]
    out: Blocks = [_section(part) for part in shown]
    if hidden:
        out.append(_context(f":scissors: {hidden:,} more characters of this idea are not "
                            "shown here; the whole idea is kept, and *Draft this* works "
                            "from all of it."))
    out += [_context(ai_label(model, offline=offline)), feedback_buttons(),
            next_steps(position)]
    fallback = (f"{position}. {neutralise(_clip(text, FALLBACK_CHARS))} — AI-written by "
                f"{neutralise(model)}")
    return fallback, out


WRITTEN_LABELS = {  # label -> (emoji, name, what to do next)
    "draft": (":memo:", "Draft", "mention me again to revise"),
    "revision": (":memo:", "Revision", "mention me again to revise"),
    "feedback": (":mag:", "Feedback", "mention me with `polish` for an edited version"),
    "polish": (":sparkles:", "Polished", "mention me again to revise"),
}


def draft(text: str, model: str, *, offline: bool, state: str, note: str = "",
          part: tuple[int, int] = (1, 1), label: str = "draft",
          sources: str | None = None) -> tuple[str, Blocks]:
    """A draft message (or a critique, or a polished version: `label`). `state` is
    "writing" (streaming), "done", "failed" (with `note`) or "stopped" (`note` says who
    stopped it: our words, shown as they are).

    While writing, only the head of a long draft is shown; the settled draft is split into
    parts by `handlers.slack.mrkdwn.split_for_slack` and each part is one message.
    """
    body = neutralise(text)
    if len(body) > SECTION_LIMIT:
        body = body[: SECTION_LIMIT - 20].rstrip() + " …(continues)"
    emoji, kind, next_step = WRITTEN_LABELS.get(label, WRITTEN_LABELS["draft"])
    written = label
    status = {
        "writing": f"{emoji} {kind} · writing…",
        "done": f"{emoji} {kind}" + (f" · part {part[0]} of {part[1]}" if part[1] > 1 else "")
                + (" · continued in the next message" if part[0] < part[1] else "")
                + (f" · {neutralise(sources)}" if sources else "")
                + f" · react :+1: / :-1: · {next_step}",
        "failed": f":warning: {neutralise(note)}",
        "stopped": f":black_square_for_stop: {note}",
    }[state]
    label = ai_label(model, offline=offline)
    blocks: Blocks = [_section(body)] if body.strip() else []
    ended = state in ("failed", "stopped")
    blocks.append(_context(f"{status} · {label}" if not ended else status))
    if ended and body.strip():  # only text the AI did write is labelled
        blocks.append(_context(label))
    if state == "done" and part[0] == 1:  # the message that is the item
        blocks.append(feedback_buttons())
        if written != "feedback":  # a critique is answered, not decided on
            blocks.append(ActionsBlock(elements=[_decide_button(written)]).to_dict())
    fallback_body = body if body.strip() else (note if state == "stopped" else neutralise(note))
    return f"{fallback_body[:SECTION_LIMIT]}\n— AI-written by {neutralise(model)}", blocks


DOING = {"draft": "Drafting…", "feedback": "Reading your text…", "polish": "Polishing…"}
# mode -> (emoji, what the placeholder says): the emoji is the answer's own
PLACEHOLDERS = {mode: (WRITTEN_LABELS[mode][0], doing) for mode, doing in DOING.items()}


def stream_opening(model: str, mode: str = "draft") -> str:
    """The first words of a natively streamed draft (saying, like every AI-written
    message, which model writes it); the settled draft replaces them."""
    doing = PLACEHOLDERS.get(mode, PLACEHOLDERS["draft"])[1]
    return f"_{doing} AI-written by {neutralise(model)}_\n\n"


def drafting_placeholder(model: str, mode: str = "draft") -> tuple[str, Blocks]:
    emoji, doing = PLACEHOLDERS.get(mode, PLACEHOLDERS["draft"])
    text = f"{emoji} {doing} (`{neutralise(model)}`)"
    return f"{doing} — AI-written by {neutralise(model)}", [_context(text)]


def digest(items: list[RankedItem], period: str, label: str, links: dict[int, str],
           names: Callable[[str], str],
           decided: list[StoredDecision] | None = None) -> tuple[str, Blocks]:
    """A scheduled digest: the period's best-approved items, and the decisions made in
    it ("Decided this period"), within Block Kit's limits (50 blocks a message, 3000
    characters a section). Approvers, deciders and owners are named, not mentioned, so
    a daily digest never notifies them."""
    title = f":calendar: *{'Daily' if period == 'day' else 'Weekly'} idea digest* — {label}"
    out: Blocks = [_section(title),
                   _context("The ideas this channel's people approved most. "
                            "React on the original messages to keep steering.")]
    for rank, item in enumerate(items[:MAX_DIGEST_ITEMS], start=1):
        approvers = ", ".join(neutralise(_clip(names(user), 40))
                              for user in item.approvers[:15])
        if len(item.approvers) > 15:
            approvers += f" and {len(item.approvers) - 15} more"
        meta = f"score {item.score:+d} · approved by {approvers or 'nobody'}"
        if item.topic:
            meta += f" · from _{neutralise(_clip(item.topic, TOPIC_IN_LISTS))}_"
        if links.get(item.id):
            meta += f" · <{links[item.id]}|open the discussion>"
        out.append(_ranked(rank, item.text, meta, 1500))
    text = f"{'Daily' if period == 'day' else 'Weekly'} idea digest — {label}: " + \
        f"{len(items[:MAX_DIGEST_ITEMS])} approved ideas"
    if decided:
        lines = [f"{neutralise(_clip(d.text, 200)) or REMOVED_INPUT} — decided by "
                 f"{neutralise(_clip(names(d.decider), 40))}, owner "
                 f"{neutralise(_clip(names(d.owner), 40))}, due {d.due:%a %d %b}"
                 + ("" if d.status == "planned" else f" ({d.status})") for d in decided]
        out.append(_section(_bullets(":white_check_mark: *Decided this period*", lines)))
        text += f", {len(decided)} decision{'s' if len(decided) != 1 else ''}"
    return text, out


def stats(lines: list[str]) -> tuple[str, Blocks]:
    """`/brainstorm stats`: how this channel's people judge the AI's output."""
    title = ":bar_chart: *How this channel judges the AI*"
    return "How this channel judges the AI: " + " ".join(lines), [
        _section(title + "\n" + "\n".join(f"• {line}" for line in lines))]


# An input whose words retention or "forget me" removed since (`storage.privacy`).
REMOVED_INPUT = "_(removed: no longer kept)_"


def why(explained: BrainstormInputs | None, *, latest: bool = True) -> tuple[str, Blocks]:
    """What a brainstorm was given, as it was: the person's latest here (`/brainstorm
    why`), or the one whose "Why these ideas?" button was clicked (`latest=False`)."""
    if explained is None:
        text = ("You have not asked for a brainstorm in this channel yet: run "
                "`/brainstorm <topic>` first, then `/brainstorm why` shows what steered it."
                if latest else "That brainstorm's inputs are no longer kept.")
        return text, [_section(text)]
    which = "Your latest brainstorm here" if latest else "This brainstorm"
    topic = neutralise(explained.topic) or "(its words are no longer kept)"
    title = f":mag: *Why these ideas?* {which}: _{topic}_"
    lines = [f"Written by `{neutralise(explained.model)}`.", steered_by(explained.steering)]
    inputs = explained.inputs
    if inputs is None:
        lines.append("Its inputs are no longer kept, so only the counts above are known."
                     if not explained.topic else "It was made before idealoop kept each "
                     "brainstorm's inputs, so only the counts above are known.")
        return " ".join([title, *lines]), [_section("\n".join([title, *lines]))]
    out = [_section("\n".join([title, *lines]))]
    if inputs.get("guidance"):
        out.append(_section(f"*This channel's guidance:*\n> {neutralise(str(inputs['guidance']))}"))
    elif "guidance" in inputs:  # its author was forgotten
        out.append(_section(f"*This channel's guidance:* {REMOVED_INPUT}"))
    decided = {n for n in inputs.get("decided") or [] if isinstance(n, int)}
    for key, heading in (("approved", "Approved ideas it was asked to lean toward"),
                         ("rejected", "Rejected ideas it was told never to propose again")):
        texts = [(neutralise(_clip(str(text), 200)) if text else REMOVED_INPUT)
                 + (" _(decided: the team made a decision on it)_"
                    if key == "approved" and n in decided else "")
                 for n, text in enumerate(inputs.get(key) or [])]
        if texts:
            out.append(_section(_bullets(f"*{heading}:*", texts)))
    notes = []
    if inputs.get("seed"):
        notes.append(f"It was asked for more like “{neutralise(_clip(str(inputs['seed']), 200))}”.")
    elif "seed" in inputs:
        notes.append("It was asked for more like an idea whose words are no longer kept.")
    if inputs.get("proposed"):
        notes.append(f"It was told the {_count(int(inputs['proposed']), 'idea')} already "
                     "proposed on this topic here, to move on from them.")
    if inputs.get("passed_over") and inputs.get("offline"):
        notes.append(f"{_count(int(inputs['passed_over']), 'recent idea')} nobody reacted to "
                     "weighed a little against their kind (offline generator).")
    matcher = str(inputs.get("matcher") or "words")
    how = (f"by meaning (embeddings model `{neutralise(matcher.removeprefix(BY_MEANING))}`)"
           if matcher.startswith(BY_MEANING) else "by their content words")
    notes.append("Every idea the same as one this channel ever rejected is dropped after "
                 f"the model answers; for this brainstorm they were compared {how}.")
    out.append(_context(" ".join(notes)))
    text = " ".join([title, *lines])
    return text, out[:50]


def _ranked(rank: int, text: str, meta: str, most: int) -> dict[str, Any]:
    """An item in a list: its text (at most `most` characters, and as much as fits beside
    `meta`, cut at a word with "…"), then its meta line whole, so its link survives."""
    prefix = f"*{rank}.* "
    room = SECTION_LIMIT - len(prefix) - len(meta) - 1
    return _section(f"{prefix}{_fit(_clip(text, most), room)}\n{meta}")


def _fit(text: str, room: int) -> str:
    """`text` neutralised within `room` characters: cut at a word, with "…", when longer."""
    shown = neutralise(text)
    if len(shown) <= room:
        return shown
    return neutralise(split_for_slack(text, max(room - 1, 1))[0]) + "…"


def _clip(text: str, limit: int) -> str:
    """At most `limit` characters, with an ellipsis when cut (before escaping, so an
    escaped entity is never cut in half)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bullets(heading: str, lines: list[str]) -> str:
    """A heading and bulleted lines within one section's limit ("… and 3 more")."""
    text = heading
    for shown, line in enumerate(lines):
        more = f"\n… and {len(lines) - shown} more"
        if len(text) + len(line) + 3 + len(more) > SECTION_LIMIT:
            return text + more
        text += f"\n• {line}"
    return text


def top_list(items: list[RankedItem], period: str, links: dict[int, str]) -> tuple[str, Blocks]:
    """The `/brainstorm top` answer: one section per item, best first."""
    label = {"day": "the last day", "week": "the last 7 days", "all": "all time"}[period]
    if not items:
        text = f"No approved ideas in this channel for {label} yet. React :+1: on an idea!"
        return text, [_section(text)]
    title = f":trophy: *Top ideas — {label}*"
    blocks: Blocks = [_section(title)]
    for rank, item in enumerate(items, start=1):
        link = links.get(item.id)
        who = ", ".join(f"<@{user}>" for user in item.approvers[:10])
        meta = f"score {item.score:+d} · {item.approvals} :+1:"
        if item.rejections:
            meta += f" · {item.rejections} :-1:"
        if who:
            meta += f" · approved by {who}"
        if item.topic:
            meta += f" · from _{neutralise(_clip(item.topic, TOPIC_IN_LISTS))}_"
        if link:
            meta += f" · <{link}|open>"
        blocks.append(_ranked(rank, item.text, meta, 500))
    return f"Top ideas — {label}", blocks


def guidance_shown(guidance: Guidance | None) -> str:
    """`/brainstorm guide`: the channel's guidance, who set it and when."""
    if guidance is None:
        return ("This channel has no guidance for the AI. Set some with `/brainstorm guide "
                "<text>`, e.g. `/brainstorm guide Our audience is new customers; no jargon.`")
    return (f":compass: This channel's guidance for the AI, set by <@{guidance.set_by}> on "
            f"{guidance.set_at:%Y-%m-%d}:\n> {neutralise(guidance.text)}\n"
            "Every brainstorm and draft here follows it. `/brainstorm guide off` clears it.")


def guidance_set(user: str, text: str) -> str:
    return (f":compass: <@{user}> set this channel's guidance for the AI:\n"
            f"> {neutralise(text)}\nEvery brainstorm and draft here follows it from now on; "
            "`/brainstorm guide` shows it and `/brainstorm guide off` clears it.")


def guidance_cleared(user: str) -> str:
    return f":compass: <@{user}> cleared this channel's guidance for the AI."


# -- App Home and its modals ----------------------------------------------------------------

HOME_SCHEDULE_ACTION = "idealoop_home_schedule"  # value: the channel
HOME_GUIDANCE_ACTION = "idealoop_home_guidance"  # value: the channel
SCHEDULE_MODAL = "idealoop_schedule_modal"  # private_metadata: the channel
GUIDANCE_MODAL = "idealoop_guidance_modal"
SCHEDULE_INPUT, GUIDANCE_INPUT = "schedule", "guidance"  # block and action ids


def home_view(cards: list[ChannelCard], *, offline: bool,
              yours: list[StoredDecision] | None = None,
              due: list[StoredDecision] | None = None) -> dict[str, Any]:
    """A person's App Home: the decisions they own and those due this week, then a card
    per channel they use idealoop in."""
    shown: Blocks = [HeaderBlock(text="idealoop").to_dict()]
    if offline:
        shown.append(_context(":warning: idealoop runs with the *offline generator* here: no "
                              "LLM is configured, so ideas come from templates."))
    if yours is not None or due is not None:
        shown += [*decision_list(":white_check_mark: Your decisions", yours or [],
                                 "None open. *Decide…* on an idea records one."),
                  *decision_list(":alarm_clock: Due this week", due or [],
                                 "Nothing due in the next seven days.")]
    if not cards:
        shown.append(_section("You have not used idealoop in a channel yet. Run "
                              "`/brainstorm <topic>` in one; your channels show up here."))
    for card in cards[:HOME_CARDS]:
        rate = (f"{round(100 * card.acceptance)}% of decided ideas approved "
                f"({card.approved} approved, {card.rejected} rejected, {card.judged} of "
                f"{card.posted} judged)" if card.acceptance is not None
                else f"no idea decided yet ({card.posted} posted)")
        top = "\n".join(f"{n}. {neutralise(_clip(item.text, 150))} (score {item.score})"
                        for n, item in enumerate(card.top, start=1)) or "none approved yet"
        guidance = (f"> {neutralise(_clip(card.guidance.text, 300))}" if card.guidance
                    else "none")
        shown += [
            DividerBlock().to_dict(),
            _section(f"*<#{card.channel}>* — {rate}\n*Top ideas this week:*\n{top}"),
            _section(f"*Digest:* {neutralise(card.digest)}\n*Guidance:* {guidance}"),
            ActionsBlock(elements=[
                ButtonElement(text="Change digest", action_id=HOME_SCHEDULE_ACTION,
                              value=card.channel),
                ButtonElement(text="Edit guidance", action_id=HOME_GUIDANCE_ACTION,
                              value=card.channel),
            ]).to_dict(),
        ]
    if len(cards) > HOME_CARDS:
        shown.append(_context(f"… and {len(cards) - HOME_CARDS} more channels: run "
                              "`/brainstorm top` in one to see its ideas."))
    return View(type="home", blocks=shown).to_dict()


def schedule_modal(channel: str, current: str) -> dict[str, Any]:
    """Change a channel's digest from App Home: the words `/brainstorm digest` takes."""
    return View(
        type="modal", callback_id=SCHEDULE_MODAL, private_metadata=channel,
        title="Digest schedule",
        submit="Save", close="Cancel", blocks=[
            SectionBlock(text=MarkdownTextObject(text=f"*<#{channel}>*: {neutralise(current)}")),
            InputBlock(block_id=SCHEDULE_INPUT, label="New schedule",
                       hint="daily or weekly, a time and a time zone, or off — as "
                            "/brainstorm digest takes them",
                       element=PlainTextInputElement(
                           action_id=SCHEDULE_INPUT,
                           placeholder="daily 09:30 Europe/Berlin")),
        ]).to_dict()


def guidance_modal(channel: str, current: Guidance | None) -> dict[str, Any]:
    """Edit a channel's guidance from App Home; empty clears it."""
    return View(
        type="modal", callback_id=GUIDANCE_MODAL, private_metadata=channel,
        title="Channel guidance",
        submit="Save", close="Cancel", blocks=[
            SectionBlock(text=MarkdownTextObject(
                text=f"Standing instructions to the AI in *<#{channel}>*: audience, tone, "
                     "constraints. Leave it empty to clear it. The channel is told who "
                     "changed it.")),
            InputBlock(block_id=GUIDANCE_INPUT, label="Guidance", optional=True,
                       element=PlainTextInputElement(
                           action_id=GUIDANCE_INPUT, multiline=True, max_length=600,
                           initial_value=current.text if current else None)),
        ]).to_dict()


def home_unavailable(message: str) -> dict[str, Any]:
    return View(type="home", blocks=[HeaderBlock(text="idealoop").to_dict(),
                                     _section(f":warning: {message} Open this tab again in "
                                              "a minute.")]).to_dict()


# -- Decisions ------------------------------------------------------------------------------

def decide_modal(proposal: Proposal, *, decider: str, due: str,
                 metadata: str) -> dict[str, Any]:
    """"Decide…": the decision (prefilled from the idea or draft, editable), its owner
    (the decider to start with), due date and a note. `metadata` says where it came from."""
    thing = "idea" if proposal.kind == "idea" else "draft"
    return View(
        type="modal", callback_id=DECIDE_MODAL, private_metadata=metadata,
        title="Record a decision", submit="Decide", close="Cancel", blocks=[
            SectionBlock(text=MarkdownTextObject(
                text=f"Turn this {thing} into a decision with an owner and a due date. "
                     "It is announced in its thread, and its owner is reminded on the "
                     "due date.")),
            InputBlock(block_id=TEXT, label="The decision",
                       element=PlainTextInputElement(
                           action_id=TEXT, multiline=True, max_length=TEXT_MAX,
                           initial_value=show_links(proposal.text)[:TEXT_MAX] or None)),
            InputBlock(block_id=OWNER, label="Owner",
                       element=UserSelectElement(action_id=OWNER, initial_user=decider,
                                                 placeholder="Who carries it out")),
            InputBlock(block_id=DUE, label="Due date",
                       element=DatePickerElement(action_id=DUE, initial_date=due)),
            InputBlock(block_id=NOTE, label="Note", optional=True,
                       element=PlainTextInputElement(
                           action_id=NOTE, multiline=True, max_length=NOTE_MAX,
                           placeholder="Context, a link, the next step")),
        ]).to_dict()


def _decision_lines(decision: StoredDecision) -> str:
    note = (f"\n_Note:_ {neutralise(_clip(decision.note, 500))}" if decision.note else "")
    return (f"> {neutralise(_clip(decision.text, 2000)) or REMOVED_INPUT}\n"
            f"Owner: <@{decision.owner}> · due *{decision.due:%a %d %b %Y}*{note}")


def decision_announced(decision: StoredDecision) -> tuple[str, Blocks]:
    """In the idea's thread: who decided what, who owns it, by when. The decider and the
    owner are named (our words); what they typed is neutralised."""
    text = (f":white_check_mark: <@{decision.decider}> recorded a decision; owner "
            f"<@{decision.owner}>, due {decision.due:%Y-%m-%d}.")
    head = f":white_check_mark: *Decided* by <@{decision.decider}>"
    return text, [_section(f"{head}\n{_decision_lines(decision)}"),
                  _context("The owner is reminded on the due date. Decisions show in App "
                           "Home, the digest and the export.")]


def reminder(decision: StoredDecision, link: str | None = None) -> tuple[str, Blocks]:
    """The owner's reminder on the due date, with its three buttons."""
    value = str(decision.id)
    where = f" (<{link}|open the discussion>)" if link else f" in <#{decision.channel}>"
    text = f":alarm_clock: Due today: {neutralise(_clip(decision.text, 200))}"
    return text, [
        _section(f":alarm_clock: *A decision you own is due*{where}, decided by "
                 f"<@{decision.decider}>:\n{_decision_lines(decision)}"),
        ActionsBlock(elements=[
            ButtonElement(text="Done", action_id=REMINDER_DONE, value=value, style="primary"),
            ButtonElement(text="Dropped", action_id=REMINDER_DROPPED, value=value),
            ButtonElement(text="Snooze a week", action_id=REMINDER_SNOOZE, value=value),
        ]).to_dict()]


def reminder_answered(decision: StoredDecision, said: str, user: str) -> tuple[str, Blocks]:
    """The reminder once a button did its part: what it is now, and no buttons (a
    snoozed reminder comes again)."""
    mark = {DONE: ":white_check_mark:", DROPPED: ":wastebasket:"}.get(decision.status,
                                                                     ":zzz:")
    line = f"{mark} {said} (<@{user}>)"
    return f"{line} {neutralise(_clip(decision.text, 200))}", [
        _section(f"{line}\n{_decision_lines(decision)}")]


def decision_list(heading: str, decisions: list[StoredDecision], empty: str) -> Blocks:
    """A list of decisions (App Home, `decisions`): each with its owner and due date."""
    if not decisions:
        return [_section(f"*{heading}*\n{empty}")]
    lines = [f"• {neutralise(_clip(d.text, 150)) or REMOVED_INPUT} — <@{d.owner}>, due "
             f"{d.due:%a %d %b} in <#{d.channel}>" for d in decisions]
    return [_section(_bullets(f"*{heading}*", [line[2:] for line in lines]))]
