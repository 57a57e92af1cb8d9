"""Offline feedback on, and polish of, a person's own text: rules, not a model.

Why rules: with no LLM configured, idealoop still owes the person an answer that is
about *their* text. Feedback measures what a reader of a Slack message meets (length,
the longest sentence, hedges, vague words, whether it asks for something, names a date
or an owner) and says so in the four parts a critique has. Polish makes only edits that
are safe without understanding the text (spacing, filler words, wordy phrases, a
doubled word, capitals, a closing full stop) and lists each one. Slack's own markup
(mentions, links, code) is never touched.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

OFFLINE_NOTE = ("Written by the offline generator (no LLM configured): set OPENAI_API_KEY "
                "or OPENAI_BASE_URL for a reading of what the text says.")
_PROTECTED = re.compile(r"<[^>\n]+>|`[^`\n]+`|```.*?```|https?://\S+", re.DOTALL)
_SENTENCES = re.compile(r"[^.!?\n]+[.!?]*")
_WORD = re.compile(r"[A-Za-z0-9']+")
_MONTH = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_DAY = r"mon|tues?|wed|thu(?:rs)?|fri|sat|sun"
_UNIT = r"(?:day|week|month|quarter|year|sprint)s?"
_COUNT = r"\d+|a|one|two|three|four|five|six|a few|a couple of"
# A date, a deadline or a time a reader can act on: named days and months (a month
# needs a day number, or "in/by/until/from/end of/next" before it, except the
# unambiguous names), relative spans ("next month", "in two weeks", "end of week"),
# quarters ("by Q3"), ISO and numeric dates, clock times, and the usual abbreviations.
DATES = re.compile(
    rf"\b(?:today|tonight|tomorrow|(?:{_DAY})(?:day|nesday|sday|urday|rsday)?|"
    rf"(?:next|this|last|coming|following) (?:{_UNIT}|(?:{_DAY})\w*|weekend)|"
    rf"(?:end|start|beginning|middle) of (?:the )?(?:{_UNIT}|day|{_MONTH})|"
    rf"(?:in|within|after|for) (?:the next )?(?:{_COUNT}) {_UNIT}|"
    rf"(?:{_COUNT}) {_UNIT} (?:from now|ago|later)|"
    rf"eod|eow|eom|asap|"
    rf"(?:h[12] |fy ?)?q[1-4](?: ?'?\d{{2,4}})?|h[12] \d{{4}}|"
    rf"(?:{_MONTH})\.? \d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}(?:st|nd|rd|th)? (?:of )?(?:{_MONTH})|"
    rf"(?:in|by|until|till|from|since|before|after|during|next|early|late|mid)[ -](?:{_MONTH})|"
    rf"january|february|april|august|september|october|november|december|"
    rf"\d{{1,2}}[/.]\d{{1,2}}(?:[/.]\d{{2,4}})?|\d{{4}}-\d{{2}}-\d{{2}}|"
    rf"\d{{1,2}}(?::\d{{2}})? ?(?:am|pm)|\d{{1,2}}:\d{{2}}|(?:19|20)\d{{2}})\b",
    re.IGNORECASE)
# A question, a request ("please", "let me know", "can you"), or a verb of action that is
# asked for: at a sentence's start ("Vote below") or after "need to", "let's", "you"
# ("the design review" asks nothing).
_ASK = re.compile(
    r"\?|\b(?:please|let me know|let us know|can you|could you|would you|can someone|"
    r"can anyone)\b|"
    r"(?:^|[.!?:]\s+|\b(?:need(?: you)? to|needs to|let's|let us|you|everyone|all of you)\s+)"
    r"(?:reply|respond|vote|review|sign up|join|approve|decide|comment|check|confirm|"
    r"read|share|send|add|fill in|choose|pick)\b", re.IGNORECASE | re.MULTILINE)
# Someone named with a job: a mention, "owner"/"owned by"/"assigned to"/"responsible",
# a first person who commits ("I will", "we'll"), or a capitalised name followed by
# "will"/"is going to"/"owns"/"leads"/"takes"/"handles".
_OWNER = re.compile(
    r"<@[A-Z0-9]+(?:\|[^>]*)?>|@[a-z][\w.-]+|"
    r"\b(?i:i will|i'll|we will|we'll|i am going to|we are going to|i'm going to|"
    r"we're going to|owner|owned by|owns|assigned to|responsible|in charge of|"
    r"will own|will lead|will drive|will handle|will take)\b|"
    r"\b(?!(?:It|This|That|These|Those|There|They|He|She|You|We|What|Which|Who|Nobody|"
    r"Someone|Somebody|Everyone|Anyone|Nothing|Everything|And|But|So|Then|Also|Now|"
    r"Today|Tomorrow)\b)[A-Z][a-z]+(?: [A-Z][a-z]+)? (?:will|is going to|owns|leads|takes|handles|"
    r"drives|is on it|has it)\b")
_NAMES = re.compile(r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|"
                    r"february|april|june|july|august|september|october|november|"
                    r"december)\b")
HEDGES = ("maybe", "perhaps", "i think", "i guess", "sort of", "kind of", "probably",
          "hopefully", "might")
VAGUE = ("soon", "various", "stuff", "things", "etc", "somehow", "at some point")
FILLERS = ("just", "really", "very", "basically", "actually", "literally", "totally")
WORDY = (("in order to", "to"), ("due to the fact that", "because"),
         ("at this point in time", "now"), ("in the event that", "if"),
         ("for the purpose of", "for"), ("prior to", "before"), ("with regard to", "about"),
         ("is able to", "can"), ("are able to", "can"), ("utilize", "use"),
         ("utilise", "use"), ("a number of", "several"))
#: ", ," or ";;" (one mark, repeated) and ", ." (a comma before the end of a sentence);
#: an ellipsis, "?!" and "!!" are the writer's own.
DOUBLED_PUNCTUATION = re.compile(r"([,;:])(?:[ \t]*\1)+|,[ \t]*([.!?])")
#: A lower-case letter starting a line or following a sentence's end, except after an
#: abbreviation ("e.g. this").
SENTENCE_START = re.compile(
    r"(^|(?<!\be\.g)(?<!\bi\.e)(?<!\betc)(?<!\bvs)(?<!\bapprox)[.!?]\s+)([a-z])",
    re.MULTILINE)
LONG_SENTENCE = 30  # words: past this, a Slack reader loses the thread
LONG_TEXT = 200


@dataclass(frozen=True)
class _Reading:
    words: int
    sentences: list[str]
    longest: str
    hedges: list[str]
    vague: list[str]
    asks: bool
    dated: bool
    owned: bool
    listed: bool
    figures: bool


def _read(text: str) -> _Reading:
    plain = _PROTECTED.sub(" ", text)
    sentences = [" ".join(s.split()) for s in _SENTENCES.findall(plain)
                 if len(_WORD.findall(s)) >= 2]
    lower = f" {' '.join(plain.lower().split())} "
    return _Reading(
        # a mention, a link or a code span is one word to a reader
        words=len(_WORD.findall(_PROTECTED.sub(" x ", text))), sentences=sentences,
        longest=max(sentences, key=lambda s: len(s.split()), default=""),
        hedges=[h for h in HEDGES if f" {h} " in lower or f" {h}," in lower],
        vague=[v for v in VAGUE if re.search(rf"\b{re.escape(v)}\b", lower)],
        asks=bool(_ASK.search(text)), dated=bool(DATES.search(plain)),
        owned=bool(_OWNER.search(text)),
        listed=sum(1 for line in text.splitlines()
                   if re.match(r"\s*(?:[-*•]|\d+[.)])\s", line)) >= 2,
        figures=bool(re.search(r"\d", DATES.sub(" ", plain))))


def _quote(text: str, words: int = 12) -> str:
    cut = text.split()
    return "“" + " ".join(cut[:words]) + ("…" if len(cut) > words else "") + "”"


def feedback(work: str, focus: str = "") -> str:
    """A critique of `work`: what works, risks, open questions, one next step."""
    r = _read(work)
    works: list[str] = []
    if r.words <= LONG_TEXT:
        works.append(f"It is short ({r.words} words): it can be read in one go in Slack.")
    opening = len(r.sentences[0].split()) if r.sentences else 0
    if 0 < opening <= 20:
        works.append(f"Its first sentence is short ({opening} words), so the point can come "
                     "first.")
    if r.listed:
        works.append("Its points are a list, easy to scan.")
    if r.dated:
        works.append("It names a date or a time, so readers know when it matters.")
    if r.asks:
        works.append("It asks readers for something.")
    if r.figures:
        works.append("It gives figures rather than impressions.")
    risks: list[tuple[str, str]] = []  # (the risk, what to do about it)
    longest = len(r.longest.split())
    if longest > LONG_SENTENCE:
        risks.append((f"Its longest sentence runs to {longest} words: readers in Slack lose "
                      "the thread.", f"Split the sentence that starts {_quote(r.longest, 6)} "
                      "into two or three."))
    if r.words > LONG_TEXT:
        risks.append((f"At {r.words} words it is long for Slack.",
                      "Put a one-line summary at the top."))
    if r.hedges:
        risks.append((f"Hedges ({', '.join(r.hedges)}) make it sound less sure than you "
                      "may be.", f"Take out {_quote(r.hedges[0], 3)} where you are sure."))
    if r.vague:
        risks.append((f"Vague words ({', '.join(r.vague)}) leave readers guessing.",
                      f"Replace {_quote(r.vague[0], 3)} with what, when or how many."))
    if not r.dated:
        risks.append(("No date or deadline: readers cannot tell when this matters.",
                      "Add the date by which you need an answer."))
    questions: list[str] = []
    if not r.asks:
        questions.append("What should readers do once they have read it?")
    if not r.owned:
        questions.append("Who owns the next step?")
    if focus and focus not in {"Give feedback on this text."}:
        questions.append(f"You asked about “{_clip(focus, 80)}”: an LLM can judge that; "
                         "these rules only measure the text.")
    questions = questions or ["Who else should read it before it goes out?"]
    step = (risks[0][1] if risks else "By these rules it is ready: ask one reader from its "
            "audience whether the ask is clear, then send it." if r.asks else
            "End with what readers should do once they have read it.")
    lines = ["*What works*", *(f"• {w}" for w in works[:3] or
                               ["It is written down and shared: a start."]),
             "", "*Risks*", *(f"• {risk}" for risk, _ in risks[:3] or
                              [("None these rules can see.", "")]),
             "", "*Open questions*", *(f"• {q}" for q in questions[:3]),
             "", "*Suggested next step*", f"• {step}", "", OFFLINE_NOTE]
    return "\n".join(lines)


def polish(work: str) -> str:
    """`work` with safe edits made, followed by the list of what changed."""
    kept: list[str] = []

    def protect(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    text = _PROTECTED.sub(protect, work.strip())
    changes: list[str] = []
    for wordy, plain in WORDY:
        text, count = re.subn(rf"\b{wordy}\b", functools.partial(_cased, plain), text,
                              flags=re.IGNORECASE)
        if count:
            changes.append(f"“{wordy}” → “{plain}”" + (f" ({count}×)" if count > 1 else ""))
    removed: list[str] = []
    for filler in FILLERS:
        # A filler that starts a sentence hands its capital to the next word.
        text, count = re.subn(rf"(?:(?<=\s)|^)((?i:{filler}))\s+(\w)",
                              lambda m: _same_case(m, m.group(2), m.group(1)), text,
                              flags=re.MULTILINE)
        removed += [filler] * count
    if removed:
        changes.append(f"removed {len(removed)} filler word{'s' if len(removed) > 1 else ''} "
                       f"({', '.join(dict.fromkeys(removed))})")
    text, count = re.subn(r"\b(\w+)\s+\1\b", r"\1", text, flags=re.IGNORECASE)
    if count:
        changes.append(f"removed {count} doubled word{'s' if count > 1 else ''}")
    text, count = re.subn(r"[ \t]+(?=[,.;:!?](?:\s|$))", "", text, flags=re.MULTILINE)
    if count:
        changes.append(f"removed {count} space{'s' if count > 1 else ''} before punctuation")
    text, count = DOUBLED_PUNCTUATION.subn(lambda m: m.group(2) or m.group(1), text)
    if count:
        changes.append(f"removed {count} doubled punctuation mark{'s' if count > 1 else ''}")
    text, count = re.subn(r"(?<=\s)i(?=[\s',.!?])", "I", text)
    if count:
        changes.append("“i” → “I”")
    text, count = _NAMES.subn(lambda m: m.group(0).capitalize(), text)
    if count:
        changes.append("capitals on names of days and months")
    before = text
    text = SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), text)
    if text != before:
        changes.append("capitals at the start of sentences")
    before = text
    text = "\n".join(re.sub(r"[ \t]{2,}", " ", line).rstrip() for line in text.splitlines())
    text = re.sub(r"\n{3,}", "\n\n", text)
    if text != before:
        changes.append("extra spaces and blank lines removed")
    last = text.rstrip().splitlines()[-1] if text.strip() else ""
    if last and re.search(r"[A-Za-z0-9)]$", last) and not re.match(r"\s*(?:[-*•]|\d+[.)])\s",
                                                                      last):
        text = text.rstrip() + "."
        changes.append("a full stop at the end")
    text = re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text)
    listed = [f"• {change[:1].upper()}{change[1:]}" for change in changes] or [
        "• Nothing: the offline generator's rules (spacing, filler words, wordy phrases, "
        "capitals) found nothing to change. An LLM would look further."]
    return "\n".join([text, "", "*What changed*", *listed, "", OFFLINE_NOTE])


def _same_case(match: re.Match[str], replacement: str, original: str | None = None) -> str:
    """`replacement`, capitalised when what it replaces (`original`, else the match)
    starts with a capital."""
    start = (original if original is not None else match.group(0))[:1]
    return replacement[:1].upper() + replacement[1:] if start.isupper() else replacement


def _cased(replacement: str, match: re.Match[str]) -> str:
    return _same_case(match, replacement)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
