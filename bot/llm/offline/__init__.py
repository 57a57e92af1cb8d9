"""The offline generator: brainstorms and draft skeletons with no LLM and no network.

`generator.py` applies the techniques (`techniques.py`, data) to a parsed topic
(`topics.py`); `model.py` puts it behind the same `TextModel` interface as a real LLM.
"""
