"""The import's read-ahead thread: same items in the same order, errors where they happened,
a bounded look-ahead, and no thread left behind when the consumer stops early."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from onefold.collect.backoffice.prefetch import prefetched


def _reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "onefold-import-reader"]


def test_items_arrive_in_order_and_the_thread_ends() -> None:
    assert list(prefetched(iter(range(1000)), depth=3)) == list(range(1000))
    assert _reader_threads() == []


def test_an_error_is_raised_after_the_items_before_it() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("row 3 is broken")

    got: list[int] = []
    with pytest.raises(ValueError, match="row 3 is broken"):
        for item in prefetched(items()):
            got.append(item)
    assert got == [1, 2]
    assert _reader_threads() == []


def test_look_ahead_is_bounded_and_stopping_early_closes_the_source() -> None:
    produced: list[int] = []
    closed = threading.Event()

    def items() -> Iterator[int]:
        try:
            for i in range(100):
                produced.append(i)
                yield i
        finally:
            closed.set()

    stream = prefetched(items(), depth=2)
    assert next(stream) == 0
    stream.close()  # the consumer gave up (DuckDB failed mid-scan)
    assert closed.is_set()
    # One handed out, at most two queued, one more produced while waiting for room.
    assert len(produced) <= 4
    assert _reader_threads() == []
