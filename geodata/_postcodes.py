"""Parse what a coach types: UK postcodes, US ZIP codes, or a place name.

Only the text is examined here; whether a well-formed postcode exists is for
the indexes to say. The UK rules are Royal Mail's published format rules (the
ones in BS 7666): an outward code of the shapes A9, A99, AA9, AA99, A9A or
AA9A, then an inward code of a digit and two letters, with letters that never
appear in certain positions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._errors import InvalidQuery

__all__ = [
    "NOT_IN_CODE_POINT",
    "OUTWARD_RE",
    "Query",
    "format_outward_key",
    "format_postcode_key",
    "outward_key",
    "parse_query",
    "postcode_key",
    "postcode_prefix_range",
    "sector_key",
]

# Letters allowed in each position (Royal Mail rules).
_FIRST = "ABCDEFGHIJKLMNOPRSTUWYZ"  # never Q, V, X
_SECOND = "ABCDEFGHKLMNOPQRSTUVWXY"  # never I, J, Z
_THIRD_A9A = "ABCDEFGHJKPSTUW"
_FOURTH_AA9A = "ABEHMNPRVWXY"
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # never C, I, K, M, O, V

_OUTWARD = (
    rf"[{_FIRST}][0-9]{{1,2}}"
    rf"|[{_FIRST}][{_SECOND}][0-9]{{1,2}}"
    rf"|[{_FIRST}][0-9][{_THIRD_A9A}]"
    rf"|[{_FIRST}][{_SECOND}][0-9][{_FOURTH_AA9A}]"
)
_INWARD = rf"[0-9][{_INWARD_LETTERS}]{{2}}"

# Matched against the input upper-cased with all whitespace removed: the
# inward code is always three characters, so the split is never in doubt.
FULL_POSTCODE = re.compile(rf"({_OUTWARD})({_INWARD})")
OUTWARD_RE = re.compile(_OUTWARD)
_SECTOR_COMPACT = re.compile(rf"({_OUTWARD})([0-9])")
_LOOKS_LIKE_POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]*")
_LOOSE_FULL = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})")
_ZIP_RE = re.compile(r"([0-9]{5})(?:[- ]?([0-9]{4}))?")
_DIGITS_RE = re.compile(r"[0-9][0-9 -]*")

#: Postcode areas that use the UK system but are not in OS Code-Point Open.
NOT_IN_CODE_POINT = {
    "BT": "Northern Ireland",
    "IM": "the Isle of Man",
    "JE": "Jersey",
    "GY": "Guernsey",
}

_MAX_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Query:
    """What the text was understood to be.

    ``kind`` is ``"postcode"``, ``"sector"``, ``"outward_code"``, ``"zip"``
    or ``"place"``. ``outward``/``inward`` hold the postcode parts (the inward
    part is one digit for a sector), ``zip5`` the ZIP code, ``name`` the place
    name. ``alt_sector`` is set when an unspaced outward code such as
    ``"LS63"`` could also be meant as the sector ``"LS6 3"``.
    """

    kind: str
    text: str
    outward: str = ""
    inward: str = ""
    zip5: str = ""
    name: str = ""
    alt_sector: str = ""

    @property
    def area(self) -> str:
        """The postcode area: the outward code's leading letters."""
        return self.outward[:2] if self.outward[1:2].isalpha() else self.outward[:1]


def postcode_key(outward: str, inward: str) -> int:
    """Return the sortable integer key of a full postcode.

    The key is the eight bytes ``outward.ljust(4) + inward + NUL`` read as a
    big-endian integer, so integer order is the same as string order and a
    sector's or district's keys are the postcode keys with low bytes zeroed.
    The first byte is an ASCII letter, so every key fits in an int64.
    """
    return int.from_bytes(f"{outward:<4}{inward}\0".encode("ascii"), "big")


def sector_key(outward: str, digit: str) -> int:
    """Return the key of a postcode sector (``"LS6"``, ``"3"``)."""
    return int.from_bytes(f"{outward:<4}{digit}\0\0\0".encode("ascii"), "big")


def outward_key(outward: str) -> int:
    """Return the key of an outward code (``"LS6"``)."""
    return int.from_bytes(f"{outward:<4}\0\0\0\0".encode("ascii"), "big")


def postcode_prefix_range(prefix: str) -> tuple[int, int]:
    """Return the half-open key range of all keys whose bytes start with *prefix*.

    *prefix* is in key layout: outward code padded to four characters, then
    the start of the inward code (``"LS6 3Q"``), or just the start of an
    outward code (``"LS1"`` covers LS1 and LS10 to LS19).
    """
    if not prefix.isascii():
        # No postcode holds a non-ASCII letter ("ÿ".isalpha() is true): match nothing.
        return 0, 0
    raw = prefix.encode("ascii")
    lo = int.from_bytes(raw.ljust(8, b"\0"), "big")
    hi = int.from_bytes(raw.ljust(8, b"\xff"), "big") + 1
    return lo, hi


def format_postcode_key(key: int) -> str:
    """Return ``"LS6 3QS"`` for a postcode key."""
    raw = key.to_bytes(8, "big").decode("ascii")
    return f"{raw[:4].rstrip()} {raw[4:7]}"


def format_outward_key(key: int) -> str:
    """Return ``"LS6"`` for an outward (or any) key."""
    return key.to_bytes(8, "big")[:4].decode("ascii").rstrip()


