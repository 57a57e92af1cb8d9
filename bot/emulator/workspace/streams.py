"""Which messages Slack is streaming now, and for how long it lets them stream."""

from __future__ import annotations

from bot.emulator.workspace.core import STREAM_LIFETIME, Core


class Streams:
    """When each message being streamed was started, by (channel, ts).

    Kept out of the messages themselves, which Slack's reads show without it. Knows
    nothing of messages, so the message store can end a stream (on delete) and the agent
    surface can start and stop them without the two depending on each other.
    """

    def __init__(self, core: Core) -> None:
        self._core = core
        self.lifetime = STREAM_LIFETIME
        #: Whether `chat.startStream` is refused, as in a workspace without AI streaming.
        self.refused = False
        self._started: dict[tuple[str, str], float] = {}

    def start(self, channel: str, ts: str) -> None:
        """The message enters its streaming state now (by the workspace's clock)."""
        with self._core.lock:
            self._started[(channel, ts)] = self._core.clock()

    def end(self, channel: str, ts: str) -> None:
        """The message streams no more (stopped, or deleted); a no-op if it was not."""
        with self._core.lock:
            self._started.pop((channel, ts), None)

    def is_streaming(self, channel: str, ts: str) -> bool:
        """Whether the message is in its streaming state now (started, neither stopped
        nor older than `lifetime`)."""
        with self._core.lock:
            started = self._started.get((channel, ts))
            if started is not None and self._core.clock() - started > self.lifetime:
                del self._started[(channel, ts)]  # expired: Slack ends it on its own
                return False
            return started is not None

    def streaming_messages(self) -> list[tuple[str, str]]:
        """(channel, ts) of every message still streaming: what a test expects to be none
        once the app has settled its work."""
        with self._core.lock:
            return [key for key in list(self._started) if self.is_streaming(*key)]
