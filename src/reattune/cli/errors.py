"""Turning library errors into what a person at a terminal reads (the only place that
does): a one-line message with code, file, line and what was expected; never a traceback
unless REATTUNE_DEBUG=1."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from reattune.errors import ReattuneError

EXIT_INPUT = 2
_EXTRAS = {
    name: "service"
    for name in (
        "fastapi",
        "starlette",
        "uvicorn",
        "sqlalchemy",
        "alembic",
        "psycopg",
        "argon2",
        "cryptography",
        "pyotp",
        "huey",
        "redis",
        "multipart",
        "python_multipart",
        "httpx",
    )
} | {"sklearn": "train", "scipy": "train"}
"""Top-level modules of the optional extras: a command that needs one says which extra to
install instead of failing with an internal error."""
EXIT_INTERNAL = 70

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def print_error(error: ReattuneError) -> None:
    err_console.print(f"[bold red]error[/] {error}", markup=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Catalogued errors → message + exit 2; anything else → short notice + exit 70."""
    try:
        yield
    except ReattuneError as exc:
        print_error(exc)
        raise typer.Exit(EXIT_INPUT) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except ModuleNotFoundError as exc:
        extra = _EXTRAS.get((exc.name or "").split(".")[0])
        if extra is None or os.environ.get("REATTUNE_DEBUG") == "1":
            _internal(exc)
        err_console.print(
            f"[bold red]error[/] this command needs the optional '{extra}' dependencies "
            f"(missing: {exc.name}); install them with: python3 -m pip install "
            + escape(f"'reattune[{extra}]'"),
        )
        raise typer.Exit(EXIT_INPUT) from None
    except BrokenPipeError:
        # The reader went away (``reattune … | head``): stop quietly, as Unix tools do, and
        # keep Python from complaining again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
        raise typer.Exit(0) from None
    except Exception as exc:
        _internal(exc)


def _internal(exc: Exception) -> NoReturn:
    """Anything uncatalogued: a short notice and exit 70 (the traceback with
    REATTUNE_DEBUG=1)."""
    if os.environ.get("REATTUNE_DEBUG") == "1":
        raise exc
    err_console.print(
        f"[bold red]internal error[/] {type(exc).__name__} — this is a bug in reattune; "
        "run again with REATTUNE_DEBUG=1 to see the details",
    )
    raise typer.Exit(EXIT_INTERNAL) from None


P = ParamSpec("P")
R = TypeVar("R")


def guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorator form of ``user_errors`` for command functions."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with user_errors():
            return fn(*args, **kwargs)

    return wrapper
