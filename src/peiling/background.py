"""``InBackground``: hand work to a second thread while this one prepares the next piece.

For pipelines whose stages let go of the GIL: the database driver waits on its socket while
pyarrow parses the previous batch; zlib compresses one chunk of a workbook while Python builds
the next one's XML. Pure Python, no Django; the second thread never touches the database.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Generic, TypeVar

__all__ = ["InBackground"]

Item = TypeVar("Item")
_DONE = object()


class InBackground(Generic[Item]):
    """Call ``consume(item)`` in a second thread for every ``put(item)``, in order.

    At most ``depth`` items wait. Leaving the ``with`` block waits for the thread; the first
    exception ``consume`` raised is raised there (items after it are dropped), unless the
    block itself raised.
    """

    def __init__(self, consume: Callable[[Item], object], depth: int = 2) -> None:
        self._consume = consume
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="peiling-background",
                                        daemon=True)  # fmt: skip

    def __enter__(self) -> InBackground[Item]:
        self._thread.start()
        return self

    def put(self, item: Item) -> None:
        if self._error is None:
            self._queue.put(item)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:  # fmt: skip
        self._queue.put(_DONE)
        self._thread.join()
        if self._error is not None and kind is None:
            raise self._error

    def _run(self) -> None:
        while (item := self._queue.get()) is not _DONE:
            if self._error is None:
                try:
                    self._consume(item)  # type: ignore[arg-type]
                except BaseException as error:  # raised again in the calling thread
                    self._error = error
