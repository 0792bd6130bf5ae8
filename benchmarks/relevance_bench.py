"""Measure how relevant search results are, before and after a change of `matching`.

The judged set of ``relevance_set.py`` (a fixed population of supporters, 55
coaches' searches, grades written from the product's rules) is ranked by two
versions of the ``matching`` package in one run, with default ``Weights()``:

- BEFORE: the package as it was at a git ref (``--before``, default
  ``10d3c47``), extracted with ``git archive`` into a temporary folder;
- AFTER: the package in the working tree.

Each version ranks in its own subprocess (this script with a hidden
``--engine-only`` flag and that version's folder first on the path), so both
rank the same population and neither sees the other's code. The figures, per
engine, overall and per group (GB city, GB town, Highlands, US, "either" mode):

- NDCG@10 of the first 10 supporters a coach sees on page 1, in display order
  (gain 2**grade - 1; the ideal is the 10 best grades in the population);
- local share: of the first 10 shown, the share that are in-person matches
  inside the mutual radius, over "either" searches with at least 10 of them;
- foreign-country leakage: the share of everyone shown (page 1 and
  fallbacks) who is in another country, over searches that did not opt in;
- thin in-person searches (no in-person match): whether the nearest available
  in-person supporter beyond the radius (one who travels that far) is
  offered, and before anyone shown in an online section; and how many of the
  5 nearest are offered;
- beyond radius, outside own travel: supporters offered as in-person help
  beyond the radius although the coach is further away than they travel
  (the radius is mutual), over all searches.

Display order, as the search page shows it. Old API: ``matches``,
``fallbacks.beyond_radius``, ``fallbacks.online``. New API: ``matches`` (in
person, or online in "online" mode), ``fallbacks.beyond_radius``,
``fallbacks.online``; an "either" search shows its online section
(``online``) right after ``matches``, before ``fallbacks.beyond_radius``.
The new API is recognised by the ``country`` field of ``Candidate``; until
the working tree has all of it (``Candidate.country``, ``Query.countries``,
``rank(online_limit=...)``, ``RankResult.online``), only BEFORE is measured and the script says so.

Usage::

    .venv/bin/python benchmarks/relevance_bench.py [--before 10d3c47]
        [--out benchmarks/results/relevance.json] [--force-after]

``--force-after`` measures the working tree even while its API is partly new.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # a caller (a test) may have put it last, behind its matching
    sys.path.insert(0, str(ROOT))

from benchmarks import relevance_set as rs  # noqa: E402 - the repository root is put first

DEFAULT_BEFORE = "10d3c47"
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "relevance.json"
PAGE = 20          # main list (limit) on page 1
TOP = 10           # what NDCG and local share look at
NEAREST = 5        # nearest beyond-radius supporters a thin search should offer
# Display order: a thin in-person search offers the nearest beyond the radius
# before anyone online; an "either" search shows its online section before them.
SECTIONS = ("matches", "beyond_radius", "online", "fallback_online")
EITHER_SECTIONS = ("matches", "online", "beyond_radius", "fallback_online")
REPORT_GROUPS = ("all", "gb_city", "gb_town", "highlands", "us", "either")


# ------------------------------------------------------------------- the adapter
def api_features(matching=None) -> dict[str, bool]:
    """Return which parts of the new API the imported ``matching`` has."""
    if matching is None:
        import matching
    result_fields = {f.name for f in fields(matching.RankResult)}
    return {
        "candidate_country": "country" in {f.name for f in fields(matching.Candidate)},
        "query_countries": "countries" in {f.name for f in fields(matching.Query)},
        "rank_online_limit": "online_limit" in inspect.signature(
            matching.SupportIndex.rank).parameters,
        "result_online": "online" in result_fields,
    }


def api_name(features: Mapping[str, bool]) -> str:
    """Return "new", "old" or "partial" for a set of API features."""
    if all(features.values()):
        return "new"
    return "partial" if any(features.values()) else "old"


def build_index(supporters: Iterable[rs.Supporter]):
    """Return a ``matching.SupportIndex`` of the set's supporters (either API)."""
    import matching

    new = api_features(matching)["candidate_country"]
    candidates = []
    for s in supporters:
        extra = {"country": s.country, "framework": s.framework} if new else {}
        candidates.append(matching.Candidate(
            s.id, s.lat, s.lon, roles=s.roles, event_groups=s.event_groups, needs=s.needs,
            level=s.level, qualification=s.qualification, club=s.club, travel_km=s.travel_km,
            offers_online=s.offers_online, capacity_left=s.capacity_left,
            response_rate=s.response_rate, last_active=s.last_active, **extra))
    labels = matching.Labels(event_groups=rs.EVENT_GROUP_LABELS, needs=rs.NEED_LABELS)
    return matching.SupportIndex.build(candidates, labels=labels,
                                       related_groups=rs.RELATED_GROUPS, today=rs.TODAY)