def parse_query(text: str) -> Query:
    """Classify *text* as a postcode, sector, outward code, ZIP code or place name.

    Parameters
    ----------
    text : str
        What the user typed, in any case and spacing.

    Returns
    -------
    Query

    Raises
    ------
    InvalidQuery
        If the text looks like a postcode or ZIP code but breaks the format
        rules, or is empty; the message says what is wrong.

    Examples
    --------
    >>> parse_query(" ls6  3qs ").kind, parse_query("LS6 3").kind, parse_query("LS6").kind
    ('postcode', 'sector', 'outward_code')
    >>> parse_query("10001-1234").zip5
    '10001'
    """
    if not isinstance(text, str):
        raise TypeError(f"expected text, got {type(text).__name__}")
    tidy = " ".join(text.split())
    if not tidy:
        raise InvalidQuery("Enter a postcode, ZIP code or town name.")
    if len(tidy) > _MAX_LENGTH:
        raise InvalidQuery(f"That is too long for a place: at most {_MAX_LENGTH} characters.")
    upper = tidy.upper()
    compact = upper.replace(" ", "")

    match = FULL_POSTCODE.fullmatch(compact)
    if match:
        return Query("postcode", tidy, outward=match[1], inward=match[2])
    if _DIGITS_RE.fullmatch(tidy):
        return _parse_zip(tidy)
    if _LOOKS_LIKE_POSTCODE.fullmatch(compact):
        return _parse_partial_postcode(tidy, upper, compact)
    if not any(ch.isalpha() for ch in tidy):
        raise InvalidQuery(f"'{tidy}' doesn't look like a postcode, ZIP code or place name.")
    return Query("place", tidy, name=tidy)


def _parse_zip(tidy: str) -> Query:
    match = _ZIP_RE.fullmatch(tidy)
    if match:
        return Query("zip", tidy, zip5=match[1])
    digits = tidy.replace(" ", "").replace("-", "")
    if len(digits) < 5:
        reason = f"a ZIP code has 5 digits, not {len(digits)}"
    elif tidy[:5].isdigit() and tidy[5:6] in ("-", " "):
        reason = "ZIP+4 needs exactly 4 digits after the hyphen, like 10001-1234"
    else:
        reason = "a ZIP code has 5 digits, or 5+4 like 10001-1234"
    raise InvalidQuery(f"'{tidy}' is not a US ZIP code: {reason}.")


def _parse_partial_postcode(tidy: str, upper: str, compact: str) -> Query:
    parts = upper.split(" ")
    if len(parts) == 2:
        outward, inward = parts
        _check_outward(tidy, outward)
        if inward.isdigit() and len(inward) == 1:
            return Query("sector", tidy, outward=outward, inward=inward)
        _raise_bad_inward(tidy, outward, inward)
    if OUTWARD_RE.fullmatch(compact):
        alt = _SECTOR_COMPACT.fullmatch(compact)
        alt_sector = f"{alt[1]} {alt[2]}" if alt else ""
        return Query("outward_code", tidy, outward=compact, alt_sector=alt_sector)
    sector = _SECTOR_COMPACT.fullmatch(compact)
    if sector:
        return Query("sector", tidy, outward=sector[1], inward=sector[2])
    loose = _LOOSE_FULL.fullmatch(compact)
    if loose:
        _check_outward(tidy, loose[1])
        _raise_bad_inward(tidy, loose[1], loose[2])
    # One letter short of a postcode ("LS63Q") is the commonest slip.
    for cut in range(2, len(compact) - 1):
        outward, rest = compact[:cut], compact[cut:]
        if OUTWARD_RE.fullmatch(outward) and re.fullmatch(r"[0-9][A-Z]", rest):
            _raise_bad_inward(tidy, outward, rest)
    head = re.match(r"[A-Z]{1,2}[0-9][A-Z0-9]?", compact)
    if head and not OUTWARD_RE.fullmatch(head[0]):
        _check_outward(tidy, head[0])
    raise InvalidQuery(
        f"'{tidy}' is not a valid postcode: a postcode looks like LS6 3QS "
        f"(a district such as LS6 or a sector such as LS6 3 also works)."
    )


def _check_outward(tidy: str, outward: str) -> None:
    if OUTWARD_RE.fullmatch(outward):
        return
    first = outward[:1]
    second = outward[1:2]
    if not first.isalpha():
        reason = "a postcode starts with a letter"
    elif first in "QVX":
        reason = f"no postcode starts with {first}"
    elif second.isalpha() and second in "IJZ":
        reason = f"the second letter of a postcode is never {second}"
    elif len(outward) > 4:
        reason = f"the part before the space ({outward}) has at most 4 characters"
    elif not any(ch.isdigit() for ch in outward):
        reason = f"the district ({outward}) needs a number, like LS6"
    else:
        reason = f"{outward} is not a possible postcode district"
    raise InvalidQuery(f"'{tidy}' is not a valid postcode: {reason}.")


def _raise_bad_inward(tidy: str, outward: str, inward: str) -> None:
    if re.fullmatch(r"[0-9][A-Z]?", inward):
        raise InvalidQuery(
            f"'{tidy}' is not a complete postcode: did you mean the sector {outward} {inward[0]}?"
        )
    if re.fullmatch(r"[0-9][A-Z]{2}", inward):
        bad = sorted({ch for ch in inward[1:] if ch not in _INWARD_LETTERS})
        raise InvalidQuery(
            f"'{tidy}' is not a valid postcode: the last two letters are never "
            f"C, I, K, M, O or V (found {', '.join(bad)})."
        )
    raise InvalidQuery(
        f"'{tidy}' is not a valid postcode: after the space comes a digit and "
        f"two letters, like 3QS."
    )
