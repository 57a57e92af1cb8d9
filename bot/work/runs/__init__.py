"""Accepted work carried to its end, resumably: a brainstorm, a draft, a decision's
notice and reminder, a channel's idea board. Slack-free.

    brainstorm.py  BrainstormRunner: the header, each idea as the model finishes it
    draft.py       DraftRunner: the placeholder, the draft streamed in, its parts settled
    notice.py      NoticeRunner: a decision announced once in its item's thread
    once.py        DecisionPost: what notice and reminder share: one message about a
                   decision, posted once
    reminder.py    ReminderRunner: a decision's owner reminded once, by DM, on its date
    board.py       BoardRunner: a channel's idea board (a canvas) made, then edited when
                   what it shows changed, at most once a minute
    steps.py       what brainstorm and draft share: the first message, a final state
                   shown, a stop shown

A run is attempted until it is done or settled (`bot.work.worker` decides when to try
again); any attempt may be a resumption after a crash, so each step first looks at what
an earlier attempt did: the header or placeholder it posted (recorded, or found by the
metadata it was posted with), the ideas it saved, the ideas or draft parts already in
the thread. Before each message it posts or edits (while a draft streams in, at least
every `confirm_every` seconds), the run confirms it still holds the work (`Work.confirm`),
so a process that lost its lease stops instead of posting twice; a header or placeholder
it posted just as it lost the work is taken back.

The chat side — posting, editing, reading Slack — is a surface the handlers implement
(`bot.work.chat`: `BrainstormChat`, `DraftChat`): they raise `ChatUnavailable` for a
failure that may pass and `ChatRefused` for one that cannot, and the run decides: try
again later, tell the person, or settle. A final state that cannot be shown because
Slack is away is always tried again (RetryLater), also on the last attempt: that is what
keeps a placeholder from staying "Thinking…".

A person may stop the work (Slack's stop button on an agent session): the next
`Work.confirm` — or, in the process that got the stop, the next piece of a draft — raises
`Stopped`; the run posts nothing more, settles its header or placeholder saying who
stopped it (a draft keeps the text written so far, unsaved), and the work is over.
"""
