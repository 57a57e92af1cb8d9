"""The offline idea generator: useful brainstorming without any LLM (``IDEALOOP_LLM=offline``).

Why this exists: a team should be able to install idealoop and get value on day one, before
anyone has an API key or a local model server -- and CI and demos must not depend on a network.
Instead of canned filler, the generator applies named ideation techniques (SCAMPER, inversion,
constraints, analogy, pre-mortem, 5 whys, ...) to whatever topic it is given, so every idea is a
concrete prompt for discussion and says which technique produced it.

Design choices:

* Deterministic: the same ``(topic, count, avoid, favour)`` always gives the same list. The order
  of techniques and the phrasing used for each are seeded from a SHA-256 of the normalised topic
  (never ``hash()``, which is salted per process), so tests and screenshots are reproducible.
* Varied: there are many techniques with several phrasings each; the bot passes earlier ideas as
  ``avoid`` so a repeated brainstorm moves on to fresh ones, and approved ideas as ``favour`` so
  the techniques people liked come first.
* Topic-aware: the topic is cleaned up (questions like "How can we ...?" become "reduce ..."),
  turned into a noun phrase and a goal, and a few everyday domains (meetings, costs, onboarding,
  events, hiring, engineering, docs, customers, team health) supply concrete nouns and metrics.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

__all__ = [
    "MAX_COUNT",
    "MAX_WORDS",
    "MIN_WORDS",
    "OFFLINE_MODEL",
    "TECHNIQUES",
    "OfflineGenerator",
    "normalize_idea",
    "technique_of",
]

OFFLINE_MODEL = "idealoop-offline"
MIN_COUNT = 1
MAX_COUNT = 10
MIN_WORDS = 8
MAX_WORDS = 30
SIMILARITY = 0.8
_NEAR = 0.6


@dataclass(frozen=True)
class Technique:
    """A named ideation technique and the sentence templates that apply it to a topic.

    Template slots: ``{subject}`` (noun phrase for the topic), ``{goal}`` (verb phrase),
    ``{people}``, ``{metric}``, ``{unit}``, ``{artifact}``, ``{waste}`` (domain details) and
    ``{field}``/``{lesson}`` (a far-away field and the habit worth copying from it).
    """

    name: str
    phrasings: tuple[str, ...]


TECHNIQUES: tuple[Technique, ...] = (
    Technique(
        "substitute",
        (
            "Swap the live part of {subject} for a short written update, and keep meeting "
            "time only for real decisions",
            "Replace the usual owner of {subject} with a rotating pair for a month and "
            "compare the results",
            "Replace the first meeting about {subject} with a one-page written brief that "
            "{people} can comment on",
            "Trade the most expensive ingredient of {subject} for a cheaper one, like a "
            "document instead of a meeting",
        ),
    ),
    Technique(
        "combine",
        (
            "Merge {subject} with something {people} already do every week so it needs no "
            "extra slot",
            "Pair {subject} with a short demo so every change comes with something people can see",
            "Bundle {subject} with learning, so each round one person teaches the others "
            "one useful trick",
            "Combine {subject} with collecting feedback from {people} in one step instead of two",
        ),
    ),
    Technique(
        "adapt",
        (
            "Adapt what already works in {unit} and roll the same pattern out to the rest "
            "of {subject}",
            "Adapt how {people} already solve a similar problem elsewhere and reuse that "
            "approach for {subject}",
            "Run {subject} like a weekend hackathon project, with one owner, a tiny scope "
            "and a fixed deadline",
        ),
    ),
    Technique(
        "modify",
        (
            "Shrink {subject} down to the smallest useful version and only add back what "
            "people actually ask for",
            "Magnify the best part of {subject} by asking {people} what they value most and "
            "doubling it",
            "Change the rhythm of {subject}, for example weekly instead of daily or the "
            "reverse, and compare after a month",
        ),
    ),
    Technique(
        "put to other use",
        (
            "Reuse what {subject} produces elsewhere, for example as learning material for "
            "{people}",
            "Turn {artifact} into something another team can use, so the effort on "
            "{subject} pays off twice",
            "Ask who else could benefit from the work on {subject} and share it with them "
            "by default",
        ),
    ),
    Technique(
        "eliminate",
        (
            "Drop {waste} from {subject} for two weeks and see whether anyone misses them",
            "Cut one step from {subject} every week until something breaks, then put back "
            "only that step",
            "Delete every part of {subject} without a clear owner and see what people ask "
            "to bring back",
        ),
    ),
    Technique(
        "reverse",
        (
            "Reverse the order of {subject} by starting from the outcome you want and "
            "working backwards to the first step",
            "Flip the roles so {people} lead {subject} and the usual organisers only support them",
            "Work backwards from a fixed end date for {subject} and drop every step that does "
            "not lead there",
        ),
    ),
    Technique(
        "inversion",
        (
            "List five sure ways to make {subject} fail, then turn each one into a rule you follow",
            "Ask how we could guarantee a bad result for {subject}, and check which of those "
            "things we already do",
            "Write the worst possible plan for {subject} on purpose, then do the opposite "
            "of every point",
        ),
    ),
    Technique(
        "constraint",
        (
            "Plan {subject} as if you had half the time, and keep only what survives the cut",
            "Give {subject} half the budget and ask the team what they would drop first",
            "Set a hard limit of ten minutes or one page for {subject} and make everything "
            "fit inside it",
            "Allow only three people and one week to {goal}, and see what a tiny team "
            "chooses to do",
        ),
    ),
    Technique(
        "analogy",
        (
            "Borrow from {field} and bring their habit of {lesson} to {subject}",
            "Think about {subject} the way {field} would, and copy their habit of {lesson}",
            "Ask how {field} would {goal}, and try their habit of {lesson}",
        ),
    ),
    Technique(
        "5 whys",
        (
            "Ask why five times about the biggest complaint with {subject} and fix the root "
            "cause, not the symptom",
            "Take the last thing that went wrong with {subject} and run a five whys on it "
            "with the people involved",
            "Collect the three most common frustrations with {subject} and dig five whys "
            "deep into each one",
        ),
    ),
    Technique(
        "user journey",
        (
            "Map the journey of {people} through {subject} step by step and fix the most "
            "painful moment first",
            "Walk through {subject} in the shoes of {people}, noting every wait, handoff and "
            "confusing moment",
            "Sketch the before, during and after of {subject} for {people}, then improve "
            "the weakest phase",
        ),
    ),
    Technique(
        "pre-mortem",
        (
            "Imagine {subject} failed badly six months from now and list the likely "
            "reasons while there is still time",
            "Have everyone write down how the plan to {goal} could fail, then guard against "
            "the top two",
            "Pretend it is a year later and the effort to {goal} flopped, then write that "
            "post-mortem today",
        ),
    ),
    Technique(
        "smallest experiment",
        (
            "Try the smallest experiment first by changing {unit} for two weeks and "
            "comparing it with the rest",
            "Pick one change to {goal}, test it with a single volunteer group, then keep it "
            "or drop it",
            "Run a one-week trial of the boldest idea for {subject} with a clear rule for "
            "when to stop",
        ),
    ),
    Technique(
        "borrow",
        (
            "Spend an hour with a team that does {subject} well and copy their single best habit",
            "Find a company known for getting {subject} right, read how they do it, and "
            "steal one practice",
            "Invite someone from another team to show how they {goal}, then adopt the one "
            "idea that fits",
        ),
    ),
    Technique(
        "measure first",
        (
            "Measure before changing anything by tracking {metric} for two weeks to find "
            "the real problem",
            "Agree on one number for {subject}, such as {metric}, and review it together "
            "every week",
            "Ask {people} to log for one week where the time goes in {subject} before "
            "deciding what to change",
        ),
    ),
    Technique(
        "automate",
        (
            "Automate the most repetitive part of {subject} with a script, bot or template "
            "so nobody does it by hand",
            "List every manual step in {subject} and automate the one that happens most often",
            "Let a scheduled Slack reminder handle the routine nudges in {subject} so people "
            "only do the thinking",
        ),
    ),
    Technique(
        "listen first",
        (
            "Ask {people} for their top frustration with {subject} in a two-minute anonymous "
            "survey and fix the winner",
            "Hold five short conversations with {people} about {subject} before deciding anything",
            "Shadow {people} for an hour while they deal with {subject} and write down what "
            "surprises you",
        ),
    ),
    Technique(
        "make it the default",
        (
            "Make the good behaviour the default in {subject}, so people have to opt out "
            "rather than opt in",
            "Change the default templates, invites or settings for {subject} so the easy "
            "path is the right one",
        ),
    ),
    Technique(
        "10x thinking",
        (
            "Ask what a ten times better version of {subject} would look like, then take the "
            "first step towards it",
            "Imagine {subject} with unlimited time and money, then find the cheapest slice "
            "of that dream to do now",
        ),
    ),
    Technique(
        "fresh eyes",
        (
            "Ask the newest person on the team to review {subject} and list everything that "
            "seems strange",
            "Invite someone from outside the team to question every step of {subject} for "
            "thirty minutes",
        ),
    ),
    Technique(
        "make it visible",
        (
            "Make progress on {subject} visible with a simple shared board that everyone can see",
            "Post a short weekly update on {subject} in the team channel so progress and "
            "blockers are public",
            "Put {metric} on a dashboard next to the team's other numbers so it gets discussed",
        ),
    ),
    Technique(
        "start-stop-continue",
        (
            "Run a quick start, stop, continue round on {subject} and act on one item from "
            "each column",
            "Ask everyone to name one thing to stop doing in {subject}, then stop the most "
            "popular one next week",
        ),
    ),
    Technique(
        "gamify",
        (
            "Turn {subject} into a friendly challenge with a visible scoreboard and a small "
            "prize each month",
            "Add a light game element to {subject}, like streaks or badges, so progress is "
            "fun to track",
        ),
    ),
    Technique(
        "ownership",
        (
            "Rotate ownership of {subject} every sprint so more people learn the details and "
            "spot improvements",
            "Give {subject} one named owner for a quarter with the freedom to change how "
            "things work",
            "Pair an experienced person with a newcomer as joint owners of {subject} for "
            "the next month",
        ),
    ),
)

_TECHNIQUE_BY_KEY: dict[str, str] = {}


def _technique_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


for _t in TECHNIQUES:
    _TECHNIQUE_BY_KEY[_technique_key(_t.name)] = _t.name
_TECHNIQUE_BY_KEY.update(
    {
        "fivewhys": "5 whys",
        "5why": "5 whys",
        "premortem": "pre-mortem",
        "constraints": "constraint",
        "analogies": "analogy",
        "smallestexperiments": "smallest experiment",
        "experiment": "smallest experiment",
        "measurefirst": "measure first",
        "measure": "measure first",
        "automation": "automate",
        "userjourney": "user journey",
        "journey": "user journey",
        "invert": "inversion",
        "putotheruse": "put to other use",
        "puttootheruses": "put to other use",
        "default": "make it the default",
        "defaults": "make it the default",
        "10x": "10x thinking",
        "gamification": "gamify",
        "startstopcontinue": "start-stop-continue",
        "rotateownership": "ownership",
        "magnify": "modify",
        "minify": "modify",
    }
)

# Far-away fields and the habit worth copying from each, for the analogy technique.
_FIELDS: tuple[tuple[str, str], ...] = (
    ("a Formula 1 pit crew", "assigning every role in advance and rehearsing it"),
    ("an emergency room", "triaging by urgency before doing anything else"),
    ("a restaurant kitchen", "preparing everything before the rush starts"),
    ("air traffic control", "using a short, fixed script for every handover"),
    ("a theme park", "designing the wait itself so it feels shorter"),
    ("a sports team", "holding a short huddle where one play gets called"),
    ("airline pilots", "running a checklist before every take-off"),
    ("a newsroom", "working to a fixed deadline with an editor who cuts"),
    ("open-source projects", "writing proposals down so anyone can comment"),
    ("a film crew", "publishing a call sheet that says who is needed when"),
    ("a good hotel", "anticipating requests before anyone has to ask"),
    ("gardeners", "pruning regularly so the healthy parts can grow"),
    ("game designers", "giving quick feedback and visible progress"),
    ("a library", "labelling everything so people can serve themselves"),
)


@dataclass(frozen=True)
class _Domain:
    """Concrete nouns for a family of topics, so ideas name real things instead of 'it'."""

    pattern: re.Pattern[str]
    people: str
    metric: str
    unit: str
    artifact: str
    waste: str
    event: bool = False


def _domain(pattern: str, *details: str, event: bool = False) -> _Domain:
    people, metric, unit, artifact, waste = details
    return _Domain(re.compile(pattern, re.IGNORECASE), people, metric, unit, artifact, waste, event)


_DOMAINS: tuple[_Domain, ...] = (
    _domain(
        r"\b(onboard\w*|new (hires?|engineers?|joiners?|starters?|employees?|colleagues?)"
        r"|first (day|week))\b",
        "new hires",
        "days until a new hire ships a first change",
        "the first day",
        "the onboarding checklist",
        "setup steps that only exist in someone's head",
    ),
    _domain(
        r"\b(meetings?|stand-?ups?|retros?|retrospectives?|syncs?|1:1s?|one-on-ones?"
        r"|all-hands|ceremon(y|ies)|agendas?)\b",
        "attendees",
        "meeting minutes per person per week",
        "one recurring meeting",
        "the agenda",
        "status updates that could be a message",
    ),
    _domain(
        r"\b(costs?|spend(ing)?|budgets?|bills?|billing|expenses?|cloud|aws|gcp|azure"
        r"|savings?|cheaper)\b",
        "the teams that own the spend",
        "weekly spend per service",
        "the single most expensive service",
        "the monthly bill",
        "idle resources nobody owns",
    ),
    _domain(
        r"\b(offsites?|off-sites?|part(y|ies)|events?|celebrations?|hackathons?|summits?"
        r"|conferences?|retreats?|team[- ]building|outings?|workshops?|socials?)\b",
        "attendees",
        "a one-question rating from attendees afterwards",
        "one session of the day",
        "the agenda",
        "sessions that are only presentations",
        event=True,
    ),
    _domain(
        r"\b(hiring|hires?|recruit\w*|interview\w*|candidates?|job (ads?|posts?))\b",
        "candidates",
        "days from first contact to offer",
        "one interview stage",
        "the job description",
        "interview rounds that test the same thing twice",
    ),
    _domain(
        r"\b(deploy\w*|releases?|ci|cd|ci/cd|builds?|pipelines?|tests?|testing|code reviews?"
        r"|pull requests?|prs|bugs?|incidents?|on-?call|tech debt|refactor\w*|outages?"
        r"|migrat\w*|kubernetes|k8s|infrastructure|platform|architecture|monolith"
        r"|microservices?|latency|monitoring|alerts?|security|releases?)\b",
        "engineers",
        "time from merge to production",
        "one service",
        "the pipeline",
        "manual steps nobody has questioned",
    ),
    _domain(
        r"\b(docs?|documentation|wiki|knowledge|readmes?|runbooks?|handbooks?)\b",
        "readers",
        "repeat questions asked in chat each week",
        "one page",
        "the most visited page",
        "pages nobody has updated in a year",
    ),
    _domain(
        r"\b(customers?|support|tickets?|users?|churn|feedback|nps|clients?)\b",
        "customers",
        "time to first response",
        "one ticket type",
        "the help page",
        "tickets that ask the same question",
    ),
    _domain(
        r"\b(okrs?|goals?|roadmaps?|strateg(y|ies)|priorit(y|ies|ise|ize|isation|ization)"
        r"|quarterly planning|q[1-4])\b",
        "the team",
        "the share of goals with a named owner",
        "one goal",
        "the roadmap",
        "goals nobody is actively working on",
    ),
    _domain(
        r"\b(morale|well-?being|burnout|remote|hybrid|culture|engagement|recognition"
        r"|motivation|team spirit|communication|collaboration|trust)\b",
        "the team",
        "a monthly two-question pulse survey",
        "one team ritual",
        "the team's weekly rhythm",
        "rituals nobody enjoys any more",
    ),
)
# Phrasings that assume a recurring process; they make no sense for a one-off event.
_RECURRING_MARKERS: tuple[str, ...] = (
    "for two weeks",
    "every week",
    "each week",
    "weekly instead of daily",
    "every sprint",
    "each month",
    "for a month",
    "for one week",
    "one-week trial",
    "on a dashboard",
    "routine nudges",
)
_DEFAULT_DOMAIN = _Domain(
    re.compile(r"(?!)"),
    "the people affected",
    "the number of complaints each week",
    "one small area",
    "the current process",
    "steps nobody would miss",
)


def _wordset(text: str) -> frozenset[str]:
    """Whitespace-separated words as a set; keeps the long word lists below readable."""
    return frozenset(text.split())


# Verbs that start a verb-phrase topic ("reduce cloud costs") whatever follows them.
_VERBS = _wordset(
    """
    reduce improve make increase cut speed lower boost get keep stop start help encourage avoid
    prevent simplify streamline organise organize welcome retain attract motivate celebrate
    automate migrate run fix grow raise save spend find choose decide create write prepare
    handle manage share teach learn engage involve onboard shorten shrink remove replace
    modernise modernize scale enable empower increase align clarify reward recognise recognize
    hold host sell win delight understand collect gather measure monitor cut trim bring set
    turn move speed avoid clean tidy declutter reorganise reorganize rethink redesign revamp
    arrange
    """
)
# Verbs whose object is the process itself ("improve our onboarding" -> "our onboarding").
_OBJECT_VERBS = _wordset(
    """
    plan organise organize run host improve fix simplify streamline redesign revamp rethink
    modernise modernize prepare arrange reorganise reorganize clean tidy declutter
    """
)
# Words that are verbs or nouns ("release process"): verbs only when a determiner follows.
_AMBIGUOUS_VERBS = _wordset(
    """
    plan design test review support release deploy build ship hire launch track document
    budget schedule lead structure change update report
    """
)
_DETERMINERS = _wordset(
    "the a an our my your their its this that these those more fewer less better new every "
    "all some each faster cheaper"
)
_COMPARATIVES = _wordset(
    "shorter faster fewer better cheaper smaller simpler quicker easier clearer calmer happier "
    "longer lower higher more less leaner lighter smoother safer stronger healthier"
)
_MASS_NOUNS = _wordset(
    """
    hiring onboarding documentation communication morale culture feedback support knowledge
    wellbeing well-being engagement recognition security quality performance testing planning
    tooling infrastructure code software spend time debt work collaboration trust feedback
    churn retention growth research data focus productivity ownership accessibility
    """
)
_PREPOSITIONS = _wordset(
    "for in of on with at to about from during into across between around within"
)
_STOPWORDS = _PREPOSITIONS | _wordset("the a an and or our my your their its so")
_PROPER_WORDS = _wordset(
    """
    slack jira confluence notion github gitlab kubernetes docker python java javascript
    typescript linux windows google zoom figma salesforce terraform postgres excel monday
    tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december christmas easter
    """
)

_LEAD_INS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(please\s+)?((can|could|would) you\s+)?(help (us|me)\s+)?"
        r"(brainstorm|think of|think up|come up with|suggest|give (us|me)|find|generate|list)"
        r"(\s+(some|a few|more|\d+))?(\s+(ideas?|ways?|options?|suggestions?|tips?))?"
        r"(\s+(for|on|about|to|around|regarding))?\s+",
        r"^(any|some|more|new|fresh)?\s*(ideas?|ways?|suggestions?|tips?|options?)"
        r"\s+(for|on|about|to|around|regarding)\s+",
        r"^(what|which) (are|is|would be)( the| some| a)?( best| good| better| smart| easy"
        r"| quick| cheap)?\s+(ways?|ideas?|options?|approach(es)?|tips?) (to|for)\s+",
        r"^what'?s the (best|easiest|quickest|cheapest) way to\s+",
        r"^(is|are) there (a |any )?(good |better )?ways? to\s+",
        r"^how (can|could|should|do|might|would|will|to)( we| i| you| the team| our team"
        r"| they| one)?\s+",
        r"^(can|could|should|shall) (we|i)\s+",
        r"^(let'?s|we (need|want|should|must|have) to|i want to|we'?d like to)\s+",
        r"^(topic|idea|ideas|brainstorm|brainstorming)\s*:\s*",
    )
)
_WHY_SO = re.compile(r"^why (?:is|are) (.+?) so (\w+)$", re.IGNORECASE)
_SUFFIX = re.compile(r"\s*\(([^()]{1,40})\)\s*[.!]?\s*$")


def normalize_idea(text: str) -> str:
    """Lower-case words only, with the trailing ``(technique)`` removed, for comparisons."""
    return " ".join(re.findall(r"[a-z0-9]+", _SUFFIX.sub("", text).lower()))


def technique_of(text: str) -> str | None:
    """The known technique named in an idea's trailing parentheses, if any."""
    match = _SUFFIX.search(text)
    if not match:
        return None
    label = match.group(1)
    for part in (label, *label.split(":")[1:], *label.split("/")):
        name = _TECHNIQUE_BY_KEY.get(_technique_key(part))
        if name:
            return name
    return None


