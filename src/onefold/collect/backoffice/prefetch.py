"""Read the next batches on a background thread while DuckDB checks the current ones.

DuckDB pulls an Arrow stream from whichever of its threads is free, under a lock, so producing a
batch (parsing CSV, checking UTF-8) ran on one DuckDB thread while the other waited for the lock:
the reader was the serial part of the import. A producer thread keeps up to ``depth`` batches ready
instead; pyarrow releases the GIL while it parses, so both cores stay busy. Memory stays flat: at
most ``depth`` batches wait in the queue.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar, cast

T = TypeVar("T")

_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetched(items: Iterator[T], *, depth: int = 2) -> Iterator[T]:
    """Yield ``items`` in order, produced ahead on a daemon thread. An exception raised by
    ``items`` is re-raised here at the point it occurred; closing this generator early (the consumer
    failed) stops the producer at its next batch."""
    ready: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # handed to the consumer, which re-raises it in order
            put(_Failed(exc))
            return
        finally:
            close = getattr(items, "close", None)
            if close is not None:  # release the reader's file now, on the thread that used it
                close()
        put(_DONE)

    worker = threading.Thread(target=produce, name="onefold-import-reader", daemon=True)
    worker.start()
    try:
        while True:
            item = ready.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield cast(T, item)
    finally:
        stop.set()
        worker.join()
