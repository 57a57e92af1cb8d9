"""`python -m bench`: run every benchmark and print its figures."""

from __future__ import annotations

from bench import core_loop, drafts

if __name__ == "__main__":
    core_loop.main()
    drafts.main()
