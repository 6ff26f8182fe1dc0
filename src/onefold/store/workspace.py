"""The workspace folder and who owns which file in it.

::

    onefold-data/
      workspace.json     format version; written by `onefold init`
      secret.key         random key for hashing API keys (mode 0600); never leaves the folder
      state.sqlite       operational state, WAL: keys, dedup, quarantine, real-time identity, outboxes.
                         Shared: the server and any CLI command may open it at the same time.
      events/            append-only event log segments (JSONL, fsynced before the API acks).
                         Written only by the server process (one writer); read by `onefold build`.
      raw.duckdb         back-office rows landed by `onefold import`. Owned by the CLI command that
                         runs (import, build, quality); one at a time, the server never opens it.
      warehouse.duckdb   built by `onefold build` into a new file and swapped in by an atomic rename,
                         so readers (the server, `onefold sql`) open it read-only and never block a build.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from onefold.errors import WorkspaceError
from onefold.store.event_index import register_sql_functions
from onefold.store.sqlite import connect, transaction

FORMAT_VERSION = 1


@dataclass(frozen=True)
class WorkspacePaths:
    root: Path

    @property
    def meta(self) -> Path:
        return self.root / "workspace.json"

    @property
    def secret(self) -> Path:
        return self.root / "secret.key"

    @property
    def state_db(self) -> Path:
        return self.root / "state.sqlite"

    @property
    def events_dir(self) -> Path:
        return self.root / "events"

    @property
    def raw_db(self) -> Path:
        return self.root / "raw.duckdb"

    @property
    def warehouse_db(self) -> Path:
        return self.root / "warehouse.duckdb"

    def read_secret(self) -> bytes:
        return self.secret.read_bytes()


def init_workspace(root: str | Path) -> WorkspacePaths:
    """Create (or upgrade in place) a workspace. Idempotent: an existing workspace keeps its secret."""
    paths = WorkspacePaths(Path(root).resolve())
    paths.root.mkdir(parents=True, exist_ok=True)
    paths.events_dir.mkdir(exist_ok=True)
    if paths.meta.exists():
        _check_meta(paths)
    else:
        paths.meta.write_text(json.dumps({"format_version": FORMAT_VERSION}) + "\n")
    if not paths.secret.exists():
        fd = os.open(paths.secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
    conn = open_state(paths)
    conn.close()
    return paths


def open_workspace(root: str | Path) -> WorkspacePaths:
    """Return the paths of an initialised workspace, or explain how to create one."""
    paths = WorkspacePaths(Path(root).resolve())
    if not paths.meta.exists():
        raise WorkspaceError(
            f"{paths.root} is not a onefold workspace", remedy=f"run `onefold init --workspace {root}` first"
        )
    _check_meta(paths)
    return paths


def _check_meta(paths: WorkspacePaths) -> None:
    try:
        meta = json.loads(paths.meta.read_text())
        version = int(meta["format_version"])
    except (ValueError, KeyError, TypeError) as exc:
        raise WorkspaceError(f"{paths.meta} is unreadable: {exc}") from exc
    if version > FORMAT_VERSION:
        raise WorkspaceError(
            f"workspace format {version} is newer than this onefold understands ({FORMAT_VERSION})",
            remedy="upgrade onefold",
        )


def open_state(paths: WorkspacePaths, *, synchronous: str = "FULL", check_same_thread: bool = True) -> sqlite3.Connection:
    """Open state.sqlite and apply any pending migrations."""
    conn = connect(paths.state_db, synchronous=synchronous, check_same_thread=check_same_thread)
    register_sql_functions(conn)  # migrations compute with them (collect_0002: message keys)
    apply_migrations(conn)
    return conn


def _migration_files() -> list[tuple[str, str]]:
    """Migrations are `store/migrations/<area>_<NNNN>_<what>.sql`, applied in name order once each."""
    folder = resources.files("onefold.store") / "migrations"
    found = [(p.name, p.read_text()) for p in folder.iterdir() if p.name.endswith(".sql")]
    return sorted(found)


def apply_migrations(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    done = {r[0] for r in conn.execute("SELECT name FROM schema_migrations")}
    pending = [(n, sql) for n, sql in _migration_files() if n not in done]
    if not pending:
        return
    with transaction(conn):
        done = {r[0] for r in conn.execute("SELECT name FROM schema_migrations")}  # another process may have won
        for name, sql in pending:
            if name in done:
                continue
            for statement in _split_statements(sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations(name, applied_at) VALUES (?, datetime('now'))", (name,)
            )


def _split_statements(sql: str) -> list[str]:
    # Migration files are ours (package data), never user input; split on ';' at line ends.
    statements, current = [], []
    for line in sql.splitlines():
        current.append(line)
        if line.rstrip().endswith(";"):
            statements.append("\n".join(current))
            current = []
    tail = "\n".join(current).strip()
    if tail:
        statements.append(tail)
    return [s for s in statements if any(_is_code(line) for line in s.splitlines())]


def _is_code(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("--")
