"""Benchmark the widget's size: widget.js as the app serves it, raw and gzipped.

Run from the repository root::

    .venv/bin/python benchmarks/widget_size_bench.py [--out benchmarks/results/widget_size.json]

Fetches /widget.js and /embed.js through the Flask test client (what a club's
visitors download), gzips them at level 6 (what servers and CDNs typically
use) and at level 9, prints a table, writes the figures as JSON, and exits 1
when widget.js is over its budget of 15 KB gzipped.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "widget_size.json"
BUDGET_GZIP_BYTES = 15 * 1024
SCRIPTS = ("/widget.js", "/embed.js")


def served(path: str) -> bytes:
    """Return the body the app serves at ``path`` (no database is touched)."""
    from app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench",
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db"})
        response = app.test_client().get(path)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}")
        return response.get_data()


def measure() -> dict:
    figures = {}
    for path in SCRIPTS:
        body = served(path)
        figures[path.lstrip("/")] = {
            "raw_bytes": len(body),
            "gzip6_bytes": len(gzip.compress(body, compresslevel=6, mtime=0)),
            "gzip9_bytes": len(gzip.compress(body, compresslevel=9, mtime=0)),
        }
    widget = figures["widget.js"]
    return {
        "scripts": figures,
        "budget_gzip_bytes": BUDGET_GZIP_BYTES,
        "widget_gzip_bytes": widget["gzip6_bytes"],
        "within_budget": widget["gzip6_bytes"] <= BUDGET_GZIP_BYTES,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    result = measure()
    print(f"{'script':<12} {'raw':>10} {'gzip -6':>10} {'gzip -9':>10}")
    for name, sizes in result["scripts"].items():
        print(f"{name:<12} {sizes['raw_bytes']:>8,} B {sizes['gzip6_bytes']:>8,} B "
              f"{sizes['gzip9_bytes']:>8,} B")
    verdict = "within" if result["within_budget"] else "OVER"
    print(f"widget.js gzipped: {result['widget_gzip_bytes'] / 1024:.1f} KB, {verdict} the "
          f"budget of {BUDGET_GZIP_BYTES / 1024:.0f} KB")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["within_budget"] else 1


if __name__ == "__main__":
    sys.exit(main())
