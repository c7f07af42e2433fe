"""geoaq.web.warmup in the real server: `python -m geoaq.service` computes the first views as
it starts, and a first visit to the fires page then finds them."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from helpers import wait_until_run

from geoaq.web import warmup

pytestmark = pytest.mark.browser

APP = Path(__file__).resolve().parents[2] / "app.py"


def test_the_server_computes_the_first_views_as_it_starts(streamlit_app, page, tmp_path, demo_template):
    db = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_template, db)
    url = streamlit_app(APP, env={"GEOAQ_DB": str(db)})
    log = streamlit_app.logs[-1]
    deadline = time.monotonic() + 90
    while warmup.DONE not in log.read_text(encoding="utf-8", errors="replace"):
        assert time.monotonic() < deadline, log.read_text(encoding="utf-8", errors="replace")[-3000:]
        time.sleep(0.2)
    line = next(line for line in log.read_text(encoding="utf-8").splitlines() if warmup.DONE in line)
    assert str(db) in line and "fire check" in line and "layers" in line
    page.goto(url + "fires")
    wait_until_run(page)
    page.locator('[data-testid="stMetric"]').nth(2).wait_for(timeout=60_000)  # the period's figures
    assert page.locator('[data-testid="stException"]').count() == 0
