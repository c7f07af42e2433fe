"""A measure's kind from the rules' patterns, and the cut it yields (given, derived, lacking)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geoaq.emergency.measures import MISSING, derive_cuts, measure_kind, strongest
from geoaq.emergency.rules import POLLUTANTS


@pytest.mark.parametrize(("text", "kind", "pct"), [
    ("停产", "stop", None), ("全厂停产", "stop", None), ("停止石灰窑生产", "stop", None),
    ("限产50%", "limit", 50.0), ("限产 30 ％", "limit", 30.0), ("压减产能20%", "limit", 20.0),
    ("限产120%", "other", None),  # not a share of production
    ("停用2#烧结机", "equipment", None), ("关停1#石灰窑", "equipment", None), ("停运喷涂线", "equipment", None),
    ("错峰生产", "stagger", None), ("无需减排", "none", None), ("自主减排", "none", None), ("无", "none", None),
    ("加强管理", "other", None), ("", MISSING, None), (None, MISSING, None),
])
def test_the_kind_of_a_measure(rules, text, kind, pct):
    assert measure_kind(text, rules) == (kind, pct)


def _actions(**columns) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    for p in POLLUTANTS:
        frame[p] = 100.0
        frame[f"cut_given_{p}"] = np.nan
    return frame


def test_cuts_given_derived_or_lacking():
    acts = _actions(kind=["stop", "limit", "none", "equipment", "stagger", "equipment", "missing"],
                    limit_pct=[np.nan, 30.0, np.nan, np.nan, np.nan, np.nan, np.nan])
    acts.loc[5, "cut_given_vocs"] = 40.0  # a figure for one pollutant is a cut
    acts.loc[0, "cut_given_so2"] = 60.0   # the list's own figure wins over the derived one
    out = derive_cuts(acts)
    assert out["cut_so2"].tolist() == [60.0, 30.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert out["cut_nox"].tolist() == [100.0, 30.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert out["cut_vocs"].tolist() == [100.0, 30.0, 0.0, 0.0, 0.0, 40.0, 0.0]
    assert out["source_so2"].tolist() == ["given", "derived", "none", "lacking", "lacking", "lacking", "lacking"]
    assert out["needs_cut"].tolist() == [False, False, False, True, True, False, False]


def test_the_strongest_measure_of_several_lines():
    assert strongest(pd.Series(["none", "limit", "stagger"])) == "limit"
    assert strongest(pd.Series(["none", "stop"])) == "stop"
    assert strongest(pd.Series(["none"])) == "none"
    assert strongest(pd.Series([MISSING])) == MISSING
