"""Small route-planning cases shared by the tests of geoaq.routes (imported as `route_cases`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

DEPOT = (112.4826, 34.6252)
FAST = 1000  # search iterations: plenty for the small cases here, and quick


def random_targets(n: int, seed: int, spread: float = 0.15, **columns) -> pd.DataFrame:
    """`n` seeded targets T00… around DEPOT (10 minutes each), plus the given columns."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"target_id": [f"T{i:02d}" for i in range(n)],
                          "lon": DEPOT[0] + rng.uniform(-spread, spread, n),
                          "lat": DEPOT[1] + rng.uniform(-spread * 0.8, spread * 0.8, n),
                          "kind": "other", "service_min": 10.0})
    for name, values in columns.items():
        frame[name] = values
    return frame
