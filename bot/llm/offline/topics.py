"""Topic handling for the offline generator: free text in, phrases that fit a sentence out.

A topic is cleaned ("How can we …?" becomes "…"), turned into a subject noun phrase and a
goal verb phrase, and matched to an everyday domain (meetings, costs, onboarding, events,
hiring, engineering, docs, customers, team health) that supplies concrete nouns and
metrics, so templates read "the standups" and "minutes per standup" rather than "it".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.llm.offline.kinds import (
    DIAGNOSIS,
    DIAGNOSIS_QUESTION,
    NAMING,
    PEOPLE,
    PROCESS,
    QUESTION,
    QUESTION_WORDS,
    named_thing,
    occasion,
    only_symbols,
    quoted,
    topic_kind,
)
from bot.llm.offline.names import name_candidates


@dataclass(frozen=True)
class Domain:
    """Concrete nouns for a family of topics, so ideas name real things instead of 'it'."""

    pattern: re.Pattern[str]
    people: str
    metric: str
    unit: str
    artifact: str
    waste: str
    event: bool = False


def _domain(pattern: str, *details: str, event: bool = False) -> Domain:
    people, metric, unit, artifact, waste = details
    return Domain(re.compile(pattern, re.IGNORECASE), people, metric, unit, artifact, waste, event)


_DOMAINS: tuple[Domain, ...] = (
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
_DEFAULT_DOMAIN = Domain(
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
        r"^(a|some)\s+(better|good|new|smart|simple|easy|quick|fair)\s+ways?\s+to\s+",
        r"^how (can|could|should|do|might|would|will|to)( we| i| you| the team| our team"
        r"| they| one)?\s+",
        r"^(can|could|should|shall) (we|i)\s+",
        r"^(let'?s|we (need|want|should|must|have) to|i want to|we'?d like to)\s+",
        r"^(topic|idea|ideas|brainstorm|brainstorming)\s*:\s*",
    )
)
_WHY_SO = re.compile(r"^why (?:is|are) (.+?) so (\w+)$", re.IGNORECASE)


def keeps_capital(word: str) -> bool:
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
class Topic:
    """A topic as phrases that fit mid-sentence, plus shorter fallbacks for long topics."""

    key: str
    forms: tuple[tuple[str, str], ...]  # (subject, goal), longest first
    domain: Domain
    kind: str = PROCESS  # which techniques fit (`bot.llm.offline.kinds`)
    # Further template slots: candidate names for a naming topic, the kind of bad case
    # ("failure", "slowdown") for a diagnosis topic.
    slots: Mapping[str, str] = field(default_factory=dict)


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


def _noun_phrases(ws: list[str], domain: Domain) -> tuple[str, str]:
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
        and not (len(ws) == 1 and keeps_capital(ws[0]))
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


# Words that start a clause inside a topic ("… when half the team is remote"): a noun
# phrase for the topic stops before them.
CLAUSE_WORDS = _wordset("when while if because so since unless although though that which "
                        "who whom whose where whenever")
# Words that make a clause of a noun phrase ("the way we run our retros", "the time our
# code reviews take"): such a phrase is replaced by the thing it is about.
CLAUSE_SUBJECTS = _wordset("we they i you he she people everyone nobody someone it")
# A verb-phrase topic longer than this is not pasted as "the effort to …" in noun slots.
LONGEST_EFFORT = 3
_AUXILIARIES = _wordset("do does did is are was were can can't cannot could won't don't "
                        "doesn't didn't isn't aren't wasn't weren't have has keep keeps")
_SYMPTOMS: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), one, many) for p, one, many in (
        (r"^(slow\w*|late|stall\w*|hang\w*|stuck|time\s?outs?|timing)$", "slowdown",
         "slowdowns"),
        (r"^(fail\w*|break\w*|broke|broken|crash\w*|flak\w*|red|down|errors?|bugs?|"
         r"regress\w*)$", "failure", "failures"),
    ))


def _without_clauses(words: list[str]) -> list[str]:
    """The words before the first clause word after the first word."""
    for i, word in enumerate(words):
        if i >= 1 and word.lower() in CLAUSE_WORDS:
            return words[:i]
    return words


def _is_clause(words: list[str]) -> bool:
    """True for a noun phrase with a clause inside: "the way we run our retros", "the time
    our code reviews take" (a second determiner or a pronoun after its start)."""
    lowered = [w.lower() for w in words]
    return any(w in CLAUSE_SUBJECTS for w in lowered[1:]) or any(
        w in ("our", "their", "my", "your") for w in lowered[2:])


