"""Process plumbing: how `idealoop serve` runs, not what it thinks.

    server.py         the HTTP server (POST /slack/events, GET /healthz) and Socket Mode
    jobs.py           the bounded pool that runs slow work off Slack's request threads
    signal_writer.py  the thread that stores reactions in batches
    scheduler.py      the minute tick that posts due digests and forgets old deliveries
"""
