"""A command whose optional dependencies are missing says which extra to install."""

from __future__ import annotations

import pytest
import typer

from reattune.cli import errors


def test_a_missing_service_dependency_names_the_extra(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as exit_info, errors.user_errors():
        raise ModuleNotFoundError("No module named 'fastapi'", name="fastapi")
    assert exit_info.value.exit_code == errors.EXIT_INPUT
    err = capsys.readouterr().err
    assert "reattune[service]" in err and "fastapi" in err
    assert "internal error" not in err


def test_an_unknown_missing_module_is_still_a_bug(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as exit_info, errors.user_errors():
        raise ModuleNotFoundError("No module named 'nonsense'", name="nonsense")
    assert exit_info.value.exit_code == errors.EXIT_INTERNAL
    assert "internal error" in capsys.readouterr().err