def _about(words: list[str], domain: Domain) -> str | None:
    """The thing a clause-like phrase is about, by the domains' own nouns: "the time our
    code reviews take" -> "our code reviews"; None when no domain noun is in it.

    Of several, one after an article wins, and never one used as a verb ("engineers
    spend less time"); the noun grows over the nouns next to it ("customer feedback",
    "the first user test")."""
    best: tuple[int, int, int] | None = None  # (score, start, end) in words
    text = " ".join(words)
    for pattern in [domain.pattern, *(d.pattern for d in _DOMAINS)]:
        for match in pattern.finditer(text):
            i = text[: match.start()].count(" ")
            j = i + match.group(0).count(" ") + 1
            if text[match.start() - 1: match.start()] not in ("", " "):
                continue  # inside a word
            after = words[j].lower() if j < len(words) else ""
            score = (2 * (i > 0 and words[i - 1].lower() in _DETERMINERS)
                     - 3 * (after in _COMPARATIVES or after in _DETERMINERS))
            if best is None or (score, -i) > (best[0], -best[1]):
                best = (score, i, j)
    if best is None or best[0] < 0:
        return None
    _, start, end = best
    while end < len(words) and end - start < 3 and (
            words[end].lower() in _MASS_NOUNS
            or (_is_plural(words[end]) and words[end].lower() not in CLAUSE_SUBJECTS)
            or any(d.pattern.fullmatch(words[end].lower()) for d in _DOMAINS)):
        end += 1
    back = start
    while back > 0 and start - back < 3 and words[back - 1].lower() not in (
            _PREPOSITIONS | CLAUSE_WORDS | CLAUSE_SUBJECTS):
        back -= 1
        if words[back].lower() in _ARTICLES:
            break
    if words[back].lower() not in _DETERMINERS:  # no article found: just the nouns
        back = start
    phrase = words[back:end]
    if back < start:
        return " ".join(phrase)
    return _noun_phrases(phrase, domain)[0]


_ARTICLES = _wordset("the a an our their my your")


def _last_noun_phrase(words: list[str]) -> list[str]:
    """The last phrase that starts with an article or possessive, up to a clause word or a
    preposition: "get people to actually read the weekly newsletter" -> "the weekly
    newsletter"; empty when there is none."""
    starts = [i for i, w in enumerate(words) if w.lower() in _ARTICLES]
    if not starts:
        return []
    phrase = words[starts[-1]:]
    for i, word in enumerate(phrase):
        if i >= 1 and (word.lower() in CLAUSE_WORDS or word.lower() in CLAUSE_SUBJECTS
                       or word.lower() in _PREPOSITIONS):
            return phrase[:i] if i >= 2 else []
    return phrase


def _noun_subject(words: list[str], domain: Domain) -> str:
    """A noun phrase for `words` that reads well in any noun slot: no clause pasted."""
    words = _without_clauses(words)
    if words and words[0].lower() in QUESTION_WORDS:  # "improve how we hand over work"
        return _about(words, domain) or "this goal"
    if _is_clause(words) or len(words) > LONGEST_EFFORT + 2:
        about = _about(words, domain)
        if about:
            return about
        last = _last_noun_phrase(words)
        if last and not _is_clause(last):
            return " ".join(last)
        lowered = [w.lower() for w in words]
        cut = next((i for i, w in enumerate(lowered)
                    if i >= 1 and (w in CLAUSE_SUBJECTS
                                   or (i >= 2 and w in ("our", "their", "my", "your")))),
                   len(words))
        words = _shorten(words[:cut], limit=LONGEST_EFFORT + 2)
    return _noun_phrases(words, domain)[0]


def _diagnosis(words: list[str], domain: Domain) -> tuple[str, dict[str, str]]:
    """(the thing that goes wrong, {bad, bads}) for "why do our builds fail so often"."""
    symptom = next((i for i, w in enumerate(words)
                    if i and any(p.match(w) for p, _, _ in _SYMPTOMS)), len(words))
    thing = [w for w in words[1:symptom] if w.lower() not in _AUXILIARIES and w.lower() != "so"]
    if not thing:  # "what keeps breaking the nightly job"
        thing = [w for w in words[symptom + 1:] if w.lower() not in ("so", "often")]
    thing = _without_clauses(_shorten(thing or ["it"], limit=5))
    bad, bads = next(((one, many) for p, one, many in _SYMPTOMS
                      if symptom < len(words) and p.match(words[symptom])),
                     ("problem", "problems"))
    subject = _noun_phrases(thing, domain)[0] if thing != ["it"] else "it"
    return subject, {"bad": bad, "bads": bads}


