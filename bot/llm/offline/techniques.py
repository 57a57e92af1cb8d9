"""The ideation techniques the offline generator applies, with their phrasings: data.

Each technique (SCAMPER's steps, inversion, constraints, analogy, pre-mortem, 5 whys, …)
has several sentence templates, so repeated brainstorms on one topic can move on to
fresh wording. Ideas name their technique in a trailing "(technique)", which is how
approved ideas tell the generator which techniques a team likes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.llm.similarity import normalise

PROCESS_KINDS = frozenset(("process", "technical"))


@dataclass(frozen=True)
class Technique:
    """A named ideation technique and the sentence templates that apply it to a topic.

    Template slots: ``{subject}`` (noun phrase for the topic), ``{goal}`` (verb phrase),
    ``{people}``, ``{metric}``, ``{unit}``, ``{artifact}``, ``{waste}`` (domain details) and
    ``{field}``/``{lesson}`` (a far-away field and the habit worth copying from it).
    """

    name: str
    phrasings: tuple[str, ...]
    kinds: frozenset[str] = PROCESS_KINDS  # the kinds of topic it fits


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
            "Have everyone write down how the plan for {subject} could fail, then guard "
            "against the top two",
            "Pretend it is a year later and the work on {subject} flopped, then write that "
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


def _for(kind: str, *techniques: tuple[str, tuple[str, ...]]) -> tuple[Technique, ...]:
    return tuple(Technique(name, phrasings, frozenset((kind,)))
                 for name, phrasings in techniques)


# Names: ideas that are candidate names ({name_plain}, {name_metaphor}, {name_coined} are
# built from the named thing) or ways to choose one.
NAMING_TECHNIQUES = _for(
    "naming",
    ("plain name", ("Call {subject} “{name_plain}”: plain words people will search for and "
                    "understand on first read",
                    "Call {subject} “{name_plain_2}”, a plain name that says what it is "
                    "without any explaining")),
    ("metaphor", ("Call {subject} “{name_metaphor}”, a short image of what it does for "
                  "people that is easy to say in a meeting",
                  "Call {subject} “{name_metaphor_2}”: one picture people can remember, "
                  "short enough for a channel name")),
    ("coined word", ("Call {subject} “{name_coined}”, a made-up word from what it is: short, "
                     "yours, and easy to search for",
                     "Call {subject} “{name_coined_2}”, a coined word nobody else uses, so "
                     "searches find only yours")),
    ("compound name", ("Call {subject} “{name_compound}”: an image and the thing together, so "
                       "the name explains itself",
                       "Call {subject} “{name_compound_2}”, a name that joins what it is "
                       "with an image of it")),
    ("ask the users", ("Ask five future users to describe {subject} in three words, and build "
                       "the name from the word that comes up most",)),
    ("shortlist and vote", ("Shortlist three names for {subject} and let the people who will "
                            "use it vote with emoji for one day",)),
    ("say it aloud", ("Say each candidate name for {subject} aloud in a real sentence, and drop "
                      "any that people stumble over or mishear",)),
    ("check for clashes", ("Search the wiki, Slack and the web for each name for {subject} "
                           "before the team grows attached to one",)),
    ("name the benefit", ("Name {subject} after the question it answers for people, not "
                          "after how it is built",)),
    ("the team's own word", ("Listen for the word people already use for {subject} in chat, "
                             "and consider making that the official name",)),
)
# "More like this" on a name: names near it ({near_of} is the name asked about).
NEAR_NAME_TECHNIQUES = _for(
    "naming",
    ("same image", ("Call {subject} “{near_image}”, the same picture as “{near_of}” in "
                    "another word",
                    "Call {subject} “{near_image_2}”, which keeps the image of “{near_of}” "
                    "but sounds different")),
    ("same sound", ("Call {subject} “{near_sound}”, which sounds like “{near_of}” and is "
                    "as easy to say",
                    "Call {subject} “{near_sound_2}”, close in sound to “{near_of}”, so the "
                    "feel stays")),
    ("variation", ("Call {subject} “{near_variation}”, a longer form of “{near_of}” that "
                   "is easier to search for",
                   "Call {subject} “{near_variation_2}”: “{near_of}” with a plain word that "
                   "says where to go",
                   "Call {subject} “{near_variation_3}”, so “{near_of}” also says what it "
                   "names")),
)
NAME_TECHNIQUES = frozenset(t.name for t in NAMING_TECHNIQUES[:4] + NEAR_NAME_TECHNIQUES)
# Questions that ask why something goes wrong: ways to find a cause, not meetings.
DIAGNOSIS_TECHNIQUES = _for(
    "diagnosis",
    ("5 whys", ("Take the most recent {bad} in {subject} and ask why five times, until you "
                "reach a cause you can change",
                "Run a five whys on the last {bad} in {subject} with the person who saw it "
                "first, and write each answer down")),
    ("timeline", ("Write a minute-by-minute timeline of the last {bad} in {subject}: what "
                  "changed, who noticed, and when",)),
    ("last good state", ("Find the last time {subject} worked well and list everything that "
                         "changed since then, newest first",)),
    ("compare runs", ("Put one good run and one bad run of {subject} side by side and list "
                      "every difference, however small",)),
    ("count the causes", ("Tag each {bad} in {subject} with its cause for two weeks, then "
                          "fix the largest group first",)),
    ("reproduce it", ("Make the {bad} in {subject} happen on purpose: a problem you can "
                      "repeat is half fixed",)),
    ("one change at a time", ("Change one thing at a time in {subject} and note what happens, "
                              "instead of trying several fixes at once",)),
    ("usual suspects", ("List the usual suspects for {bads} in {subject}: recent changes, "
                        "shared resources, timing and data, and rule each in or out",)),
    ("ask who saw it", ("Ask the people closest to {subject} when they first noticed the "
                        "{bads} and what changed around then",)),
    ("measure first", ("Count the {bads} in {subject} per day for two weeks before changing "
                       "anything, so you can tell whether a fix worked",)),
)
# People and occasions: gifts, lunches, parties, welcomes, farewells, offsites.
PEOPLE_TECHNIQUES = _for(
    "people",
    ("personal touch", ("Make {subject} personal: collect a one-line memory or thank-you from "
                        "each person and put them together",
                        "Add something only this team could give to {subject}, like a photo "
                        "from a shared moment or an inside joke")),
    ("experience over things", ("Choose an experience rather than an object for {subject}, "
                                "such as a class, a meal or a day out together",)),
    ("ask insiders", ("Ask the two people who know best what would please most for "
                      "{subject}, and keep the plan quiet until the day",)),
    ("everyone chips in", ("Let everyone chip in for {subject} through a private collection, "
                           "with no amounts shown, so nobody feels pressed",)),
    ("include everyone", ("Plan {subject} so that the quietest person and anyone working "
                          "remotely can take part as fully as the rest",)),
    ("theme", ("Give {subject} a theme tied to something the team did together this year",)),
    ("keep it small", ("Keep {subject} small enough that one person can arrange it in an "
                       "afternoon, and do that one thing well",)),
    ("crowdsource", ("Ask everyone for one suggestion for {subject} in a thread, then choose "
                     "by emoji vote within a day",)),
    ("timing", ("Pick the moment for {subject} before the idea: it lands best on a day when "
                "everyone can be there",)),
    ("change of place", ("Take {subject} somewhere new within walking distance, so the change "
                         "of place does half the work",)),
    ("words of thanks", ("Close {subject} with a few words of thanks from someone the team "
                         "respects, said in person",)),
)
# Writing: announcements, posts, e-mails, newsletters, talks.
WRITING_TECHNIQUES = _for(
    "writing",
    ("lead with the point", ("Open {subject} with the one thing readers must know or do, in a "
                             "single sentence before any background",)),
    ("one reader", ("Write {subject} for one named reader, then check it answers the first "
                    "question they would ask",)),
    ("FAQ", ("Add three questions and answers under {subject}: the ones people would "
             "otherwise ask in the thread",)),
    ("before and after", ("Tell {subject} as before, what changes, and after, in three short "
                          "paragraphs",)),
    ("shorten", ("Cut {subject} to five sentences, then add back only what a test reader says "
                 "is missing",)),
    ("headline", ("Give {subject} a headline that says what changes and when, the way a news "
                  "title would",)),
    ("test read", ("Ask one person from the audience to read a draft of {subject} and say "
                   "what they think it asks of them",)),
    ("right place", ("Decide where {subject} goes first, a thread, an e-mail or a meeting, and "
                     "shape it for that place",)),
    ("read it aloud", ("Read {subject} aloud once and rewrite any sentence you would not say to "
                       "a colleague's face",)),
    ("one ask", ("End {subject} with one clear ask and a date, and put nothing after it",)),
)
# Questions and topics in other languages: phrased around a quotation of the topic.
QUESTION_TECHNIQUES = _for(
    "question",
    ("obstacles first", ("For {subject}, list the three biggest obstacles first, then find "
                         "one way around each",
                         "Before settling {subject}, name what would stop each answer, and "
                         "keep the answers with the smallest obstacle")),
    ("silent brainstorm", ("For {subject}, have everyone write one answer alone for five "
                           "minutes before anyone discusses",
                           "Collect answers to {subject} in writing first, one per person, and "
                           "read them all before anyone argues")),
    ("10x thinking", ("For {subject}, describe the answer with no limits on time or money, "
                      "then find its cheapest slice",
                      "Ask what a ten times better answer to {subject} would look like, then "
                      "keep the part you can start on Monday")),
    ("pre-mortem", ("For {subject}, imagine the chosen answer failed six months later, list "
                    "why, and guard against the top reason",)),
    ("measure first", ("For {subject}, agree how you would know an answer worked before "
                       "choosing one",)),
    ("fresh eyes", ("For {subject}, ask someone outside the team how they would answer, and "
                    "note what surprises you",
                    "Show {subject} to the newest person on the team and write down their "
                    "first three answers")),
    ("smallest experiment", ("For {subject}, pick the cheapest answer you could try this week "
                             "and try it",
                             "Turn the best answer to {subject} into a one-week trial with a "
                             "clear rule for when to stop")),
    ("inversion", ("For {subject}, list the worst possible answers on purpose, then turn each "
                   "one around",)),
    ("ask those affected", ("For {subject}, ask the people most affected what a good answer "
                            "would change for them",)),
    ("constraint", ("For {subject}, allow only answers that take one person one day, and see "
                    "which survive",)),
)
ALL_TECHNIQUES = (TECHNIQUES + NAMING_TECHNIQUES + NEAR_NAME_TECHNIQUES + PEOPLE_TECHNIQUES
                  + WRITING_TECHNIQUES + QUESTION_TECHNIQUES + DIAGNOSIS_TECHNIQUES)

_TECHNIQUE_BY_KEY: dict[str, str] = {}


def _technique_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


for _t in ALL_TECHNIQUES:
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
FIELDS: tuple[tuple[str, str], ...] = (
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


# Phrasings that assume a recurring process; they make no sense for a one-off event.
RECURRING_MARKERS: tuple[str, ...] = (
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

_SUFFIX = re.compile(r"\s*\(([^()]{1,40})\)\s*[.!]?\s*$")


def without_technique(text: str) -> str:
    """The idea without its trailing ``(technique)`` label."""
    return _SUFFIX.sub("", text)


def normalise_idea(text: str) -> str:
    """Lower-case words only, with the trailing ``(technique)`` removed, for comparisons."""
    return normalise(without_technique(text))


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

