"""``reattune serve``, ``reattune worker``, ``reattune keys rotate``, ``reattune audit
verify`` and ``reattune admin create``: thin commands over :mod:`reattune.service`. The
service's dependencies are imported only when one of these runs (the ``service`` extra)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from reattune.cli.errors import guarded
from reattune.errors import AuditChainError, SettingsError

if TYPE_CHECKING:
    from reattune.service.core import Context

console = Console(highlight=False)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Folder for the database and key files (default: the user's data folder, "
        "or $REATTUNE_DATA_DIR).",
    ),
]

keys_app = typer.Typer(help="Key-encryption keys.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
admin_app = typer.Typer(help="Administrator accounts.", no_args_is_help=True)


def _context(data_dir: Path | None) -> Context:
    try:
        from reattune.service.config import ServerConfig
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise SettingsError(
            "the service is not installed", expected="pip install 'reattune[service]'"
        ) from exc
    from reattune.service.core import Context

    return Context(ServerConfig.from_env(data_dir))


@guarded
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    data_dir: DataDir = None,
    workers: Annotated[int, typer.Option(help="Background job threads in this process.")] = 1,
) -> None:
    """Run the service (the API under /api/v1) with its background jobs."""
    import uvicorn

    from reattune.api.app import create_app
    from reattune.service.jobs import Jobs

    ctx = _context(data_dir)
    jobs = Jobs(ctx)
    app = create_app(ctx, enqueue=jobs.enqueue)
    if workers > 0:
        jobs.start(workers)
    where = "PostgreSQL" if ctx.config.database_url else str(ctx.config.data_dir)
    console.print(f"reattune serving on http://{host}:{port}/api/v1 (data: {where})")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        jobs.stop()
        ctx.close()


@guarded
def worker_command(
    data_dir: DataDir = None,
    workers: Annotated[int, typer.Option(help="Job threads.")] = 1,
) -> None:
    """Run background jobs alone (when `reattune serve --workers 0` runs elsewhere)."""
    from reattune.service.jobs import Jobs

    ctx = _context(data_dir)
    Jobs(ctx).run_forever(workers)


@keys_app.command("rotate")
@guarded
def rotate_command(data_dir: DataDir = None) -> None:
    """Add a new key-encryption key and rewrap every data key under it (no downtime). With
    REATTUNE_KEK, put the new key first in it instead; this rewraps under that key."""
    from reattune.service.keys import rotate

    ctx = _context(data_dir)
    result = rotate(ctx, new_key=not os.environ.get("REATTUNE_KEK"))
    console.print(f"rewrapped {result.rewrapped} data key(s) under key {result.key_id}")


@audit_app.command("verify")
@guarded
def verify_command(data_dir: DataDir = None) -> None:
    """Check the audit chain: reports edited, deleted, inserted or reordered rows."""
    ctx = _context(data_dir)
    with ctx.transaction() as db:
        count, problems = ctx.audit.verify(db)
    if problems:
        for p in problems[:50]:
            console.print(f"[red]{p}[/]")
        raise AuditChainError(f"{len(problems)} problem(s) in {count} audit row(s)")
    console.print(f"audit trail intact: {count} row(s)")


@admin_app.command("create")
@guarded
def admin_create_command(
    username: Annotated[str, typer.Argument(help="The administrator's username.")],
    data_dir: DataDir = None,
) -> None:
    """Create an administrator (asks for the password; prints the TOTP URI once)."""
    from reattune.service import accounts
    from reattune.service.core import Role

    ctx = _context(data_dir)
    password = os.environ.get("REATTUNE_ADMIN_PASSWORD") or typer.prompt(
        "password", hide_input=True, confirmation_prompt=True
    )
    with ctx.transaction() as db:
        done = accounts.register(ctx, db, username=username, password=password, role=Role.ADMIN)
    console.print(f"created administrator {done.user.username}")
    console.print(f"add to an authenticator app: {done.totp_uri}")