def to_query(search: rs.Search):
    """Return the ``matching.Query`` of a search (country scope on the new API only)."""
    import matching

    extra = {}
    if api_features(matching)["query_countries"]:
        countries = frozenset() if search.other_countries else frozenset({search.country})
        extra = {"countries": countries, "framework": search.framework}
    return matching.Query(
        search.lat, search.lon, radius_km=search.radius_km, roles=search.roles,
        event_groups=search.event_groups, needs=dict(search.needs), level=search.level,
        club=search.club, mode=search.mode, require_event_group=search.require_event_group,
        limit=PAGE, **extra)


def rank_sections(index, search: rs.Search) -> dict[str, list[int]]:
    """Rank a search with default weights; return the ids of each shown section."""
    import matching

    features = api_features(matching)
    query, weights = to_query(search), matching.Weights()
    result = index.rank(query, weights, limit=PAGE)
    if features["rank_online_limit"]:
        # The online section fills page 1 up to 20, with at least 5 places.
        online_limit = max(5, PAGE - len(result.matches))
        result = index.rank(query, weights, limit=PAGE, online_limit=online_limit)
    fallbacks = result.fallbacks
    return {
        "matches": [m.id for m in result.matches],
        "beyond_radius": [m.id for m in fallbacks.beyond_radius] if fallbacks else [],
        "online": [m.id for m in getattr(result, "online", ())],
        "fallback_online": [m.id for m in fallbacks.online] if fallbacks else [],
    }


def displayed(sections: Mapping[str, Sequence[int]], mode: str = "in_person") -> list[int]:
    """Return the ids a coach sees, in display order, each once."""
    return list(shown_in(sections, mode))


def shown_in(sections: Mapping[str, Sequence[int]], mode: str = "in_person") -> dict[int, str]:
    """Return each shown id with the section it is first shown in, in display order."""
    seen: dict[int, str] = {}
    for name in EITHER_SECTIONS if mode == "either" else SECTIONS:
        for i in sections.get(name, ()):
            seen.setdefault(i, name)
    return seen


def run_engine(path: str) -> dict:
    """Rank every search with the ``matching`` package found in ``path``."""
    sys.path.insert(0, path)
    import matching

    where = Path(matching.__file__).resolve()
    if Path(path).resolve() not in where.parents:
        raise RuntimeError(f"imported matching from {where}, not from {path}")
    features = api_features(matching)
    t = time.perf_counter()
    index = build_index(rs.population())
    build_s = time.perf_counter() - t
    results, times = {}, []
    for search in rs.SEARCHES:
        t = time.perf_counter()
        results[search.name] = rank_sections(index, search)
        times.append(time.perf_counter() - t)
    return {"api": api_name(features), "features": features, "matching_file": str(where),
            "build_s": round(build_s, 3),
            "rank_ms_mean": round(1e3 * sum(times) / len(times), 3), "results": results}


# -------------------------------------------------------------------- measuring
def dcg(grades: Sequence[int]) -> float:
    """Return the discounted cumulative gain of grades in rank order."""
    return sum((2 ** g - 1) / math.log2(k + 2) for k, g in enumerate(grades))


