"""The soak's short version (bench/soak.py runs the long one): browsers opening and reloading
pages, a FIRMS load, two reviewers changing statuses and a feed run, all at once, on each
backend. Here: nothing shown as an exception, no failed write, every row stored once, one
history row per change. The page-open times are printed, not asserted (bench/soak.py checks
the 95th percentile on its longer run)."""

from __future__ import annotations

import os
import shutil
import sys

import pytest
from helpers import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import soak  # noqa: E402 (bench/ is not a package)

pytestmark = pytest.mark.browser


@pytest.fixture(params=["duckdb", "ducklake"])
def soaked(request, tmp_path, demo_template, chromium_path):
    if request.param == "duckdb":
        address = str(tmp_path / "soak.duckdb")
        shutil.copyfile(demo_template, address)
    else:
        from geoaq.demo.build import build_demo

        address = request.getfixturevalue("lake")
        build_demo(address)
    return request.param, address


def test_everything_at_once_loses_nothing_and_shows_no_exception(soaked, tmp_path):
    backend, address = soaked
    figures = soak.soak(backend, address, dict(os.environ), tmp_path, seconds=20, fire_rows=5_000, sessions=1)
    print(figures.summary())
    assert figures.page_opens, "no page opened"
    assert figures.status_changes > 0 and figures.feed_runs == 1 and figures.load_rows > 0
    problems = [p for p in figures.problems() if not p.startswith("page opens p95")]
    assert problems == []
