"""Ideas compared by meaning: stored vectors and the closeness rule."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.llm.meaning import SameMeaning, cosine, pack, unpack


def test_vectors_are_kept_at_unit_length_so_closeness_is_a_cosine() -> None:
    assert list(unpack(pack([3.0, 4.0]))) == pytest.approx([0.6, 0.8])
    assert cosine(pack([1.0, 0.0]), pack([5.0, 0.0])) == pytest.approx(1.0)
    assert cosine(pack([1.0, 0.0]), pack([0.0, 2.0])) == pytest.approx(0.0)
    assert cosine(pack([1.0, 0.0]), pack([1.0, 0.0, 0.0])) == 0.0  # other models: unrelated
    assert list(unpack(pack([0.0, 0.0]))) == [0.0, 0.0]  # an empty text's zero vector


def test_a_candidate_matches_when_its_closest_held_vector_reaches_the_threshold() -> None:
    held = SameMeaning([pack([1.0, 0.0]), pack([0.0, 1.0])], threshold=0.9)
    assert held.closest(pack([1.0, 0.1])) == pytest.approx(0.995, abs=1e-3)
    assert held.matches(pack([1.0, 0.1]))
    assert not held.matches(pack([1.0, 1.0]))  # 0.707 from both
    assert not SameMeaning([], threshold=0.9).matches(pack([1.0, 0.0]))


def test_vectors_of_another_size_are_refused_not_compared() -> None:
    with pytest.raises(ValueError, match="different sizes"):
        SameMeaning([pack([1.0, 0.0]), pack([1.0, 0.0, 0.0])], threshold=0.9)
    with pytest.raises(ValueError, match="another size"):
        SameMeaning([pack([1.0, 0.0])], threshold=0.9).matches(pack([1.0, 0.0, 0.0]))


def test_numpy_is_loaded_only_where_an_embeddings_model_is_set() -> None:
    """The offline emulator and plain `serve` start without paying for it."""
    code = ("import sys; import bot.app, bot.ideas, bot.rejections, bot.cli; "
            "sys.exit('numpy' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
