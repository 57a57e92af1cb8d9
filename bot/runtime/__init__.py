"""Process plumbing: how `idealoop serve` runs, not what it thinks.

    server.py         the HTTP server (POST /slack/events, GET /healthz, GET /metrics)
    entry.py          the one way in for HTTP and Socket Mode: reactions' fast path, else
                      Bolt; every ack counted and timed here
    workers.py        `serve --workers N`: the worker processes beside it, supervised
    socket_mode.py    serve over Socket Mode, on a client that closes its threads' races
    slack_http.py     what a request must be before Bolt sees it: size, signature, shape
    slack_retries.py  which Web API calls the client itself may repeat, and when
    signal_writer.py  the thread that commits reactions in groups, before they are acked
    scheduler.py      the minute tick: due digests posted; reminders, lost announcements
                      and stale idea boards handed to work; finished work forgotten
    workspaces.py     each workspace's Web API client, for work done after Slack's answer
    oauth_states.py   the install's OAuth state, signed instead of stored until used
    doctor.py         `idealoop doctor`: a deployment checked from outside
    log_format.py     how a log line is written (text or JSON): one line per record,
                      request values escaped and clipped, no statement's values

The job pool and the worker that runs accepted work are in `bot.work`; which workspace,
channel and work a log line is about is in `bot.log_context`.
"""
