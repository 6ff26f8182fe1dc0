"""The append-only event log: JSON-lines segment files in ``events/``, the durable source of truth.

One line per accepted event, ``{"seq": N, ...the Segment event...}``, with ``seq`` strictly increasing
across segments. A segment is named after the first seq it holds (``seg-00000000000000000001.jsonl``)
and rolls once it exceeds ``segment_max_bytes``, so one person's events can later be rewritten out
of a single segment (erasure) without touching the rest.

Only the server's writer thread appends (one writer per workspace). Durability comes from here:
the API acknowledges only after :meth:`EventLog.append` returned, i.e. after ``fdatasync``. On start,
:meth:`EventLog.recover` cuts a torn last line (a crash mid-write; it was never acknowledged) and
moves it aside into a ``.torn`` file, so nothing is silently discarded.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import orjson

log = logging.getLogger(__name__)

_PREFIX = "seg-"
_SUFFIX = ".jsonl"


class LogPosition(NamedTuple):
    """Where one event's line lives: segment (its first seq), byte offset and length (no newline).
    A NamedTuple because one is built per event on the hot path."""

    segment: int
    offset: int
    length: int


def segment_path(directory: Path, first_seq: int) -> Path:
    return directory / f"{_PREFIX}{first_seq:020d}{_SUFFIX}"


def list_segments(directory: Path) -> list[tuple[int, Path]]:
    """Segments in seq order as (first_seq, path)."""
    found = []
    for path in directory.glob(f"{_PREFIX}*{_SUFFIX}"):
        digits = path.name[len(_PREFIX) : -len(_SUFFIX)]
        if digits.isdigit():
            found.append((int(digits), path))
    return sorted(found)


def complete_length(path: Path) -> int:
    """Bytes up to and including the last newline: what a concurrent reader may safely read."""
    size = path.stat().st_size
    with path.open("rb") as f:
        pos = size
        while pos > 0:
            step = min(65536, pos)
            f.seek(pos - step)
            chunk = f.read(step)
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                return pos - step + cut + 1
            pos -= step
    return 0


def read_lines(directory: Path, positions: list[LogPosition]) -> list[bytes]:
    """Stored lines at these positions (in the given order), opening each segment once."""
    found: dict[LogPosition, bytes] = {}
    by_segment: dict[int, list[LogPosition]] = {}
    for p in positions:
        by_segment.setdefault(p.segment, []).append(p)
    for segment, wanted in by_segment.items():
        fd = os.open(segment_path(directory, segment), os.O_RDONLY)
        try:
            for p in wanted:
                found[p] = os.pread(fd, p.length, p.offset)
        finally:
            os.close(fd)
    return [found[p] for p in positions]


def iter_lines(directory: Path, *, after_seq: int = 0) -> Iterator[tuple[int, LogPosition, bytes]]:
    """Yield (seq, position, line) for complete lines with seq > ``after_seq``, in order."""
    segments = list_segments(directory)
    start = 0
    for i, (first, _) in enumerate(segments):
        if first <= after_seq + 1:
            start = i
    for first, path in segments[start:]:
        with path.open("rb") as f:
            data = f.read(complete_length(path))
        offset = 0
        for line in data.split(b"\n")[:-1]:
            seq = int(orjson.loads(line)["seq"])
            if seq > after_seq:
                yield seq, LogPosition(first, offset, len(line)), line
            offset += len(line) + 1


class EventLog:
    """The single appender. Not thread-safe: the writer thread owns it."""

    def __init__(self, directory: Path, *, segment_max_bytes: int, fsync: bool) -> None:
        self.directory = directory
        self.segment_max_bytes = segment_max_bytes
        self.fsync = fsync
        self._fd: int | None = None
        self._segment = 0
        self._size = 0
        self.last_seq = 0

    def recover(self) -> int:
        """Open the newest segment for appending after cutting any torn tail; return the last seq."""
        self.directory.mkdir(parents=True, exist_ok=True)
        segments = list_segments(self.directory)
        if not segments:
            return 0
        first, path = segments[-1]
        good = complete_length(path)
        good = self._drop_unparsable_tail(path, good)
        size = path.stat().st_size
        if good < size:
            with path.open("rb") as f:
                f.seek(good)
                torn = f.read()
            aside = path.with_name(f"{path.name}.torn-{int(time.time() * 1000)}")
            aside.write_bytes(torn)
            os.truncate(path, good)
            log.warning("event log %s: moved a torn tail of %d bytes to %s", path.name, len(torn), aside.name)
        self.last_seq = self._last_seq(segments)
        self._open(first, path)
        return self.last_seq

    def _drop_unparsable_tail(self, path: Path, good: int) -> int:
        # A complete-looking last line that does not parse (e.g. zero-filled after power loss) was
        # never acknowledged either: step back line by line until one parses.
        with path.open("rb") as f:
            data = f.read(good)
        while data:
            cut = data.rfind(b"\n", 0, len(data) - 1) + 1
            try:
                orjson.loads(data[cut:-1])
                break
            except orjson.JSONDecodeError:
                data = data[:cut]
        return len(data)

    def _last_seq(self, segments: list[tuple[int, Path]]) -> int:
        for first, path in reversed(segments):
            data = path.read_bytes()
            if data:
                last = data[data.rfind(b"\n", 0, len(data) - 1) + 1 : -1]
                return int(orjson.loads(last)["seq"])
            if first > 1:
                return first - 1
        return 0

    def _open(self, first_seq: int, path: Path) -> None:
        if self._fd is not None:
            os.close(self._fd)
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._segment = first_seq
        self._size = os.fstat(self._fd).st_size
        if self.fsync:
            # Make the new file's directory entry durable too.
            dir_fd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def append(self, lines: list[bytes]) -> tuple[int, list[LogPosition]]:
        """Append events (serialised JSON objects, no seq yet) as one write, then fdatasync.

        Returns the first seq assigned and each line's position. Raises OSError if the write or the
        sync fails; the caller must then not acknowledge.
        """
        first_seq = self.last_seq + 1
        if self._fd is None or self._size >= self.segment_max_bytes:
            self._open(first_seq, segment_path(self.directory, first_seq))
        parts: list[bytes | memoryview] = []
        positions: list[LogPosition] = []
        offset = self._size
        segment = self._segment
        seq = first_seq
        for line in lines:
            head = b'\n{"seq":%d,' % seq  # each line starts with the newline ending the previous one
            parts.append(head)
            parts.append(memoryview(line)[1:])
            length = len(head) + len(line) - 2
            positions.append(LogPosition(segment, offset, length))
            offset += length + 1
            seq += 1
        parts.append(b"\n")
        payload = b"".join(parts)[1:]
        assert self._fd is not None
        written = os.write(self._fd, payload)
        while written < len(payload):  # pragma: no cover - short writes are rare on regular files
            written += os.write(self._fd, payload[written:])
        if self.fsync:
            os.fdatasync(self._fd)
        self._size = offset
        self.last_seq = first_seq + len(lines) - 1
        return first_seq, positions

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


_SEQ_PREFIX = b'{"seq":'


def line_seq(line: bytes) -> int:
    """The seq of a stored line, read from the ``{"seq":N,`` prefix :meth:`EventLog.append` writes."""
    if line.startswith(_SEQ_PREFIX):
        end = line.find(b",", len(_SEQ_PREFIX))
        if end > 0:
            return int(line[len(_SEQ_PREFIX) : end])
    return int(orjson.loads(line)["seq"])


class LogTail:
    """Follows the log from another process: each :meth:`read` returns the complete lines appended
    since the previous call (seq > ``after_seq``), crossing segment rolls.

    A group commit is one ``write``, which a reader may observe half done: only bytes up to the last
    newline are consumed; the rest is read next time. A newer segment exists only once the appender
    has finished with the older one, so the older one is drained once more before moving on.
    """

    def __init__(self, directory: Path, *, after_seq: int = 0, max_bytes: int = 4 << 20) -> None:
        self.directory = directory
        self.after_seq = after_seq
        self.max_bytes = max_bytes
        self._segment: int | None = None
        self._offset = 0
        self._listed_at = float("-inf")
        self.behind = False
        """Whether the last :meth:`read` stopped at ``max_bytes`` with more of the segment unread."""
        segments = list_segments(directory)
        for first, _ in segments:
            if first <= after_seq + 1 or self._segment is None:
                self._segment = first

    def read(self) -> list[tuple[int, LogPosition, bytes]]:
        while True:
            if self._segment is None:
                segments = list_segments(self.directory)
                if not segments:
                    return []
                self._segment = segments[0][0]
            found = self._read_segment(self._segment)
            if found is None:  # nothing new here: move on only if a newer segment exists
                newer = self._newer_segment()
                if newer is None:
                    return []
                found = self._read_segment(self._segment)
                if found is None:
                    self._segment, self._offset = newer, 0
                    continue
            lines = [row for row in found if row[0] > self.after_seq]
            if lines:
                self.after_seq = lines[-1][0]
                return lines

    def _newer_segment(self) -> int | None:
        """The segment after the current one. It is named after the next seq, so one ``stat`` finds
        it; a directory listing (other layouts, e.g. after recovery) runs at most once a second."""
        if segment_path(self.directory, self.after_seq + 1).exists():
            return self.after_seq + 1
        now = time.monotonic()
        if now - self._listed_at < 1.0:
            return None
        self._listed_at = now
        newer = [first for first, _ in list_segments(self.directory) if first > (self._segment or 0)]
        return newer[0] if newer else None

    def _read_segment(self, segment: int) -> list[tuple[int, LogPosition, bytes]] | None:
        """Complete lines past the current offset, or None when there are none yet."""
        try:
            fd = os.open(segment_path(self.directory, segment), os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            size = os.fstat(fd).st_size
            if size <= self._offset:
                self.behind = False
                return None
            data = os.pread(fd, min(size - self._offset, self.max_bytes), self._offset)
            self.behind = size - self._offset > self.max_bytes
        finally:
            os.close(fd)
        end = data.rfind(b"\n") + 1
        if end == 0:
            return None
        rows = []
        offset = self._offset
        for line in data[: end - 1].split(b"\n"):
            rows.append((line_seq(line), LogPosition(segment, offset, len(line)), line))
            offset += len(line) + 1
        self._offset = offset
        return rows
