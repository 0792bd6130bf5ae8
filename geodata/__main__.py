"""Command line: ``python -m geodata "LS6 3QS"`` prints the Location as JSON.

Exit status 0 on success; 1 with a one-line message on stderr when the text
cannot be located.
"""

from __future__ import annotations

import argparse
import json
import sys

from ._config import configure
from ._errors import AmbiguousPlace, GeodataError
from ._geocode import geocode
from ._index import build_index
from ._suggest import suggest


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m geodata",
        description="Locate a GB postcode, US ZIP code or town name, offline.",
    )
    parser.add_argument("text", nargs="*", help='what to locate, e.g. "LS6 3QS" or Headingley')
    parser.add_argument("--country", help="only accept answers in this country (GB, US...)")
    parser.add_argument(
        "--suggest", type=int, metavar="N", help="list up to N completions instead of one answer"
    )
    parser.add_argument(
        "--online",
        action="store_true",
        help="fall back to Nominatim when the offline data has no answer",
    )
    parser.add_argument(
        "--build", action="store_true", help="build the offline index now (and print where it is)"
    )
    args = parser.parse_args(argv)
    if not args.text and not args.build:
        parser.error("give the text to locate, or --build")
    if args.online:
        configure(online=True)
    text = " ".join(args.text)
    try:
        if args.build:
            print(build_index())
            if not text:
                return 0
        if args.suggest is not None:
            found = suggest(text, args.suggest, country=args.country)
            print(json.dumps([loc.to_dict() for loc in found], indent=2))
        else:
            print(json.dumps(geocode(text, country=args.country).to_dict(), indent=2))
    except AmbiguousPlace as err:
        labels = "; ".join(c.label for c in err.candidates[:10])
        print(f"error: '{text}' is ambiguous: {labels}", file=sys.stderr)
        return 1
    except GeodataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