def _full_normal(text: str) -> str:
    """Lower-case words only, technique suffix kept (what ``bot.parsing.similar`` compares)."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _close(matcher: SequenceMatcher[str], a: str) -> bool:
    """difflib ratio >= 0.8 against the matcher's fixed text, cheapest bounds first."""
    matcher.set_seq1(a)
    return (
        matcher.real_quick_ratio() >= SIMILARITY
        and matcher.quick_ratio() >= SIMILARITY
        and matcher.ratio() >= SIMILARITY
    )


class _Blocklist:
    """Texts that must not come back, compared the way the spec and ``bot.parsing`` do.

    Why the matchers are kept: ``SequenceMatcher`` indexes its second sequence once, so with a
    long ``avoid`` list (every idea ever posted on a topic) reusing them makes the check several
    times faster. Both the suffix-free and the full normal form are compared, so an idea passes
    only if neither this module nor the bot's own ``similar()`` would call it a repeat.
    """

    def __init__(self, texts: Iterable[str]) -> None:
        self._exact: set[str] = set()
        self._entries: list[tuple[SequenceMatcher[str], SequenceMatcher[str]]] = []
        seen: set[tuple[str, str]] = set()
        for text in texts:
            norm, full = normalize_idea(text), _full_normal(text)
            if not norm or (norm, full) in seen:
                continue
            seen.add((norm, full))
            self._exact.update((norm, full))
            self._entries.append(
                (
                    SequenceMatcher(None, "", norm, autojunk=False),
                    SequenceMatcher(None, "", full, autojunk=False),
                )
            )

    def add(self, text: str) -> None:
        norm, full = normalize_idea(text), _full_normal(text)
        self._exact.update((norm, full))
        self._entries.append(
            (
                SequenceMatcher(None, "", norm, autojunk=False),
                SequenceMatcher(None, "", full, autojunk=False),
            )
        )

    def blocks(self, text: str) -> bool:
        norm, full = normalize_idea(text), _full_normal(text)
        if norm in self._exact or full in self._exact:
            return True
        for by_norm, by_full in self._entries:
            by_norm.set_seq1(norm)
            # Upper bounds first; a shared technique suffix can only lift a ratio that was
            # already >= 0.6 over 0.8, so anything below that is clearly different.
            if by_norm.real_quick_ratio() < _NEAR or by_norm.quick_ratio() < _NEAR:
                continue
            ratio = by_norm.ratio()
            if ratio >= SIMILARITY or (ratio >= _NEAR and _close(by_full, full)):
                return True
        return False


