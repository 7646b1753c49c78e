"""Handing messages to the mail server over a few connections at once.

A mail server answers every step of a message (sender, recipient, data) before the next
goes out, so one connection spends most of its time waiting for the other side. The
``Outbox`` keeps ``PEILING_SMTP_CONNECTIONS`` connections of Django's mail backend open
and a thread for each: while one waits for the server's reply, another builds its next
message. It knows nothing of claims; ``peiling.panel.mailing`` decides what a result
means. The mail-queue apps for Django (django-mailer, django-celery-email) bring a queue of
their own; peiling's queue is its claims, and it needs only the connections: this class.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

from django.conf import settings
from django.core.mail import get_connection

__all__ = ["NotTried", "Outbox"]

T = TypeVar("T")


class NotTried(Exception):
    """The job was not started: an earlier one raised, or the caller stopped waiting."""


class Outbox:
    """Open connections to the mail server now (raising what opening raises, with none
    left open), run jobs over them, and close them on leaving the ``with`` block.

    A job gets a connection of its own for as long as it runs and must not touch the
    database: it runs in a thread of the outbox, and the caller records its result.
    """

    def __init__(self, *, most: int | None = None) -> None:
        size = max(1, int(getattr(settings, "PEILING_SMTP_CONNECTIONS", 1)))
        self._size = min(size, most) if most else size
        self._idle: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._opened: list[Any] = []
        self._pool: ThreadPoolExecutor | None = None
        self._stopped = threading.Event()

    def __enter__(self) -> Outbox:
        try:
            for _ in range(self._size):
                connection = get_connection()
                connection.open()
                self._opened.append(connection)
                self._idle.put(connection)
        except BaseException:
            self._close_connections()
            raise
        self._pool = ThreadPoolExecutor(self._size, thread_name_prefix="outbox")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._close_connections()

    def submit(self, jobs: Sequence[Callable[[Any], T]]) -> list[Future[T]]:
        """Start each job with a connection, in order, as many at once as there are
        connections. Once one raises, the jobs not yet started end in ``NotTried``."""
        assert self._pool is not None, "use the Outbox in a with block"
        self._stopped.clear()
        return [self._pool.submit(self._with_connection, job) for job in jobs]

    def wait(self, futures: Sequence[Future[T]]) -> None:
        """Return when every job has finished or ended untried (``tried`` tells). An
        exception in the waiting thread (a worker told to stop) starts no more jobs either,
        and is raised after the same wait."""
        try:
            wait(futures)
        finally:
            self._stopped.set()
            for future in futures:
                future.cancel()
            wait(futures)

    @staticmethod
    def tried(future: Future[T]) -> bool:
        """Whether the job of ``future`` was started (it may have raised since)."""
        return not future.cancelled() and not isinstance(future.exception(), NotTried)

    def _with_connection(self, job: Callable[[Any], T]) -> T:
        if self._stopped.is_set():
            raise NotTried
        connection = self._idle.get()
        try:
            return job(connection)
        except BaseException:
            self._stopped.set()
            raise
        finally:
            self._idle.put(connection)

    def _close_connections(self) -> None:
        for connection in self._opened:
            connection.close()
        self._opened.clear()
