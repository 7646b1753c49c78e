"""``peiling.background.InBackground``: order, back pressure and errors."""

from __future__ import annotations

import threading

import pytest

from peiling.background import InBackground


def test_items_are_consumed_in_order_in_another_thread() -> None:
    seen: list[tuple[int, str]] = []
    with InBackground(lambda item: seen.append((item, threading.current_thread().name))) as work:
        for item in range(50):
            work.put(item)
    assert [item for item, _thread in seen] == list(range(50))
    assert {thread for _item, thread in seen} == {"peiling-background"}


def test_the_first_error_is_raised_in_the_caller_and_later_items_are_dropped() -> None:
    seen: list[int] = []

    def consume(item: int) -> None:
        if item == 3:
            raise ValueError("item 3 is broken")
        seen.append(item)

    with pytest.raises(ValueError, match="item 3 is broken"), InBackground(consume) as work:
        for item in range(10):
            work.put(item)
    assert seen == [0, 1, 2]


def test_an_error_of_the_block_itself_wins() -> None:
    def consume(item: int) -> None:
        raise ValueError("consumer")

    with pytest.raises(KeyError), InBackground(consume) as work:
        work.put(1)
        raise KeyError("block")
