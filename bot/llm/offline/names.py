"""Candidate names for the offline generator: built from the named thing's own words and
small curated lists of images, so two products rarely get the same name.

"our new analytics dashboard" gets plain names from its words ("Analytics Desk"), an image
chosen from the families its words suggest (analytics -> seeing: "Lens", "Vista"), a coined
word ("Analytiq") and a compound ("Vista Dashboard"). Which member of each list is used is
seeded from the thing's words, never from a shared counter, so the result is deterministic.

`near_names` answers "More like this" on a name: the same image ("Harbor" -> "Port",
"Anchor"), the same sound (the same first letter, or a rhyme) and variations ("Harborview").
"""

from __future__ import annotations

import hashlib
import re

# Image families: names that share one picture. Each family is a few short words.
IMAGES: dict[str, tuple[str, ...]] = {
    "harbour": ("Harbor", "Port", "Dock", "Anchor", "Lighthouse", "Mooring", "Quay"),
    "sight": ("Lens", "Scope", "Vista", "Prism", "Periscope", "Lookout"),
    "light": ("Beacon", "Lantern", "Lumen", "Spark", "Flare", "Glow"),
    "way": ("Compass", "Atlas", "Waypoint", "Sextant", "Northstar", "Trailhead"),
    "signal": ("Pulse", "Relay", "Signal", "Echo", "Chime", "Ping"),
    "weave": ("Loom", "Thread", "Stitch", "Weave", "Spindle"),
    "sky": ("Orbit", "Comet", "Zenith", "Nimbus", "Meteor"),
    "garden": ("Sprout", "Grove", "Trellis", "Bloom", "Seedling"),
    "shelf": ("Almanac", "Index", "Shelf", "Ledger", "Archive"),
    "hearth": ("Hearth", "Campfire", "Porch", "Commons", "Lobby"),
    "craft": ("Anvil", "Forge", "Workbench", "Chisel", "Kiln"),
    "flow": ("Current", "Rapids", "Channel", "Tide", "Spillway"),
}
# Which families a word of the named thing suggests.
_FAMILIES_FOR: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), families) for pattern, families in (
        (r"analytic|dashboard|metric|report|insight|stat|data|chart|monitor", ("sight", "signal")),
        (r"onboard|guide|help|welcome|hire|join|mentor", ("way", "hearth", "light")),
        (r"bot|assistant|alert|notif|chat|message|pager", ("signal", "light")),
        (r"deploy|release|ship|deliver|launch", ("harbour", "sky")),
        (r"pipeline|ci|build|queue|stream|sync|integration", ("flow", "craft")),
        (r"wiki|doc|knowledge|handbook|runbook|library|search", ("shelf", "way")),
        (r"tool|platform|kit|api|sdk|service|engine|cli", ("craft", "weave")),
        (r"team|community|social|event|space|office|channel", ("hearth", "garden")),
        (r"plan|roadmap|goal|okr|strategy|project", ("way", "sky")),
        (r"grow|learn|train|course|career", ("garden", "light")),
        (r"feedback|survey|review|idea|brainstorm", ("signal", "garden")),
    ))
PLAIN_ENDINGS = ("Hub", "Desk", "View", "Room", "Board", "Base", "Deck", "Works")
COINED_ENDINGS = ("ly", "io", "iq", "ify", "o", "a")
VARIATION_ENDINGS = ("view", "line", "works", "point")


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NOT_NAME_WORDS = _wordset("a an the our my your their its this new next team's company's "
                           "internal for of to and with some good better catchy fun short")