def _keeps_capital(word: str) -> bool:
    """Acronyms (CI, OKRs, Q3), camel case (GitHub, iOS) and known names keep their case."""
    letters = re.sub(r"[^A-Za-z0-9]", "", word)
    if not letters:
        return False
    uppercase = sum(1 for ch in letters if ch.isupper())
    if uppercase >= 2 or (uppercase and any(ch.isdigit() for ch in letters)):
        return True
    if any(ch.isupper() for ch in letters[1:]):
        return True
    return letters.lower() in _PROPER_WORDS


def _is_plural(word: str) -> bool:
    lower = word.lower()
    return lower.endswith("s") and not lower.endswith(("ss", "us", "is"))


@dataclass(frozen=True)
class _Topic:
    """A topic as phrases that fit mid-sentence, plus shorter fallbacks for long topics."""

    key: str
    forms: tuple[tuple[str, str], ...]  # (subject, goal), longest first
    domain: _Domain


def _clean_topic(topic: str) -> str:
    text = " ".join(topic.split())
    text = text.strip(" \t\"'`“”‘’*_")
    text = re.sub(r"[\s?!.,;:…]+$", "", text)
    for _ in range(3):  # lead-ins can stack: "Ideas for: how can we ..."
        before = text
        for pattern in _LEAD_INS:
            text = pattern.sub("", text, count=1).strip(" \"'“”:")
        if text == before:
            break
    return text


