"""geoaq.routes.inputs: no targets, bad positions, LON,LAT parsing."""

from __future__ import annotations

import pandas as pd
import pytest
from route_cases import DEPOT

from geoaq._errors import RoutingInputError
from geoaq.routes.inputs import parse_lonlat
from geoaq.routes.plan import plan_routes
from geoaq.routes.rules import Team


def test_no_targets():
    with pytest.raises(RoutingInputError, match="no targets"):
        plan_routes(pd.DataFrame(columns=["lon", "lat"]), [Team("A", start=DEPOT)])


def test_bad_positions_and_lonlat_parsing():
    assert parse_lonlat("112.45，34.62") == (112.45, 34.62)
    with pytest.raises(RoutingInputError, match="LON,LAT"):
        parse_lonlat("112.45")
    with pytest.raises(RoutingInputError, match="missing or non-numeric"):
        plan_routes(pd.DataFrame({"lon": [112.4, None], "lat": [34.6, 34.7]}), [Team("A", start=DEPOT)])
    with pytest.raises(RoutingInputError, match="lon and lat"):
        plan_routes(pd.DataFrame({"x": [1]}), [Team("A", start=DEPOT)])
