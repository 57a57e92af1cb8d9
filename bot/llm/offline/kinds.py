"""What kind of topic the offline generator was given, so it picks techniques that fit.

A process topic ("shorter standups") suits SCAMPER, inversion, 5 whys; a name ("a name
for our analytics dashboard") wants candidate names; people and occasions ("a leaving
gift for Sarah", "team lunch ideas") want personal, shared, small ideas; a piece of
writing ("the announcement for the office move") wants angles and structure; a
question about why something goes wrong ("why do our builds fail so often") wants ways
to find the cause: five whys, a timeline, the last good state. A topic of only emoji or
shortcodes (":rocket: :tada:") is quoted as "the topic “…”". A topic
that does not read as an English noun or verb phrase — a question the lead-in rules
cannot turn into one, or another language — is never pasted into a sentence: it is
quoted, with techniques phrased around a quotation, and for another language the
person is told plainly that the offline generator writes English.
"""

from __future__ import annotations

import re
import unicodedata


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


PROCESS, TECHNICAL, NAMING, PEOPLE, WRITING, QUESTION, DIAGNOSIS = (
    "process", "technical", "naming", "people", "writing", "question", "diagnosis")

# "why do our builds fail so often", "why is the deploy so slow", "what keeps breaking
# the nightly job": asks for a cause, so it gets diagnosis techniques.
DIAGNOSIS_QUESTION = re.compile(
    r"^(?:why|what(?:'s| is)? (?:causing|keeps)|root cause of)\b.*\b("
    r"fail\w*|break\w*|broke|broken|crash\w*|flak\w*|slow\w*|late|down|errors?|"
    r"bugs?|red|stuck|hang\w*|time\s?outs?|timing out|wrong|miss\w*|lose|lost|leak\w*|"
    r"drop\w*|stall\w*|regress\w*)\b", re.IGNORECASE)
# Slack shortcodes (":rocket:") and anything that is not a letter or a digit.
_SHORTCODE = re.compile(r":[a-z0-9_+'-]+:", re.IGNORECASE)


def only_symbols(topic: str) -> bool:
    """True for a topic of emoji or shortcodes and no words ("🚀🔥💡", ":rocket: :tada:");
    False for one with no characters at all but spaces and punctuation ("???")."""
    rest = _SHORTCODE.sub("\N{WHITE SQUARE}", topic)
    return (not any(ch.isalnum() for ch in rest)
            and any(unicodedata.category(ch) == "So" for ch in rest))

_NAMING = re.compile(r"\b(names?|naming|tagline|slogan|brand name|codename|code name|"
                     r"call (?:it|our|the))\b", re.IGNORECASE)
_WRITING = re.compile(r"\b(announce\w*|blog|posts?|newsletters?|e-?mails?|memo|write-?ups?|"
                      r"wording|speech|talk|presentation|article|faq|release notes|"
                      r"invitation|invite)\b", re.IGNORECASE)
_PEOPLE = re.compile(r"\b(gifts?|presents?|birthdays?|farewell|leaving|goodbye|lunch(?:es)?|"
                     r"dinners?|part(?:y|ies)|celebrat\w*|offsites?|off-sites?|team[- ]building|"
                     r"socials?|outings?|thank(?:s| you)|anniversar(?:y|ies)|wedding|baby|"
                     r"welcome)\b", re.IGNORECASE)
_TECHNICAL = re.compile(r"\b(deploy\w*|releases?|ci|cd|builds?|pipelines?|tests?|testing|"
                        r"code reviews?|pull requests?|bugs?|incidents?|on-?call|tech debt|"
                        r"refactor\w*|outages?|migrat\w*|kubernetes|k8s|infrastructure|"
                        r"architecture|latency|monitoring|alerts?|database|api)\b",
                        re.IGNORECASE)
