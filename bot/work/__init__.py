"""Durable work: what a `/brainstorm` or a draft promised Slack, kept until it is done.

A listener stores the work before Slack is answered (the queue), the job pool runs it
off Slack's request threads, the worker keeps its lease alive and takes over the work of
processes that died, and a run carries it to its end through a chat surface that
`handlers.work` implements for Slack. Slack-free: nothing here imports Slack or
`handlers/` (an import-linter contract in pyproject.toml keeps it so).

    queue.py     enqueue, claim, renew, confirm and end work, fenced by lease (over
                 storage.work); RetryLater, LeaseLost, Stopped; the Runner protocol
    owners.py    each process's name as a lease owner, and telling one that died here
    jobs.py      the bounded pool that runs slow work off Slack's request threads
    worker.py    runs accepted work, renews its leases, takes over dead processes' work
    backoff.py   the pause before trying again, doubling up to a ceiling (work, digests)
    chat.py      the chat surfaces runs talk to (BrainstormChat, DraftChat, ReminderChat,
                 NoticeChat, BoardChat protocols)
    runs/        the runs: a brainstorm, a draft, a decision's notice and reminder, an
                 idea board
"""
