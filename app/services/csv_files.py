"""CSV files the service writes: cells a spreadsheet can never run as a formula.

A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return,
which some spreadsheets skip before looking) is a formula to Excel, LibreOffice
and Google Sheets: a name like ``=HYPERLINK("http://evil.example")`` would run
on the admin's machine. Every such cell gets a leading ``'``, which spreadsheets
read as "this is text" and do not show.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A file's first bytes that tell Excel the file is UTF-8 (without it, names lose accents).
UTF8_BOM = "\ufeff"


def cell(value) -> str:
    """Return ``value`` as the text of one CSV cell, never read as a formula."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, datetime):
        text = value.isoformat(timespec="seconds")
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unescape(text: str) -> str:
    """Undo ``cell``'s guard on text read back from a file this service wrote."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def as_csv(header: Iterable[str], rows: Iterable[Iterable], *, bom: bool = False) -> str:
    """Return ``rows`` under ``header`` as CSV text (CRLF lines), every cell guarded."""
    out = io.StringIO()
    if bom:
        out.write(UTF8_BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(name) for name in header])
    writer.writerows([cell(value) for value in row] for row in rows)
    return out.getvalue()


def download_name(kind: str, day: date) -> str:
    """Return a file name for a download: ``supporters-2026-12-06.csv``."""
    return f"{kind}-{day.isoformat()}.csv"
