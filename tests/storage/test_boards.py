"""Idea boards on SQLite and PostgreSQL (`storage.boards`): one per channel, claimed once,
its canvas and what it shows recorded, a refusal kept until someone asks again, scoped
by workspace."""

from __future__ import annotations

from storage.stores import Stores


def test_a_channel_has_one_board_claimed_once(stores: Stores) -> None:
    board, created = stores.boards.claim("C1", "U1")
    again, created_again = stores.boards.claim("C1", "U2")
    assert created and not created_again
    assert again.id == board.id and again.created_by == "U1" and again.canvas_id is None
    assert [b.channel for b in stores.boards.every_board()] == ["C1"]


def test_what_a_board_shows_is_recorded_and_a_lost_canvas_forgotten(stores: Stores) -> None:
    stores.boards.claim("C1", "U1")
    assert stores.boards.shown_now("C1", canvas_id="F1", shown="abc")
    board = stores.boards.get("C1")
    assert board is not None and (board.canvas_id, board.shown) == ("F1", "abc")
    assert board.edited_at is not None
    assert stores.boards.lost("C1")
    board = stores.boards.get("C1")
    assert board is not None and (board.canvas_id, board.shown) == (None, None)


def test_a_refused_board_is_left_until_asked_again(stores: Stores) -> None:
    stores.boards.claim("C1", "U1")
    assert stores.boards.refused("C1", "channel_canvas_already_exists")
    board = stores.boards.get("C1")
    assert board is not None and board.refused == "channel_canvas_already_exists"
    assert stores.boards.every_board() == []
    assert stores.boards.asked_again("C1")
    assert [b.channel for b in stores.boards.every_board()] == ["C1"]


def test_boards_are_scoped_by_workspace(stores: Stores) -> None:
    stores.boards.claim("C1", "U1")
    other = stores.for_team("T2")
    assert other.boards.get("C1") is None
    board, created = other.boards.claim("C1", "U9")
    assert created and board.team == "T2"
    assert not other.boards.shown_now("C2", canvas_id="F1", shown="x")
    assert len(stores.boards.every_board()) == 2  # the tick serves every workspace


def test_a_create_sent_is_marked_until_refused_or_recorded(stores: Stores) -> None:
    stores.boards.claim("C1", "U1")
    assert stores.boards.create_sent("C1")
    board = stores.boards.get("C1")
    assert board is not None and board.canvas_id is None and board.edited_at is not None
    assert stores.boards.refused("C1", "channel_canvas_already_exists")
    board = stores.boards.get("C1")
    assert board is not None and board.edited_at is None  # a person's canvas: not taken
    assert stores.boards.shown_now("C1", canvas_id="F1", shown="abc")
    assert not stores.boards.create_sent("C1")  # a board with a canvas makes no other
    assert stores.boards.lost("C1")
    board = stores.boards.get("C1")
    assert board is not None and board.edited_at is None