def _verb_subject(ws: list[str], domain: Domain) -> str:
    """A noun phrase for a verb-phrase topic: "the effort to cut cloud costs" when short;
    for a long one ("reduce the time our code reviews take") the thing it is about ("our
    code reviews"), never the whole clause."""
    ws = _without_clauses(ws)
    goal = " ".join(ws)
    if len(ws) <= LONGEST_EFFORT + 1 and not _is_clause(ws[1:]):
        return f"the effort to {goal}"
    about = _about(ws, domain)
    if about:
        return about
    last = _last_noun_phrase(ws)
    if last and len(last) <= LONGEST_EFFORT + 2 and not _is_clause(last):
        return " ".join(last)
    return "this goal"  # honest and grammatical in every noun slot


def parse_topic(topic: str) -> Topic:
    """Turn free text into a subject noun phrase and a goal verb phrase (plus shorter forms)."""
    key = " ".join(re.findall(r"\w+", topic.lower()))
    text = _clean_topic(topic)
    domain = next((d for d in _DOMAINS if d.pattern.search(topic)), _DEFAULT_DOMAIN)
    words = text.split() or ["our", "way", "of", "working"]
    if not keeps_capital(words[0]):
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
            if not keeps_capital(thing_words[0]):
                thing_words[0] = thing_words[0].lower()
            subject, _ = _noun_phrases(thing_words, domain)
            return subject, f"make {subject} less {why.group(2)}"
        if is_verb:
            # The goal may be shortened; the subject is found in the whole topic.
            goal = " ".join(ws)
            if first in _OBJECT_VERBS and len(words) > 1:
                # "plan the team offsite": the thing to talk about is the offsite itself.
                return _noun_subject(words[1:], domain), goal
            if first == "make":
                # "make our deploys faster": talk about "our deploys".
                k = next((i for i, w in enumerate(words)
                          if i >= 2 and w.lower() in _COMPARATIVES), 0)
                if k and not set(w.lower() for w in words[1:k]) & CLAUSE_SUBJECTS:
                    return _noun_subject(words[1:k], domain), goal
            return _verb_subject(words, domain), goal
        subject, goal = _noun_phrases(ws, domain)
        plain = _noun_subject(ws, domain)
        return (subject, goal) if plain == subject else (plain, f"improve {plain}")

    kind = topic_kind(topic, text, phrased=why is not None)
    if kind == QUESTION:  # never pasted into a sentence: quoted
        said = quoted(topic)
        if only_symbols(topic):  # emoji or shortcodes only: say it is the topic
            said = f"the topic {said}"
        return Topic(key or said, ((said, f"answer {said}"),), domain, kind)
    if kind == DIAGNOSIS:
        said = " ".join(topic.split()).strip(" ?!.")
        start = DIAGNOSIS_QUESTION.search(said)
        asked = said[start.start():].split() if start else words
        subject, slots = _diagnosis(asked, domain)
        goal = f"find the cause of the {slots['bads']} in {subject}"
        return Topic(key, ((subject, goal), ("it", "fix it")), domain, kind, slots)
    if kind == NAMING:
        thing = named_thing(" ".join(words))
        return Topic(key, ((thing, f"name {thing}"), ("it", "name it")), domain, kind,
                     name_candidates(thing))
    if kind == PEOPLE and (event := occasion(" ".join(words))) is not None:
        subject = event if "'s " in event else _noun_phrases(event.split(), domain)[0]
        return Topic(key, ((subject, f"make {subject} great"), ("it", "get it right")), domain,
                     kind)
    # Long topics lose trailing qualifiers ("... for remote folks in other timezones"); "it" is
    # the last resort for the few phrasings that would still run past 30 words.
    # A goal fills verb slots, where a clause reads well; the subject fills noun slots.
    subject, goal = phrases(words if is_verb else _shorten(words))
    forms = [(subject, goal), (subject, "get it right"), ("it", "get it right")]
    return Topic(key=key, forms=tuple(dict.fromkeys(forms)), domain=domain, kind=kind)
