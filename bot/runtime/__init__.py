"""Process plumbing: how `idealoop serve` runs, not what it thinks.

    server.py         the HTTP server (POST /slack/events, GET /healthz) and Socket Mode
    socket_mode.py    Socket Mode on a client that closes slack_sdk's connection races
    workspaces.py     the Web API client of each workspace (one bot token, or OAuth installs)
    slack_retries.py  which Web API calls the client may repeat, and when
    doctor.py         `idealoop doctor`: the deployment checked from outside
    slack_http.py     what a request must be before Bolt sees it: size, signature, shape
    jobs.py           the bounded pool that runs slow work off Slack's request threads
    signal_writer.py  the thread that commits reactions in groups, before they are acked
    worker.py         runs accepted work, renews its leases, takes over dead processes' work
    scheduler.py      the minute tick that posts due digests and forgets finished work
    oauth_states.py   the install's OAuth state, signed instead of stored until used
    logs.py           the log formatter: one line per record, request values escaped, clipped
"""
