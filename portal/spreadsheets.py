"""Cells of the CSV files staff and officials download and open in a spreadsheet program."""

from __future__ import annotations

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Google Sheets
# (OWASP "CSV injection"): a name typed as "=HYPERLINK(…)" would become a link in an admin's sheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    """``value`` as the text of a CSV cell that a spreadsheet shows and never runs: "" for None, and a
    leading apostrophe (which the spreadsheet hides) before text that would start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
