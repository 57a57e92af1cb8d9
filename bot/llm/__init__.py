"""Everything between idealoop and a language model, Slack-free.

    model.py           TextModel and Embedder (what idealoop asks of a model), their values
    choose.py          make_model, make_embedder: the one place that picks the implementation
    openai_model.py    any OpenAI-compatible server (imported only when configured); what
                       a server refused is left out from then on (OpenAIModel.adapted)
    families.py        a model's family by its name (reasoning, chat, local): family_of
    offline_model.py   the offline generator behind the same interface
    offline/           the offline generator itself: techniques, topics, generator
    prompts.py         the chat messages sent, with user text fenced as data
    idea_parsing.py    an LLM's answer turned into a list of ideas
    similarity.py      when two ideas are "the same idea" by their words
    meaning.py         ... and by their meaning: embeddings packed, compared by cosine
    thread_fitting.py  a Slack thread fitted into the prompt's token budget
"""
