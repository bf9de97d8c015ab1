"""Text written to CSV files that people open in spreadsheets."""

from __future__ import annotations

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets
# (CSV injection); order references and operator names are typed by people.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """``text`` with a leading apostrophe when a spreadsheet would read it as a formula."""
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text