def seed_of(*words: str) -> int:
    """A stable number from words (never `hash()`, which is salted per process)."""
    digest = hashlib.sha256(" ".join(w.lower() for w in words).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def thing_words(thing: str) -> list[str]:
    """The named thing's own content words: "our new analytics dashboard" ->
    ["analytics", "dashboard"]."""
    return [w for w in re.findall(r"[A-Za-z]+", thing) if w.lower() not in _NOT_NAME_WORDS]


def _images_for(words: list[str]) -> list[str]:
    """Image words that suit the thing's words, most specific families first; every
    family when no word suggests one (then the seed alone picks)."""
    families: list[str] = []
    for word in words:
        for pattern, suggested in _FAMILIES_FOR:
            if pattern.match(word):
                families += [f for f in suggested if f not in families]
    names = [name for family in (families or list(IMAGES)) for name in IMAGES[family]]
    return names


def _coined(word: str, ending: str) -> str:
    stem = re.sub(r"[aeiouy]+$", "", word.lower()[:6]) or word.lower()[:4]
    if ending[0] in "aeiou" and stem[-1:] in "aeiou":
        stem = stem[:-1] or stem
    if stem[-1:] == ending[0]:  # "depl" + "ly" would be "Deplly"
        stem = stem[:-1] or stem
    return (stem + ending).capitalize()


def name_candidates(thing: str) -> dict[str, str]:
    """Two of each kind of candidate name for `thing`: name_plain, name_plain_2,
    name_metaphor, name_metaphor_2, name_coined, name_coined_2, name_compound,
    name_compound_2. All are seeded from the thing's own words."""
    words = thing_words(thing) or ["Project"]
    seed = seed_of(*words)
    head, first = words[-1], words[0]
    images = _images_for(words)
    picks = [images[(seed + k * 7) % len(images)] for k in range(len(images))]
    metaphors = list(dict.fromkeys(picks))
    m1, m2 = metaphors[0], metaphors[1 % len(metaphors)]
    ends = [PLAIN_ENDINGS[(seed >> 8) % len(PLAIN_ENDINGS)],
            PLAIN_ENDINGS[((seed >> 8) + 3) % len(PLAIN_ENDINGS)]]
    coined = [COINED_ENDINGS[(seed >> 16) % len(COINED_ENDINGS)],
              COINED_ENDINGS[((seed >> 16) + 1) % len(COINED_ENDINGS)]]
    return {
        "name_plain": f"{first.capitalize()} {ends[0]}",
        "name_plain_2": f"{head.capitalize()} {ends[1]}" if head != first
                        else f"The {head.capitalize()} {ends[1]}",
        "name_metaphor": m1,
        "name_metaphor_2": m2,
        "name_coined": _coined(first, coined[0]),
        "name_coined_2": _coined(head, coined[1]) if head != first
                         else _coined(head, coined[1]) + "s",
        "name_compound": f"{m2} {head.capitalize()}",
        "name_compound_2": f"{first.capitalize()}{m1.lower()}"
                           if first != head and len(first + m1) <= 12
                           else f"{first.capitalize()} {m1}",
    }


_RHYMES: tuple[tuple[str, ...], ...] = (
    ("Harbor", "Arbor", "Parlor"), ("Beacon", "Deacon"), ("Lens", "Wrens", "Pens"),
    ("Pulse", "Dulse"), ("Compass", "Rumpus"), ("Loom", "Bloom", "Room", "Plume"),
    ("Orbit", "Corbit"), ("Spark", "Lark", "Ark", "Park"), ("Echo", "Gecko"),
    ("Port", "Fort", "Court"), ("Dock", "Rock", "Clock"), ("Glow", "Flow", "Row"),
    ("Relay", "Bay", "Ray"), ("Prism", "Rhythm"), ("Atlas", "Gatlas"),
)


def near_names(name: str, thing: str) -> dict[str, str]:
    """Names near `name` for "More like this": near_image, near_image_2 (the same
    picture), near_sound, near_sound_2 (a rhyme or the same first letter) and
    near_variation, near_variation_2 ("Harbor Hub", "Harborview"), none equal to `name`."""
    word = (re.findall(r"[A-Za-z]+", name) or ["Project"])[0].capitalize()
    lowered = {w.lower() for w in re.findall(r"[A-Za-z]+", name)}
    seed = seed_of(name, thing)
    family = next((f for f in IMAGES.values() if any(n.lower() in lowered for n in f)), None)
    if family is None:  # an unknown word: its image is guessed from the thing, or all images
        family = tuple(_images_for(thing_words(thing)))
    same_image = [n for n in family if n.lower() not in lowered]
    same_image = same_image[seed % len(same_image):] + same_image[:seed % len(same_image)]
    every_image = [n for f in IMAGES.values() for n in f]
    rhymes = next((r for r in _RHYMES if word in r), ())
    sounds = [n for n in rhymes if n != word]
    sounds += [n for n in every_image if n[0] == word[0] and n != word and n not in sounds]
    # Alliteration with a plain word ("Harbor Hub"), then a coined echo ("Echoly").
    sounds += [f"{word} {e}" for e in PLAIN_ENDINGS if e[0] == word[0]]
    sounds += [_coined(word, e) for e in COINED_ENDINGS if _coined(word, e) != word][:2]
    head = (thing_words(thing) or ["Project"])[-1].capitalize()
    variations = [f"{word}{VARIATION_ENDINGS[seed % len(VARIATION_ENDINGS)]}",
                  f"{word} {PLAIN_ENDINGS[seed % len(PLAIN_ENDINGS)]}",
                  f"{word} {head}" if head.lower() not in lowered else f"{word} HQ"]
    return {
        "near_image": same_image[0], "near_image_2": same_image[1 % len(same_image)],
        "near_sound": sounds[0], "near_sound_2": sounds[1 % len(sounds)],
        "near_variation": variations[0], "near_variation_2": variations[1],
        "near_variation_3": variations[2], "near_of": word,
    }


_QUOTED_NAME = re.compile(r"[“\"]([^”\"]{1,40})[”\"]")


def name_in(idea: str) -> str | None:
    """The candidate name an idea proposes: `Call it “Harbor”: …` -> "Harbor"."""
    match = _QUOTED_NAME.search(idea)
    return match.group(1).strip() if match and re.search(r"[A-Za-z]", match.group(1)) else None
