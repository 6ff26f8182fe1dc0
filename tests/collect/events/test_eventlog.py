"""The event log: seq numbering, segment rolling, torn-tail recovery, reading back."""

from __future__ import annotations

from pathlib import Path

import orjson

from onefold.store.eventlog import EventLog, iter_lines, list_segments, read_lines


def _lines(n: int, start: int = 0) -> list[bytes]:
    return [orjson.dumps({"type": "track", "messageId": f"m{start + i}", "pad": "x" * 50}) for i in range(n)]


def test_append_rolls_segments_and_reads_back(tmp_path: Path) -> None:
    log = EventLog(tmp_path, segment_max_bytes=500, fsync=True)
    assert log.recover() == 0
    first, positions = log.append(_lines(5))
    assert first == 1
    first2, _ = log.append(_lines(5, 5))
    assert first2 == 6
    log.close()
    assert [s for s, _ in list_segments(tmp_path)] == [1, 6]  # rolled once the first passed 500 bytes
    back = read_lines(tmp_path, [positions[2], positions[0]])
    assert [orjson.loads(line)["messageId"] for line in back] == ["m2", "m0"]
    got = list(iter_lines(tmp_path, after_seq=3))
    assert [seq for seq, _, _ in got] == [4, 5, 6, 7, 8, 9, 10]
    assert all(orjson.loads(line)["seq"] == seq for seq, _, line in got)


def _crashed_log(tmp_path: Path, n: int, tail: bytes) -> Path:
    """A one-segment log of ``n`` events whose writer died leaving ``tail`` behind."""
    log = EventLog(tmp_path, segment_max_bytes=1 << 20, fsync=False)
    log.recover()
    log.append(_lines(n))
    log.close()
    (_, path), = list_segments(tmp_path)
    with path.open("ab") as f:
        f.write(tail)
    return path


def test_recover_moves_torn_tail_aside_and_continues_numbering(tmp_path: Path) -> None:
    path = _crashed_log(tmp_path, 3, b'{"seq":4,"type":"tr')  # crash mid-write
    reopened = EventLog(tmp_path, segment_max_bytes=1 << 20, fsync=False)
    assert reopened.recover() == 3
    assert path.read_bytes().endswith(b"\n")
    (aside,) = tmp_path.glob("*.torn-*")
    assert aside.read_bytes() == b'{"seq":4,"type":"tr'
    assert reopened.append(_lines(1, 3))[0] == 4
    reopened.close()
    assert [seq for seq, _, _ in iter_lines(tmp_path)] == [1, 2, 3, 4]


def test_recover_drops_an_unparsable_complete_last_line(tmp_path: Path) -> None:
    _crashed_log(tmp_path, 2, b"\x00\x00\x00\n")  # zero-filled block after power loss
    assert EventLog(tmp_path, segment_max_bytes=1 << 20, fsync=False).recover() == 2
    assert len(list(iter_lines(tmp_path))) == 2
