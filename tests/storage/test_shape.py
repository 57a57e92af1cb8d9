"""No repository grows back into a god object: every class in storage/ stays small enough
to read in one sitting, so a new statement goes to the repository of its concept."""

from __future__ import annotations

from pathlib import Path

import storage
from testkit.code_shape import class_lengths

MAX_CLASS_LINES = 300
STORAGE = Path(storage.__file__).parent


def test_no_class_in_storage_is_over_300_lines() -> None:
    lengths = class_lengths(STORAGE, skip=("migrations",))
    assert "stores.Stores" in lengths and "work.WorkStore" in lengths  # it finds them
    too_long = {name: lines for name, lines in lengths.items() if lines > MAX_CLASS_LINES}
    assert not too_long, f"split these by concept: {too_long}"


def test_the_old_god_object_is_gone() -> None:
    assert not (STORAGE / "repository.py").exists()