def measure_search(search: rs.Search, sections: Mapping[str, Sequence[int]],
                   people: Sequence[rs.Supporter]) -> dict:
    """Return the figures of one search's shown results."""
    by_id = {s.id: s for s in people}
    first_section = shown_in(sections, search.mode)
    shown = list(first_section)
    grades = rs.judge(search, people)
    local = rs.in_person_matches(search, people)
    top = shown[:TOP]
    ideal = dcg(sorted(grades.values(), reverse=True)[:TOP])

    def km(i: int) -> float:
        return rs.distance_km(search.lat, search.lon, by_id[i].lat, by_id[i].lon)

    out: dict = {
        "shown": len(shown),
        "first_10": [{"id": i, "grade": grades[i], "in_person": i in local,
                      "country": by_id[i].country, "section": first_section[i]} for i in top],
        "ndcg_10": round(dcg([grades[i] for i in top]) / ideal, 4) if ideal > 0 else None,
        "local_share": None, "foreign": None, "thin": None,
        # Offered as in-person help beyond the radius, yet the coach is further
        # away than they travel: the radius is mutual, so they cannot come.
        "beyond_outside_travel": sum(km(i) > by_id[i].travel_km
                                     for i in sections.get("beyond_radius", ())),
    }
    if search.mode == "either" and len(local) >= TOP:
        out["local_share"] = sum(i in local for i in top) / TOP
    if not search.other_countries:
        out["foreign"] = sum(by_id[i].country != search.country for i in shown)
    if search.mode == "in_person" and not local:
        expected = [s.id for s in rs.beyond_radius(search, people)[:NEAREST]]
        if expected:
            nearest = expected[0]
            online = [k for k, i in enumerate(shown)
                      if first_section[i] in ("online", "fallback_online")]
            offered = nearest in first_section
            out["thin"] = {
                "nearest_offered": offered,
                "before_online": offered and all(shown.index(nearest) < k for k in online),
                "recall_5": round(len(set(expected) & set(shown)) / len(expected), 3),
            }
    return out


def summarise(per_search: Mapping[str, dict]) -> dict:
    """Return the figures of an engine, overall and per report group."""
    summary = {}
    for group in REPORT_GROUPS:
        chosen = [(s, per_search[s.name]) for s in rs.SEARCHES
                  if group == "all" or group in s.groups]
        ndcg = [m["ndcg_10"] for _, m in chosen if m["ndcg_10"] is not None]
        local = [m["local_share"] for _, m in chosen if m["local_share"] is not None]
        scoped = [m for s, m in chosen if m["foreign"] is not None]
        shown = sum(m["shown"] for m in scoped)
        foreign = sum(m["foreign"] for m in scoped)
        thin = [m["thin"] for _, m in chosen if m["thin"] is not None]
        summary[group] = {
            "searches": len(chosen),
            "ndcg_10": _mean(ndcg), "ndcg_searches": len(ndcg),
            "local_share": _mean(local), "local_searches": len(local),
            "local_all_10": sum(v == 1.0 for v in local),
            "foreign_share": round(foreign / shown, 4) if shown else None,
            "foreign_shown": foreign, "scoped_shown": shown, "scoped_searches": len(scoped),
            "searches_with_foreign": sum(m["foreign"] > 0 for m in scoped),
            "thin_searches": len(thin),
            "thin_nearest_offered": sum(t["nearest_offered"] for t in thin),
            "thin_before_online": sum(t["before_online"] for t in thin),
            "thin_recall_5": _mean([t["recall_5"] for t in thin]),
            "beyond_outside_travel": sum(m["beyond_outside_travel"] for _, m in chosen),
            "searches_beyond_outside_travel": sum(m["beyond_outside_travel"] > 0
                                                  for _, m in chosen),
        }
    return summary


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


# ------------------------------------------------------------------- the run
def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout.strip()


