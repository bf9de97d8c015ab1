"""Commands made of actions (`posapp keys`, `posapp journal`) typed without one, or with a
wrong one: a short reminder naming the actions, exit status 2, never the full help or a
traceback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest

from .conftest import Result

Posapp = Callable[..., Result]

ACTIONS = {
    "keys": ("import", "status", "delete", "set-pin", "reset-pin"),
    "journal": ("verify", "export"),
}


@pytest.mark.parametrize("command", sorted(ACTIONS))
def test_no_action_names_the_actions_in_one_line(posapp: Posapp, command: str) -> None:
    result = posapp(command)
    assert result.code == 2
    line = result.line  # exactly one line on stderr, no traceback
    assert line.startswith(f"posapp: {command} needs an action: ")
    for action in ACTIONS[command]:
        assert action in line
    assert line.endswith(f"(see posapp {command} --help)")
    assert "usage:" not in result.err and "options:" not in result.err  # not the whole help
    assert result.out == ""


@pytest.mark.parametrize("command", sorted(ACTIONS))
def test_a_wrong_action_is_one_line(posapp: Posapp, command: str) -> None:
    result = posapp(command, "frobnicate")
    assert result.code == 2
    assert "invalid choice: 'frobnicate'" in result.line
    for action in ACTIONS[command]:
        assert action in result.line


@pytest.mark.parametrize("command", sorted(ACTIONS))
def test_the_help_still_lists_every_action(posapp: Posapp, command: str) -> None:
    result = posapp(command, "--help")
    assert result.code == 0
    for action in ACTIONS[command]:
        assert action in result.out


def test_the_installed_entry_point_says_the_same(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Through `python -m posapp`, as a user types it: exit 2, one line, nothing else."""
    proc = subprocess.run(
        [sys.executable, "-m", "posapp", "--data-dir", str(tmp_path), "keys"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "posapp: keys needs an action: import, status, delete, set-pin or reset-pin "
        "(see posapp keys --help)"
    ]
