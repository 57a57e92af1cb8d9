"""Accepted work shown in Slack: the Slack side of `bot.work`.

    brainstorm_chat.py  SlackBrainstormChat: a brainstorm's header and its ideas as replies
    draft_chat.py       SlackDraftChat: a draft's placeholder, streamed in, then its parts
    notice_chat.py      SlackNoticeChat: a decision's announcement, a reply in its thread
    private_draft_chat.py  SlackPrivateDraftChat: a draft only its asker sees ("Polish
                        this"), in ephemeral messages
    reminder_chat.py    SlackReminderChat: a decision's reminder, a DM to its owner
    board_chat.py       SlackBoardChat: an idea board, the channel's canvas (made, replaced)
    wiring.py           work_runners: each kind of work's run (`bot.work.runs`) wired to its
                        chat surface, on the Slack client of the workspace it was asked in
                        (InWorkspace); `bot.app` hands them to the worker

The runs decide what to do and when (`bot.work.runs`); these only post, edit and read
Slack, each message carrying metadata so that a resumed attempt finds what an earlier one
posted.
"""