def _noun_phrases(ws: list[str], domain: _Domain) -> tuple[str, str]:
    """(subject, goal) for a noun-phrase topic such as 'team offsite in spring'."""
    lead = ws[0].lower()
    if lead in _COMPARATIVES and len(ws) > 1:
        # "shorter standups": talk about the standups, keep the direction in the goal.
        rest = ws[1:]
        subject, _ = _noun_phrases(rest, domain)
        if lead in ("fewer", "less", "more"):
            return subject, f"move to {' '.join(ws)}"
        return subject, f"make {subject} {ws[0]}"
    phrase = " ".join(ws)
    head_words: list[str] = []
    for w in ws:
        if w.lower() in _PREPOSITIONS:
            break
        head_words.append(w)
    head = (head_words or ws)[-1].lower()
    needs_article = (
        lead not in _DETERMINERS
        and not _is_plural(head)
        and not head.endswith("ing")
        and head not in _MASS_NOUNS
        and not (len(ws) == 1 and _keeps_capital(ws[0]))
    )
    subject = f"the {phrase}" if needs_article else phrase
    if domain.event:
        goal = f"plan a great {phrase}" if needs_article else f"make {subject} great"
    else:
        goal = f"improve {subject}"
    return subject, goal


def _shorten(words: list[str], limit: int = 7, hard_limit: int = 10) -> list[str]:
    """Drop trailing prepositional phrases ('... for remote folks in other timezones') while
    longer than ``limit`` words, then hard-cut past ``hard_limit``, so ideas stay short."""
    cut = list(words)
    while len(cut) > limit:
        preps = [i for i, w in enumerate(cut) if i >= 2 and w.lower() in _PREPOSITIONS]
        if not preps:
            break
        cut = cut[: preps[-1]]
    if len(cut) > hard_limit:
        cut = cut[:hard_limit]
    while len(cut) < len(words) and len(cut) > 1 and cut[-1].lower() in _STOPWORDS:
        cut.pop()
    return cut


