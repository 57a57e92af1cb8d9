"""Support for the tests and the benchmarks; not shipped (the wheel holds only bot,
handlers and storage).

    app.py          the real app served on loopback against the emulated Slack and an LLM
    processes.py    `idealoop serve` and other commands as real child processes
    databases.py    throw-away SQLite and PostgreSQL databases, migrated to head
    fake_openai.py  a fake OpenAI-compatible server, with scripted replies and faults
    socket_mode.py  Slack's Socket Mode side (the link host `apps.connections.open` leads
                    to) and a sender that delivers over it
    queries.py      read-only looks into the database that only tests need
    slow_clients.py idle, slow-loris and short-body connections held open (issue 21)
    waiting.py      waiting on conditions, never on sleeps

The emulated Slack itself lives in `bot.emulator` because `idealoop shell` ships it.
"""
