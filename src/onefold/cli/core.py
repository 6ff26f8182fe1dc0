"""Workspace and key management: `init`, `keys create|list|revoke`, `config show`."""

from __future__ import annotations

import typer
from rich.table import Table

from onefold.cli._common import WorkspaceOpt, err, out, print_json
from onefold.config import load_settings
from onefold.govern import keys as keyring
from onefold.store.workspace import init_workspace, open_state, open_workspace

keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
config_app = typer.Typer(help="Show resolved settings.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(keys_app, name="keys")
    app.add_typer(config_app, name="config")


def init(workspace: WorkspaceOpt) -> None:
    """Create a workspace folder (idempotent)."""
    paths = init_workspace(workspace)
    err.print(f"workspace ready at {paths.root}")


@keys_app.command("create")
def keys_create(
    workspace: WorkspaceOpt,
    role: str = typer.Option(..., help="writer (send events), reader (read), or admin (everything)."),
    name: str = typer.Option(..., help="What the key is for, e.g. 'web site'."),
) -> None:
    """Create a key. The secret is printed once, alone on the last line of stdout."""
    paths = open_workspace(workspace)
    conn = open_state(paths)
    try:
        record, plaintext = keyring.create_key(conn, paths.read_secret(), role=role, name=name)
    finally:
        conn.close()
    err.print(f"created {record.role} key {record.id} ({record.name}); store the secret now, it is not shown again:")
    out.print(plaintext, markup=False)


@keys_app.command("list")
def keys_list(workspace: WorkspaceOpt, as_json: bool = typer.Option(False, "--json")) -> None:
    """List keys (never their secrets)."""
    paths = open_workspace(workspace)
    conn = open_state(paths)
    try:
        records = keyring.list_keys(conn)
    finally:
        conn.close()
    if as_json:
        print_json([_key_dict(r) for r in records])
        return
    table = Table("id", "name", "role", "prefix", "created", "revoked")
    for r in records:
        table.add_row(r.id, r.name, r.role, r.prefix + "…", r.created_at, r.revoked_at or "")
    out.print(table)


def _key_dict(r: keyring.ApiKey) -> dict[str, object]:
    return {k: getattr(r, k) for k in ("id", "name", "role", "prefix", "created_at", "revoked_at")}


@keys_app.command("revoke")
def keys_revoke(workspace: WorkspaceOpt, key_id: str = typer.Argument(..., help="Key id from `keys list`.")) -> None:
    """Revoke a key; the running server refuses it within a second."""
    paths = open_workspace(workspace)
    conn = open_state(paths)
    try:
        record = keyring.revoke_key(conn, key_id)
    finally:
        conn.close()
    err.print(f"revoked {record.id} ({record.name})")


@config_app.command("show")
def config_show(workspace: WorkspaceOpt) -> None:
    """Print every setting with its value and description."""
    settings = load_settings(workspace)
    table = Table("setting", "value", "description")
    for section_name, section in settings:
        if hasattr(section, "model_fields"):
            for field_name, info in type(section).model_fields.items():
                table.add_row(f"{section_name}.{field_name}", repr(getattr(section, field_name)), info.description or "")
        else:
            info = type(settings).model_fields[section_name]
            table.add_row(section_name, str(section), info.description or "")
    out.print(table)
