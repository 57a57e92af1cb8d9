"""Support for the tests and the benchmarks; not shipped (the wheel holds only bot,
handlers and storage).

    app.py          the real app served on loopback against the emulated Slack and an LLM
    processes.py    `idealoop serve` and other commands as real child processes
    databases.py    throw-away SQLite and PostgreSQL databases, migrated to head
    fake_openai/    a fake OpenAI-compatible server, with scripted replies and faults
    socket_mode.py  Slack's Socket Mode side (the link host `apps.connections.open` leads
                    to) and a sender that delivers over it
    queries.py      read-only looks into the database that only tests need
    slow_clients.py idle, slow-loris and short-body connections held open (issue 21)
    waiting.py      waiting on conditions, never on sleeps
    metrics.py      a `/metrics` scrape read as Prometheus reads it
    clocks.py       a clock a test moves on by hand
    delivery.py     Slack's side of an ack: each request re-delivered until answered 200
    strict_slack.py every test fails on a call the emulated Slack would refuse
    faults.py       fault scenarios on real processes (kill -9, a database stopped)
    pg_cluster.py   a throw-away PostgreSQL cluster a fault test may stop and start
    idea_pairs.py   measures of the "same idea" rule on labelled pairs
    learning.py     a simulated team with hidden tastes, judging brainstorms
    code_shape.py   the size of each class in a package (the god-object tests)

The emulated Slack itself lives in `bot.emulator` because `idealoop shell` ships it.
"""
