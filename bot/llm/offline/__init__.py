"""The offline generator: brainstorms and draft skeletons with no LLM and no network.

`generator.py` applies the ideation techniques (`techniques.py`, data) to a parsed topic
(`topics.py`). `bot.llm.offline_model` puts it behind the `TextModel` interface.
"""
