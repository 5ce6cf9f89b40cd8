"""The total time one HTTP request may take (harvester.http), kept by a watchdog thread."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import httpx


class Deadline:
    """The total time one request may take, enforced by a watchdog.

    httpx's timeouts limit each socket read, not the response: a server sending one byte
    every few seconds never trips them. The watchdog shuts the request's socket down when
    the time is up, which wakes a blocked read at once; ``passed()`` between chunks catches
    a steady drip without waiting for the watchdog. The socket comes from httpcore's trace
    (a new connection) or the response (a reused one, whose wait for the headers httpx's
    read timeout, capped at the total, already bounds).
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def trace(self, event: str, info: dict[str, object]) -> None:
        if event.endswith("connect_tcp.complete"):
            self._arm(info.get("return_value"))

    def watch(self, response: httpx.Response) -> None:
        self._arm(response.extensions.get("network_stream"))

    def passed(self) -> bool:
        if time.monotonic() >= self._ends:
            self.expired = True
        return self.expired

    @property
    def reason(self) -> str:
        """The report line of a request that ran out of time."""
        return f"timed out (no complete answer in {self.seconds:g} s)"

    def _arm(self, stream: object) -> None:
        get_extra_info = getattr(stream, "get_extra_info", None)
        found = get_extra_info("socket") if get_extra_info is not None else None
        if not isinstance(found, socket.socket):
            return
        with self._lock:
            self._socket = found
            if self.expired:
                _shut_down(found)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            if self._socket is not None:
                _shut_down(self._socket)


def _shut_down(sock: socket.socket) -> None:
    """Wake any read blocked on ``sock`` (close() alone would not); the pool drops it."""
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


__all__ = ["Deadline"]
