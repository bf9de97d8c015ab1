"""The UI never reads the core's sentences back with regular expressions: what the core
says to people comes as ``UserText`` (id + values) or typed data, and renders through the
catalogue. ``re`` in posapp/ui is kept to what the cashier types."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# modules that use ``re`` on the cashier's own input, not on anything the core said
INPUT_PARSERS = {
    "posapp/ui/widgets/amount_field.py",  # the amount as typed, in the locale's separators
    "posapp/ui/views/new_payment_view.py",  # the till id made safe for an order reference
}


def _imports_re(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import) and any(a.name == "re" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "re":
            return True
    return False


def test_no_regular_expressions_over_core_text_in_the_ui() -> None:
    users = {
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "posapp" / "ui").rglob("*.py"))
        if _imports_re(path)
    }
    assert users <= INPUT_PARSERS, sorted(users - INPUT_PARSERS)
