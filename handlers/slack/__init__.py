"""What the surfaces share about Slack itself.

    blocks.py      Block Kit builders: plain values in, message payloads out
    shortcut_blocks.py  the message shortcuts' polished text, privately and in the thread
    mrkdwn.py      escaping LLM text so it cannot ping anyone; cutting it to fit a section
    canvas.py      an idea board as canvas markdown, every text in it inert
    streaming.py   a message that fills in while the LLM writes (throttled chat.update)
    lookups.py     people's names, message permalinks, what idealoop posted in a thread
    payloads.py    clicks and modal submissions read without trusting their shape
    answers.py     telling the person privately, answering after the ack, store-or-503
    api_errors.py  Slack Web API failures: retryable or not, said in words a person can act on
"""