def _engine(path: Path) -> dict:
    """Run the engine-only mode in a subprocess with ``path`` first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(path), env.get("PYTHONPATH")) if p)
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--engine-only",
                           str(path)], cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode:
        lines = proc.stderr.strip().splitlines()
        return {"error": lines[-1] if lines else f"exit status {proc.returncode}",
                "stderr_tail": lines[-15:]}
    return json.loads(proc.stdout)


def _engine_summary(run: dict, people: Sequence[rs.Supporter]) -> dict:
    per_search = {s.name: measure_search(s, run["results"][s.name], people)
                  for s in rs.SEARCHES}
    return {"api": run["api"], "features": run["features"], "build_s": run["build_s"],
            "rank_ms_mean": run["rank_ms_mean"], "summary": summarise(per_search),
            "per_search": per_search}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=DEFAULT_BEFORE,
                        help=f"git ref of the BEFORE matching package (default {DEFAULT_BEFORE})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="write the figures as JSON here (default %(default)s)")
    parser.add_argument("--force-after", action="store_true",
                        help="measure the working tree even while its API is partly new")
    parser.add_argument("--engine-only", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.engine_only:
        json.dump(run_engine(args.engine_only), sys.stdout)
        return 0

    people = rs.population()
    before_sha = _git("rev-parse", "--verify", f"{args.before}^{{commit}}")
    with tempfile.TemporaryDirectory(prefix="relevance-before-") as tmp:
        archive = subprocess.run(["git", "archive", before_sha, "matching"], cwd=ROOT,
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        before_run = _engine(Path(tmp))
    if "error" in before_run:
        print(f"BEFORE ({args.before}) failed: {before_run['error']}", file=sys.stderr)
        print("\n".join(before_run["stderr_tail"]), file=sys.stderr)
        return 1
    after_run = _engine(ROOT)

    engines = {"before": _engine_summary(before_run, people)}
    after_note = None
    if "error" in after_run:
        after_note = f"the working tree's matching failed to run: {after_run['error']}"
    elif after_run["api"] != "new" and not args.force_after:
        missing = ", ".join(k for k, v in after_run["features"].items() if not v)
        after_note = (f"the working tree's matching has the {after_run['api']} API "
                      f"(missing: {missing}); only BEFORE is measured. Run again once the "
                      "new API has landed, or pass --force-after.")
    else:
        engines["after"] = _engine_summary(after_run, people)
    head = _git("rev-parse", "HEAD")
    dirty = bool(_git("status", "--porcelain", "--", "matching"))
    results = {
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "processor": platform.machine()},
        "commit": {"head": head, "matching_modified": dirty, "before_ref": args.before,
                   "before": before_sha},
        "set": {"seed": rs.SEED, "supporters": len(people), "searches": len(rs.SEARCHES),
                "groups": {g: sum(g == "all" or g in s.groups for s in rs.SEARCHES)
                           for g in REPORT_GROUPS}},
        "engines": engines,
        "after_not_measured": after_note,
    }
    _print_table(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {args.out}")
    return 0


def _print_table(results: dict) -> None:
    engines = results["engines"]
    commit = results["commit"]
    print(f"relevance: {results['set']['searches']} searches, "
          f"{results['set']['supporters']:,} supporters (seed {results['set']['seed']})")
    modified = ", matching modified" if commit["matching_modified"] else ""
    print(f"BEFORE = {commit['before_ref']} ({commit['before'][:10]}); AFTER = working tree "
          f"(HEAD {commit['head'][:10]}{modified})")
    if results["after_not_measured"]:
        print(f"AFTER NOT MEASURED: {results['after_not_measured']}")

    def cell(engine: str, group: str, fmt) -> str:
        if engine not in engines:
            return "-"
        value = fmt(engines[engine]["summary"][group])
        return "n/a" if value is None else value

    def ratio(value: float | None, digits: int = 3) -> str | None:
        return None if value is None else f"{value:.{digits}f}"

    metrics = [
        ("NDCG@10", "ndcg_searches", lambda s: ratio(s["ndcg_10"])),
        ("local share of first 10 (either)", "local_searches",
         lambda s: None if s["local_share"] is None
         else f"{s['local_share']:.2f} ({s['local_all_10']}/{s['local_searches']} all)"),
        ("foreign-country leakage", "scoped_searches",
         lambda s: None if s["foreign_share"] is None
         else f"{s['foreign_share']:.3f} ({s['searches_with_foreign']} searches)"),
        ("thin: nearest beyond offered", "thin_searches",
         lambda s: f"{s['thin_nearest_offered']}/{s['thin_searches']}" if s["thin_searches"]
         else None),
        ("thin: ... and before online", "thin_searches",
         lambda s: f"{s['thin_before_online']}/{s['thin_searches']}" if s["thin_searches"]
         else None),
        ("thin: recall of 5 nearest", "thin_searches", lambda s: ratio(s["thin_recall_5"])),
        ("beyond radius, outside own travel", "searches",
         lambda s: (f"{s['beyond_outside_travel']} "
                    f"({s['searches_beyond_outside_travel']} searches)")),
    ]
    rows = [("metric", "group", "n", "BEFORE", "AFTER")]
    base = engines["before"]["summary"]
    for name, count, fmt in metrics:
        for group in REPORT_GROUPS:
            n = base[group][count]
            if not n and group != "all":
                continue
            rows.append((name if group == "all" else "", group, str(n),
                         cell("before", group, fmt), cell("after", group, fmt)))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for r in rows:
        print(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  "
              f"{r[3]:>{widths[3]}}  {r[4]:>{widths[4]}}")
    for engine in ("before", "after"):
        if engine in engines:
            e = engines[engine]
            print(f"{engine.upper()}: {e['api']} API, build {e['build_s']:.3f} s, "
                  f"rank {e['rank_ms_mean']:.2f} ms mean")


if __name__ == "__main__":
    raise SystemExit(main())