def _parse_topic(topic: str) -> _Topic:
    """Turn free text into a subject noun phrase and a goal verb phrase (plus shorter forms)."""
    key = " ".join(re.findall(r"\w+", topic.lower()))
    text = _clean_topic(topic)
    domain = next((d for d in _DOMAINS if d.pattern.search(topic)), _DEFAULT_DOMAIN)
    words = text.split() or ["our", "way", "of", "working"]
    if not _keeps_capital(words[0]):
        words[0] = words[0][:1].lower() + words[0][1:]

    why = _WHY_SO.match(" ".join(words))
    first = words[0].lower()
    second = words[1].lower() if len(words) > 1 else ""
    is_verb = len(words) > 1 and (
        first in _VERBS or (first in _AMBIGUOUS_VERBS and second in _DETERMINERS)
    )

    def phrases(ws: list[str]) -> tuple[str, str]:
        if why:
            thing_words = why.group(1).split()
            if not _keeps_capital(thing_words[0]):
                thing_words[0] = thing_words[0].lower()
            subject, _ = _noun_phrases(thing_words, domain)
            return subject, f"make {subject} less {why.group(2)}"
        if is_verb:
            goal = " ".join(ws)
            if first in _OBJECT_VERBS and len(ws) > 1:
                # "plan the team offsite": the thing to talk about is the offsite itself.
                return _noun_phrases(ws[1:], domain)[0], goal
            if first == "make":
                # "make our deploys faster": talk about "our deploys".
                k = next((i for i, w in enumerate(ws) if i >= 2 and w.lower() in _COMPARATIVES), 0)
                if k:
                    return _noun_phrases(ws[1:k], domain)[0], goal
            return f"the effort to {goal}", goal
        return _noun_phrases(ws, domain)

    # Long topics lose trailing qualifiers ("... for remote folks in other timezones"); "it" is
    # the last resort for the few phrasings that would still run past 30 words.
    forms = [phrases(_shorten(words)), ("it", "get it right")]
    return _Topic(key=key, forms=tuple(dict.fromkeys(forms)), domain=domain)