QUESTION_WORDS = _words("""
    what which who whom whose where when why how should shall do does did is are can could
    would will
""")
# Function words of the languages people most often mistake for a missing translation:
# French, German, Spanish, Italian, Portuguese, Dutch.
FOREIGN_WORDS = _words("""
    le la les des du une et pour avec dans sur est sont nous vous comment quel quelle der
    die das und mit für wie wir unsere unser ist sind ein eine nicht auf zu el los las una
    para con por como qué que del de nuestro nuestra es son hacer il di della delle per che
    sono nostro nostra fare não como uma nosso nossa fazer het een van voor met hoe wij onze
    zijn
""")
# Words only English uses among those ("a", "idea" are Spanish or Italian too).
ENGLISH_WORDS = _words("""
    the an and or of to for in on with at by from our my your their we how what why is are
    be can should make get way ways new more less better team
""")


def looks_english(topic: str) -> bool:
    """False for a topic mostly in another script, or in Latin letters with another
    language's function words and none of English's."""
    letters = [ch for ch in topic if ch.isalpha()]
    if not letters:
        return True
    latin = sum(1 for ch in letters if unicodedata.name(ch, "").startswith("LATIN"))
    if latin < 0.6 * len(letters):
        return False
    words = re.findall(r"\w+", topic.lower())
    return not (any(word in FOREIGN_WORDS for word in words)
                and not any(word in ENGLISH_WORDS for word in words))


def topic_kind(topic: str, cleaned: str, *, phrased: bool = False) -> str:
    """The kind of `topic`; `cleaned` is the topic without its lead-in ("how can we …"),
    `phrased` when the topic parser turned a question into phrases ("why are X so Y")."""
    first = cleaned.split()[0].lower() if cleaned.split() else ""
    if only_symbols(topic):
        return QUESTION
    if DIAGNOSIS_QUESTION.search(" ".join(topic.split())):
        return DIAGNOSIS
    if not looks_english(topic) or (first in QUESTION_WORDS and not phrased
                                    and not _PEOPLE.search(topic)):
        return QUESTION
    for kind, pattern in ((NAMING, _NAMING), (WRITING, _WRITING), (PEOPLE, _PEOPLE),
                          (TECHNICAL, _TECHNICAL)):
        if pattern.search(topic):
            return kind
    return PROCESS


def quoted(topic: str, words: int = 8) -> str:
    """The topic as a short quotation, for sentences it cannot be part of."""
    cut = " ".join(topic.split()).strip(" ?!.") or topic.strip()
    parts = cut.split()
    return "“" + " ".join(parts[:words]) + ("…" if len(parts) > words else "") + "”"


_NAMED_FOR = re.compile(r"^(?:(?:a|some|new|good|better|catchy|fun)\s+)*(?:names?|naming|"
                        r"tagline|slogan|brand name|codename|code name)\s+(?:for|of)?\s*",
                        re.IGNORECASE)
_OCCASION = re.compile(r"\bfor (?:her|his|their|our|the) ([\w' -]+)$", re.IGNORECASE)
_TRAILING_IDEAS = re.compile(r"\s+(?:ideas?|suggestions?|options?)$", re.IGNORECASE)


def named_thing(cleaned: str) -> str:
    """What a naming topic names: "a name for our new dashboard" -> "our new dashboard"."""
    thing = _NAMED_FOR.sub("", cleaned).strip()
    return thing or "it"


def occasion(cleaned: str) -> str | None:
    """A people topic as a noun phrase: "what should we get Sarah for her leaving gift"
    -> "Sarah's leaving gift"; "team lunch ideas" -> "team lunch"; None when neither."""
    names = [w for w in cleaned.split()[1:] if w[:1].isupper() and w.isalpha()]
    match = _OCCASION.search(cleaned)
    if match and names:
        return f"{names[0]}'s {match.group(1).strip()}"
    if match:
        return match.group(1).strip()
    trimmed = _TRAILING_IDEAS.sub("", cleaned)
    return trimmed if trimmed != cleaned else None
