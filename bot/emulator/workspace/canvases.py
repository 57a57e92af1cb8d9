"""Channel canvases: one per channel, made with `conversations.canvases.create` and
changed with `canvases.edit` (`bot.emulator.methods.canvases` checks the arguments)."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from bot.emulator.workspace.core import Core, WorkspaceError
from bot.emulator.workspace.directory import Directory


class Canvases:
    def __init__(self, core: Core, directory: Directory) -> None:
        self._core = core
        self._directory = directory
        self.canvases: dict[str, dict[str, Any]] = {}  # canvas id -> its state
        self._ids = itertools.count(1)

    def create_channel_canvas(self, channel: str, title: str | None,
                              markdown: str | None) -> str:
        """A channel's canvas; `channel_canvas_already_exists` when it has one."""
        with self._core.lock:
            channel = self._directory.ensure_channel(channel)
            if any(c["channel"] == channel for c in self.canvases.values()):
                raise WorkspaceError("channel_canvas_already_exists", channel)
            canvas_id = f"F0CANVAS{next(self._ids):04d}"
            self.canvases[canvas_id] = {"id": canvas_id, "channel": channel, "title": title,
                                        "markdown": markdown or "", "edits": 0}
            info = self._directory.channels[channel]
            info.setdefault("properties", {})["canvas"] = {
                "file_id": canvas_id, "is_empty": not markdown}
        self._core.emit("canvas", self.canvas_of_id(canvas_id))
        return canvas_id

    def edit_canvas(self, canvas_id: str, operation: str, markdown: str | None) -> None:
        with self._core.lock:
            canvas = self.canvases.get(canvas_id)
            if canvas is None:
                raise WorkspaceError("canvas_not_found", canvas_id)
            if operation == "replace":
                canvas["markdown"] = markdown or ""
            elif operation == "insert_at_end":
                canvas["markdown"] += markdown or ""
            elif operation == "insert_at_start":
                canvas["markdown"] = (markdown or "") + canvas["markdown"]
            else:
                raise WorkspaceError("not_implemented", operation)
            canvas["edits"] += 1
        self._core.emit("canvas", self.canvas_of_id(canvas_id))

    def delete_canvas(self, canvas_id: str) -> None:
        """A person deletes a canvas (tests: a board whose canvas is gone)."""
        with self._core.lock:
            canvas = self.canvases.pop(canvas_id, None)
            if canvas is not None:
                self._directory.channels[canvas["channel"]].get("properties", {}).pop(
                    "canvas", None)

    def canvas_of_id(self, canvas_id: str) -> dict[str, Any]:
        with self._core.lock:
            return copy.deepcopy(self.canvases[canvas_id])

    def canvas_of(self, channel: str) -> dict[str, Any] | None:
        with self._core.lock:
            found = next((c for c in self.canvases.values() if c["channel"] == channel), None)
            return copy.deepcopy(found)