def _seed(*parts: str) -> int:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def _word_count(text: str) -> int:
    return len(text.split())


class OfflineGenerator:
    """Brainstorms with classic ideation techniques instead of an LLM; see the module docs."""

    model: str = OFFLINE_MODEL

    def ideas(
        self,
        topic: str,
        count: int = 5,
        *,
        avoid: Sequence[str] = (),
        favour: Sequence[str] = (),
    ) -> list[str]:
        """``count`` (clamped to 1..10) distinct ideas for ``topic``.

        ``avoid`` holds texts that must not come back (rejected or already posted ideas; close
        variants count too). ``favour`` holds approved ideas: their techniques go first.
        """
        count = max(MIN_COUNT, min(MAX_COUNT, int(count)))
        avoid = (avoid,) if isinstance(avoid, str) else avoid
        favour = (favour,) if isinstance(favour, str) else favour
        parsed = _parse_topic(topic)
        rng = random.Random(_seed("ideas", parsed.key))

        # Phrasing choices are drawn before any reordering so `favour` only changes the order.
        order = list(TECHNIQUES)
        rng.shuffle(order)
        starts = {t.name: rng.randrange(len(t.phrasings)) for t in order}
        fields = {t.name: _FIELDS[rng.randrange(len(_FIELDS))] for t in order}

        preferred = _favoured_techniques(favour)
        rank = {name: i for i, name in enumerate(preferred)}
        order.sort(key=lambda t: rank.get(t.name, len(rank)))

        blocked = _Blocklist(avoid)
        chosen_list = _Blocklist(())
        chosen: list[str] = []
        used: set[tuple[str, int]] = set()
        # Round 0 takes one idea per technique, for variety; later rounds allow another phrasing
        # of a technique, for when `avoid` has used up the first choices.
        for _round in range(max(len(t.phrasings) for t in TECHNIQUES)):
            for technique in order:
                if len(chosen) >= count:
                    return chosen
                n = len(technique.phrasings)
                for step in range(n):
                    index = (starts[technique.name] + step) % n
                    if (technique.name, index) in used:
                        continue
                    used.add((technique.name, index))
                    idea = self._render(technique, index, parsed, fields[technique.name])
                    if idea is None or blocked.blocks(idea) or chosen_list.blocks(idea):
                        continue
                    chosen.append(idea)
                    chosen_list.add(idea)
                    break
        return chosen

    @staticmethod
    def _render(
        technique: Technique, index: int, topic: _Topic, field: tuple[str, str]
    ) -> str | None:
        """Fill one phrasing, falling back to shorter topic forms to stay within 30 words."""
        template = technique.phrasings[index]
        domain = topic.domain
        if domain.event and any(marker in template for marker in _RECURRING_MARKERS):
            return None  # a one-off event has no "next sprint" or "two-week trial"
        for subject, goal in topic.forms:
            body = template.format(
                subject=subject,
                goal=goal,
                people=domain.people,
                metric=domain.metric,
                unit=domain.unit,
                artifact=domain.artifact,
                waste=domain.waste,
                field=field[0],
                lesson=field[1],
            )
            idea = f"{body[:1].upper()}{body[1:]} ({technique.name})"
            if MIN_WORDS <= _word_count(idea) <= MAX_WORDS:
                return idea
        return None

    def draft(self, instruction: str, context: str) -> str:
        """A short structured draft built from the instruction and the start of the context.

        Why so plain: without a model we cannot write prose worth reading, but a heading, the
        goal, the key points from the thread and a next step is still a useful skeleton -- and
        the closing line tells people how to get real drafts.
        """
        goal = " ".join(_clean_instruction(instruction).split())
        title = _clip(goal[:1].upper() + goal[1:], 80) if goal else "Summary of the discussion"
        if goal and not _keeps_capital(goal.split()[0]):
            goal = goal[:1].lower() + goal[1:]
        points = [f"Goal: {_clip(goal, 200)}" if goal else "Goal: agree on next steps"]
        for line in _context_lines(context, limit=2):
            points.append(f"From the discussion: {line}")
        points.append("Next step: name one owner and a date to try this for two weeks.")
        points.append("Open question: how will we know in a month that it worked?")
        lines = [f"Draft: {title}", "", *(f"- {p}" for p in points[:5]), ""]
        lines.append(
            "Written by the offline generator (no LLM configured): set OPENAI_API_KEY or "
            "OPENAI_BASE_URL to get real drafts."
        )
        return "\n".join(lines)


def _favoured_techniques(favour: Iterable[str]) -> list[str]:
    """Known techniques named by approved ideas, most often approved first, ties by first seen."""
    counts: dict[str, int] = {}
    for text in favour:
        name = technique_of(text)
        if name:
            counts[name] = counts.get(name, 0) + 1
    first_seen = {name: i for i, name in enumerate(counts)}
    return sorted(counts, key=lambda name: (-counts[name], first_seen[name]))


def _clean_instruction(instruction: str) -> str:
    text = next((ln.strip() for ln in instruction.splitlines() if ln.strip()), "")
    return re.sub(r"[\s?!.,;:…]+$", "", text)


def _clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def _context_lines(context: str, limit: int) -> list[str]:
    """The first meaningful lines of the context, without list markers or markdown."""
    found: list[str] = []
    for raw in context.splitlines():
        line = re.sub(r"^\s*(?:[-*•>]+|\d+[.)])\s*", "", raw)
        line = line.replace("**", "").replace("__", "").strip()
        line = " ".join(line.split())
        if len(re.findall(r"\w+", line)) < 2:
            continue
        found.append(_clip(line, 140))
        if len(found) >= limit:
            break
    return found
