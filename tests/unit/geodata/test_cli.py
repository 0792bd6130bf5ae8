"""``python -m geodata``: JSON on success, exit 1 and one line on stderr on failure."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import geodata


def run(*args, cache_dir):
    env = {"GEODATA_CACHE_DIR": str(cache_dir), "PATH": "", "PYTHONWARNINGS": "error"}
    return subprocess.run(
        [sys.executable, "-m", "geodata", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def cache_dir():
    return geodata.settings().resolved_cache_dir()


def test_prints_the_location_as_json(cache_dir):
    done = run("ls6", "3qs", cache_dir=cache_dir)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == geodata.geocode("LS6 3QS").to_dict()
    assert done.stderr == ""


def test_place_and_zip(cache_dir):
    assert json.loads(run("Headingley", cache_dir=cache_dir).stdout)["label"] == (
        "Headingley, Leeds"
    )
    assert json.loads(run("90210", cache_dir=cache_dir).stdout)["label"] == (
        "90210, Beverly Hills, CA"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("LS6 3Q", "did you mean the sector LS6 3?"),
        ("LS6 9ZZ", "No postcode LS6 9ZZ"),
        ("BT9 5AB", "Northern Ireland"),
        ("Newport", "'Newport' is ambiguous: Newport, Wales (NP20); "),
    ],
)
def test_failure_exits_1_with_one_line_on_stderr(text, message, cache_dir):
    done = run(text, cache_dir=cache_dir)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("error: ")
    assert message in done.stderr


def test_suggest_option(cache_dir):
    done = run("--suggest", "2", "LS6 3Q", cache_dir=cache_dir)
    assert [loc["label"] for loc in json.loads(done.stdout)] == ["LS6 3QA", "LS6 3QB"]
