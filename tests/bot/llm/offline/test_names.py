"""Names for a naming topic come from the product's own words and small image lists, and
"More like this" on a name proposes names near it."""

from __future__ import annotations

import pytest

from bot.llm.offline.generator import OfflineGenerator
from bot.llm.offline.names import IMAGES, name_candidates, name_in, near_names
from bot.llm.offline.techniques import NAME_TECHNIQUES, technique_of

PRODUCTS = (
    "a name for our new analytics dashboard",
    "a name for our internal deploy tool",
    "a name for the onboarding bot",
    "a name for our design system",
    "a name for the customer support inbox",
    "a name for our hackathon",
    "a name for the incident runbook wiki",
    "a name for our data pipeline",
)
HARBOR = "Call our new analytics dashboard “Harbor”, a short image of what it does (metaphor)"


def _names(topic: str, count: int = 10, **kwargs: object) -> list[str]:
    ideas = OfflineGenerator().ideas(topic, count, **kwargs)  # type: ignore[arg-type]
    return [name for idea in ideas if (name := name_in(idea)) is not None]


def test_canned_names_are_not_repeated_across_products() -> None:
    seen: dict[str, str] = {}
    for topic in PRODUCTS:
        for name in _names(topic):
            assert name not in seen, f"{name!r} for both {seen.get(name)!r} and {topic!r}"
            seen[name] = topic


def test_the_issues_canned_names_do_not_come_back_for_every_product() -> None:
    canned = {"Harbor", "Beacon Tool", "Dashbio", "Toolio"}
    for topic in PRODUCTS:
        assert not canned & set(_names(topic)), topic


def test_names_are_built_from_the_products_own_words() -> None:
    names = name_candidates("our new analytics dashboard")
    assert any("Analytic" in n or "Dashboard" in n for n in names.values()), names
    assert names["name_metaphor"] in {n for f in ("sight", "signal") for n in IMAGES[f]}


def test_names_are_deterministic() -> None:
    assert _names(PRODUCTS[0]) == _names(PRODUCTS[0])


def test_more_like_this_on_a_name_gives_names_near_it() -> None:
    near = near_names("Harbor", "our new analytics dashboard")
    assert near["near_image"] in IMAGES["harbour"] and near["near_image"] != "Harbor"
    assert near["near_variation"].startswith("Harbor")
    sound = near["near_sound"]
    assert sound[0] == "H" or sound.endswith(("or", "er")), sound

    ideas = OfflineGenerator().ideas("a name for our new analytics dashboard", 5,
                                     near=HARBOR, favour=[HARBOR, HARBOR], proposed=[HARBOR])
    assert len(ideas) == 5
    assert all(technique_of(idea) in NAME_TECHNIQUES for idea in ideas), ideas
    assert [technique_of(i) for i in ideas[:3]] == ["same image", "variation", "same sound"] \
        or {technique_of(i) for i in ideas[:3]} == {"same image", "same sound", "variation"}
    assert not any("Shortlist" in idea or "vote" in idea for idea in ideas), ideas


@pytest.mark.parametrize("name", ["Harbor", "Lens", "Analytics Hub", "Zorblex"])
def test_near_names_never_repeat_the_name_asked_about(name: str) -> None:
    near = near_names(name, "our new analytics dashboard")
    values = [v for k, v in near.items() if k != "near_of"]
    assert name not in values and all(values), near
