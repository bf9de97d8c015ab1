"""The README's first hour: its apt line is the one CI installs and checks (.ci/first-hour)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def readme_apt_packages() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- apt-line:begin -->(.*?)<!-- apt-line:end -->", text, re.S)
    assert block is not None, "README.md lost its apt-line markers (.ci/first-hour reads them)"
    line = re.search(r"apt-get install ([^`\n]+)", block.group(1))
    assert line is not None
    return line.group(1).split()


def test_the_readme_apt_line_has_what_qt_xcb_lacks_on_a_fresh_debian() -> None:
    packages = readme_apt_packages()
    # the two a fresh Debian 12 lacked (Qt's message blamed libxcb-cursor0), the venv, a font
    for needed in ("python3-venv", "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1"):
        assert needed in packages
    assert any(p.startswith("fonts-") for p in packages)


def test_ci_and_the_test_runner_read_the_same_line() -> None:
    for script in (".ci/first-hour", "tests/run.sh"):
        assert "<!-- apt-line:begin -->" in (ROOT / script).read_text(encoding="utf-8"), script
    assert "bash .ci/first-hour" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_readme_says_to_activate_the_venv_before_bare_posapp() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ". .venv/bin/activate && pip install -e . && posapp" in text
